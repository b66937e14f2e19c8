"""The JSON API at /api/v1: one NinjaAPI, domain routers, uniform errors."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from reelbox.core.errors import ApiError

api = NinjaAPI(
    title="Reelbox API",
    version="1",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)


def _error(request, status: int, detail: str, code: str, headers: dict | None = None, **extra):
    response = api.create_response(request, {"detail": detail, "code": code, **extra}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(ApiError)
def on_api_error(request, exc: ApiError):
    # Subclasses may carry more fields, e.g. the studio's "field" naming what to fix.
    return _error(request, exc.status, exc.detail, exc.code, exc.headers, **getattr(exc, "extra", {}))


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    # Name the field: "body.caption: ..." reads better than a bare 422.
    parts = []
    for err in exc.errors:
        loc = ".".join(str(p) for p in err.get("loc", []) if p not in ("body", "payload", "form", "query"))
        parts.append(f"{loc}: {err.get('msg', '')}" if loc else str(err.get("msg", "")))
    return _error(request, 400, "; ".join(parts) or _("Invalid input."), "invalid", errors=exc.errors)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return _error(request, 401, _("Log in to do this."), "not_authenticated")


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, _("Not found."), "not_found")


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return _error(request, exc.status_code, str(exc), "error")


@api.get("/ping", auth=None, include_in_schema=False)
def ping(request):
    """A trivial endpoint: the baseline the feed benchmark compares against."""
    return {"ok": True}


def _register_routers() -> None:
    from reelbox.accounts.api import router as accounts_router
    from reelbox.captions.api import router as captions_router
    from reelbox.discovery.api import router as discovery_router
    from reelbox.feed.api import router as feed_router
    from reelbox.messaging.api import router as messaging_router
    from reelbox.moderation.api import router as moderation_router
    from reelbox.notifications.api import router as notifications_router
    from reelbox.social.api import router as social_router
    from reelbox.studio.api import router as studio_router
    from reelbox.videos.api import router as videos_router

    api.add_router("/", accounts_router)
    api.add_router("/", videos_router)
    api.add_router("/", captions_router)
    api.add_router("/", feed_router)
    api.add_router("/", social_router)
    api.add_router("/", notifications_router)
    api.add_router("/", messaging_router)
    api.add_router("/", moderation_router)
    api.add_router("/", studio_router)
    api.add_router("/", discovery_router)


_register_routers()
