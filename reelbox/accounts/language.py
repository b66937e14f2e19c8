"""The UI language a signed-in person chose follows them: the picker stores it in User.language (and the cookie,
for this device), and a device without the cookie gets it after log-in instead of the browser's guess."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.views.i18n import set_language as django_set_language


def set_language(request):
    """Django's set_language (cookie, safe ``next`` redirect), remembered on the account when signed in."""
    response = django_set_language(request)
    code = request.POST.get("language", "")
    user = getattr(request, "user", None)
    if (request.method == "POST" and user is not None and user.is_authenticated
            and translation.check_for_language(code) and code in dict(settings.LANGUAGES)):
        if user.language != code:
            user.language = code
            user.save(update_fields=["language"])
    return response


class UserLanguageMiddleware:
    """After AuthenticationMiddleware: the account's language wins over Accept-Language, not over the cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and user.language
                and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
                and user.language in dict(settings.LANGUAGES)):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
