from django import template

from reelbox.videos import storage

register = template.Library()


@register.filter
def media_url(name: str) -> str:
    return storage.url(name) or ""
