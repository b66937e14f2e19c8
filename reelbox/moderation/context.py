"""Template context for every page: the site-wide announcement, paused features, unread moderation notices."""

from reelbox.core.ttlcache import TTLCache

# Read on every page; a few seconds of staleness is fine for a crisis message (writes here clear it).
_banner = TTLCache(ttl_s=5.0, max_items=1)


def announcement(request) -> dict:
    from reelbox.moderation.models import SiteControl
    from reelbox.moderation.queries import is_moderator, unread_notices

    row = _banner.get("row")
    if row is None:
        row = SiteControl.objects.filter(pk=1).values("announcement", "uploads_paused", "comments_paused").first() \
            or {"announcement": "", "uploads_paused": False, "comments_paused": False}
        _banner.set("row", row)
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "site_announcement": row["announcement"],
        "uploads_paused": row["uploads_paused"],
        "comments_paused": row["comments_paused"],
        "moderation_unread": unread_notices(user) if signed_in else 0,
        "is_moderator": is_moderator(user) if signed_in else False,
    }


def forget_banner() -> None:
    _banner.clear()
