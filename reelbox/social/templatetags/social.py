import re

from django import template
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()

MENTION = re.compile(r"@([A-Za-z0-9_.]{3,30})")


@register.filter
def comment_html(comment) -> str:
    """A comment's text, escaped, with the @names it mentions linked to their profiles.

    Escaping comes first and only usernames (letters, digits, dots, underscores:
    nothing HTML cares about) are wrapped afterwards, so the text cannot inject markup.
    """
    known = {m.user.username.lower(): m.user.username for m in comment.mentions.all()}
    text = escape(comment.text)

    def link(match):
        name = match.group(1).rstrip(".")
        username = known.get(name.lower())
        if username is None:
            return match.group(0)
        rest = match.group(1)[len(name):]
        return format_html('<a class="mention" href="{}">@{}</a>', reverse("accounts:profile", args=[username]),
                           name) + rest

    return mark_safe(MENTION.sub(link, text))  # noqa: S308 (escaped above; only usernames added)
