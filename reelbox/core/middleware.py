"""A stable, anonymous device id so that signed-out viewers' events still count."""

import secrets

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
