"""Template context every page gets: where to open the WebSocket, the unread badge."""

from django.conf import settings


def live(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def unread():
        from reelbox.notifications.queries import unread_count

        return unread_count(user.pk)

    return {"live_ws_url": settings.REELBOX["WS_URL"], "live_ws_port": settings.REELBOX["WS_PORT"] or "",
            "unread_notifications": unread}
