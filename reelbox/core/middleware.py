"""Request-wide middleware: an anonymous device id, and the upload size limit enforced before reading."""

import secrets

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

DEVICE_COOKIE = "rb_device"
ONE_YEAR = 365 * 24 * 3600


class DeviceIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        device_id = request.COOKIES.get(DEVICE_COOKIE, "")
        fresh = not (16 <= len(device_id) <= 64 and device_id.replace("-", "").replace("_", "").isalnum())
        if fresh:
            device_id = secrets.token_urlsafe(18)
        request.device_id = device_id
        response = self.get_response(request)
        if fresh:
            response.set_cookie(DEVICE_COOKIE, device_id, max_age=ONE_YEAR, httponly=True, samesite="Lax")
        return response


# Room for the form fields and multipart framing around the largest file an upload may carry.
FORM_SLACK_BYTES = 1024 * 1024


class BodyLimitMiddleware:
    """Refuse a request whose declared body exceeds the upload limit before a byte of it is read.

    Django streams multipart files to disk as they arrive and only then could anything check their size:
    without this, one hostile upload could fill the disk before being refused. (A body without a declared
    length is not parsed as a form at all.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.REELBOX["MAX_UPLOAD_BYTES"] + FORM_SLACK_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            detail = _("The upload is larger than the limit of %(mb)d MB.") % {
                "mb": settings.REELBOX["MAX_UPLOAD_BYTES"] // 2**20}
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": detail, "code": "too_large"}, status=413)
            return HttpResponse(detail, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
