from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from reelbox.accounts.language import set_language
from reelbox.api import api
from reelbox.core import media
from reelbox.videos import tus

urlpatterns = [
    path("api/v1/uploads/", include(tus.urlpatterns)),
    path("api/v1/", api.urls),
    # Before Django's own: the picker also stores the choice on the account (reelbox.accounts.language).
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("reelbox.accounts.urls")),
    path("", include("reelbox.videos.urls")),
    path("", include("reelbox.captions.urls")),
    path("", include("reelbox.social.urls")),
    path("", include("reelbox.notifications.urls")),
    path("", include("reelbox.messaging.urls")),
    path("", include("reelbox.moderation.urls")),
    path("", include("reelbox.studio.urls")),
    path("", include("reelbox.discovery.urls")),
    path("", include("reelbox.feed.urls")),
]

if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
    urlpatterns.append(re_path(r"^media/(?P<path>.+)$", media.serve, name="media"))
