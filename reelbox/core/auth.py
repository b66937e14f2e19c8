"""Who is calling: a bearer token (API clients) or the session (web UI).

Session callers must pass CSRF on unsafe methods; token callers need not,
since a browser never attaches a bearer header on its own.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from reelbox.accounts import actions as account_actions
from reelbox.accounts import queries as account_queries
from reelbox.core.errors import ApiError

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def bearer_token(request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, key = header.partition(" ")
    if scheme.lower() == "bearer" and key.strip():
        return key.strip()
    return None


def resolve_user(request):
    """The calling user, or AnonymousUser. Raises 401 for a bad token, 403 for a failed CSRF check."""
    cached = getattr(request, "_reelbox_user", None)
    if cached is not None:
        return cached
    key = bearer_token(request)
    if key is not None:
        found = account_queries.user_for_token(key)
        if found is None:
            raise ApiError(_("The access token is invalid or has been revoked."), "invalid_token", status=401)
        user, token = found
        account_actions.touch_token(token)
    else:
        user = getattr(request, "user", None) or AnonymousUser()
        if user.is_authenticated and request.method in UNSAFE:
            if check_csrf(request) is not None:
                raise ApiError(_("CSRF check failed. Reload the page and try again."), "csrf_failed", status=403)
    request._reelbox_user = user
    return user


class TokenOrSession(AuthBase):
    """Ninja auth: required user; 401 JSON otherwise."""

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __call__(self, request):
        user = resolve_user(request)
        return user if user.is_authenticated else None

