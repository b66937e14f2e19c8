from django import template

from reelbox.videos import storage

register = template.Library()


@register.filter
def media_url(name: str) -> str:
    return storage.url(name) or ""


@register.filter
def compact(number) -> str:
    """A count in the active language's short form: 1.2K, 1,2 mil, 1.2万."""
    from django.utils.translation import get_language

    from reelbox.core.numbers import compact as _compact

    return _compact(number, get_language() or "en")
