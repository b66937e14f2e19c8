"""ASGI: HTTP through Django, WebSockets at /ws/ through Channels (session or ?token= auth)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelbox.settings")
django_application = get_asgi_application()

from django.conf import settings  # noqa: E402

# Django's ASGI handler runs each request's sync code in a thread of its own (asgiref's ThreadSensitiveContext):
# a connection kept past the request would never be used again, so here they close after every request, as
# Django advises for ASGI. The WSGI processes and the workers keep theirs (reelbox.settings._databases).
for _db in settings.DATABASES.values():
    _db["CONN_MAX_AGE"] = 0

from channels.auth import AuthMiddlewareStack  # noqa: E402 - needs Django set up first
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from reelbox.core.consumers import LiveConsumer, TokenAuthMiddleware  # noqa: E402

websocket_urlpatterns = [path("ws/", LiveConsumer.as_asgi())]

application = ProtocolTypeRouter({
    "http": django_application,
    "websocket": AllowedHostsOriginValidator(
        AuthMiddlewareStack(TokenAuthMiddleware(URLRouter(websocket_urlpatterns)))),
})
