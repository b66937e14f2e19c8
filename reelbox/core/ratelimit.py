"""Fixed-window rate limits, counted in Redis or, in the embedded mode, in a file every process shares.

``hit()`` counts one request against a scope (sign-up, log-in, upload...) and
refuses with 429 once the window is spent. The quota is remembered on the
request so that ``RateLimitHeadersMiddleware`` can advertise it on every
response, successful or not (RateLimit-* draft headers and Mastodon's
X-RateLimit-* ones).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from reelbox.core import counters
from reelbox.core.errors import ApiError


@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int
    reset_s: int

    def headers(self) -> dict[str, str]:
        values = {"Limit": str(self.limit), "Remaining": str(self.remaining), "Reset": str(self.reset_s)}
        out = {f"RateLimit-{k}": v for k, v in values.items()}
        out.update({f"X-RateLimit-{k}": v for k, v in values.items()})
        return out


class RateLimited(ApiError):
    status = 429


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def hit(request, scope: str, key: str) -> Quota:
    limit, window = settings.REELBOX["RATE_LIMITS"][scope]
    now = time.time()
    window_start = int(now // window) * window
    cache_key = f"rl:{scope}:{key}:{window_start}"
    count = _count(cache_key, window)
    reset_s = max(1, int(window_start + window - now))
    quota = Quota(limit=limit, remaining=max(0, limit - count), reset_s=reset_s)
    request.rate_quota = quota
    if count > limit:
        headers = quota.headers() | {"Retry-After": str(reset_s)}
        raise RateLimited(_("Too many requests. Try again in %(seconds)d seconds.") % {"seconds": reset_s},
                          "rate_limited", headers=headers)
    return quota


def _count(cache_key: str, window: int) -> int:
    """One more request in this window, counted where every web process sees it."""
    if not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        # The embedded mode's cache is per process (see reelbox.core.counters).
        return counters.incr(cache_key, time.time() + window + 1)
    # add() then incr() is atomic on Redis, so concurrent requests cannot both see the last free slot.
    cache.add(cache_key, 0, timeout=window + 1)
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window + 1)
        return 1


def reset() -> None:
    """Forget every count (tests)."""
    cache.clear()
    counters.clear()


class RateLimitHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        quota = getattr(request, "rate_quota", None)
        if quota is not None:
            for name, value in quota.headers().items():
                response.setdefault(name, value)
        return response
