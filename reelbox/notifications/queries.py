"""Permission-aware reads of a user's notifications.

Blocks and mutes made after a notification was written still apply: actors
now hidden from the recipient drop out of each line (and a line with nobody
left drops out), and comment targets go through ``social.queries.access_comment``.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reelbox.core.errors import ApiError
from reelbox.accounts.queries import person
from reelbox.notifications.models import Notification, NotificationActor, Verb
from reelbox.social import queries as social_queries
from reelbox.videos import storage

SHOWN_ACTORS = 2


def unread_count(user_id: int) -> int:
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()


def _parse_cursor(cursor: str) -> tuple[int, int]:
    sort_us, _sep, last = cursor.partition(".")
    return social_queries.parse_id(sort_us), social_queries.parse_id(last)


def page(user, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    limit = social_queries.clamp(limit)
    qs = Notification.objects.filter(recipient_id=user.pk).select_related("video", "comment")
    if cursor:
        sort_us, last = _parse_cursor(cursor)
        qs = qs.filter(Q(sort_us__lt=sort_us) | Q(sort_us=sort_us, pk__lt=last))
    rows = list(qs.order_by("-sort_us", "-pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = f"{rows[-1].sort_us}.{rows[-1].pk}" if more and rows else None
    hidden = social_queries.hidden_author_ids(user.pk)
    items = []
    for row in rows:
        item = _serialize(user, row, hidden)
        if item is not None:
            items.append(item)
    return items, next_cursor


def _actors(row, hidden: set[int]) -> tuple[list, int]:
    qs = NotificationActor.objects.filter(notification_id=row.pk, actor__is_active=True)
    if hidden:
        qs = qs.exclude(actor_id__in=hidden)
    if row.actor_count == 1:
        shown = [a.actor for a in qs.select_related("actor")[:1]]
        return shown, len(shown)
    total = qs.count()
    shown = [a.actor for a in qs.select_related("actor").order_by("-id")[:SHOWN_ACTORS]]
    return shown, total


def _text(verb: str, first: str, others: int) -> str:
    """The line as people read it: "A and 12 others liked your video"."""
    lines = {
        Verb.LIKE: (_("%(name)s liked your video"),
                    ngettext("%(name)s and %(count)d other liked your video",
                             "%(name)s and %(count)d others liked your video", others)),
        Verb.FOLLOW: (_("%(name)s started following you"),
                      ngettext("%(name)s and %(count)d other started following you",
                               "%(name)s and %(count)d others started following you", others)),
        Verb.FOLLOW_REQUEST: (_("%(name)s asked to follow you"),
                              ngettext("%(name)s and %(count)d other asked to follow you",
                                       "%(name)s and %(count)d others asked to follow you", others)),
        Verb.FOLLOW_APPROVED: (_("%(name)s approved your follow request"), None),
        Verb.MESSAGE: (_("%(name)s sent you a message"),
                       ngettext("%(name)s and %(count)d other sent you messages",
                                "%(name)s and %(count)d others sent you messages", others)),
        Verb.COMMENT: (_("%(name)s commented on your video"), None),
        Verb.REPLY: (_("%(name)s replied to your comment"), None),
        Verb.MENTION: (_("%(name)s mentioned you in a comment"), None),
        Verb.DUET: (_("%(name)s made a duet with your video"), None),
        Verb.STITCH: (_("%(name)s stitched your video"), None),
    }
    single, grouped = lines[verb]
    if others and grouped:
        return grouped % {"name": first, "count": others}
    return single % {"name": first}


def _serialize(user, row, hidden: set[int]) -> dict | None:
    actors, total = _actors(row, hidden)
    if not actors:
        return None
    comment_text = None
    if row.comment_id is not None:
        comment = social_queries.access_comment(user, row.comment_id)
        if comment is None:
            return None
        comment_text = comment.text
    verb = row.verb
    if verb == Verb.LIKE and row.comment_id is not None:
        text = _("%(name)s liked your comment") % {"name": actors[0].shown_name}
        if total > 1:
            text = ngettext("%(name)s and %(count)d other liked your comment",
                            "%(name)s and %(count)d others liked your comment", total - 1) % {
                "name": actors[0].shown_name, "count": total - 1}
    else:
        text = _text(verb, actors[0].shown_name, total - 1)
    video = row.video
    return {
        "id": row.pk,
        "verb": verb,
        "text": text,
        "actors": [person(a) for a in actors],
        "actor_count": total,
        "video": ({"id": video.public_id, "poster_url": storage.url(video.poster_path)} if video else None),
        "comment": ({"id": row.comment_id, "text": comment_text} if row.comment_id else None),
        "conversation_id": row.conversation_id,
        "read": row.read_at is not None,
        "created_at": row.created_at.isoformat(),
    }


def check_ids(ids) -> list[int]:
    try:
        return [int(i) for i in ids]
    except (TypeError, ValueError):
        raise ApiError(_("ids: a list of notification ids."), "invalid_ids") from None
