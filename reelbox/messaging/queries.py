"""Permission-aware reads of conversations and messages.

Only members see a conversation; to anyone else it does not exist (404). A
shared video shows as a playable card only to readers who may see it.
"""

from __future__ import annotations

import logging

from django.db.models import F, Q
from django.utils.translation import gettext as _

from reelbox.accounts.models import Audience, User
from reelbox.accounts.queries import person
from reelbox.messaging import crypto
from reelbox.messaging.models import Conversation, Member, Message
from reelbox.social import queries as social_queries
from reelbox.videos import queries as video_queries
from reelbox.videos import storage
from reelbox.videos.models import Video

log = logging.getLogger(__name__)


def may_message(sender, recipient) -> bool:
    """Whether ``sender`` may start a conversation with ``recipient`` (blocks, their `who_can_message`).

    ``followers`` means people the recipient follows: strangers cannot write to them.
    """
    if not recipient.is_active or social_queries.is_blocked_between(sender, recipient):
        return False
    audience = recipient.who_can_message
    if audience == Audience.EVERYONE:
        return True
    if audience == Audience.FOLLOWERS:
        return social_queries.is_following(recipient, sender)
    return False


def access_conversation(viewer, conversation_id) -> Conversation | None:
    try:
        conversation_id = int(conversation_id)
    except (TypeError, ValueError):
        return None
    if viewer is None or not viewer.is_authenticated:
        return None
    return Conversation.objects.filter(pk=conversation_id, members__user_id=viewer.pk).first()


def member_ids(conversation_id: int) -> list[int]:
    return list(Member.objects.filter(conversation_id=conversation_id).values_list("user_id", flat=True))


def data_key(conversation: Conversation) -> bytes:
    return crypto.unwrap(bytes(conversation.data_key), conversation.key_id)


def _video_card(viewer, video: Video | None) -> dict | None:
    if video is None or not video_queries.can_view(viewer, video):
        return None
    renditions = sorted(video.renditions.all(), key=lambda r: -r.height)
    return {"id": video.public_id, "caption": video.caption, "poster_url": storage.url(video.poster_path),
            "hls_url": storage.url(video.hls_path) if video.hls_path else None,
            "mp4_url": storage.url(renditions[-1 if len(renditions) > 1 else 0].mp4_path) if renditions else None,
            "author": person(video.author)}


def serialize_messages(viewer, conversation: Conversation, messages: list[Message]) -> list[dict]:
    key = None
    try:
        key = data_key(conversation)
    except crypto.KeyUnavailable:
        log.error("conversation %s: its data key's server key %s is not configured", conversation.pk,
                  conversation.key_id)
    videos = {}
    video_ids = {m.video_id for m in messages if m.video_id}
    if video_ids:
        videos = {v.pk: v for v in video_queries.with_media(Video.objects.filter(pk__in=video_ids))}
    senders = {u.pk: u for u in User.objects.filter(pk__in={m.sender_id for m in messages})}
    out = []
    for message in messages:
        text = None
        if key is not None:
            try:
                text = crypto.decrypt(key, conversation.pk, message.pk, message.body)
            except Exception:  # noqa: BLE001 - a damaged or moved body shows as unreadable, never as another's text
                log.error("message %s does not decrypt", message.pk)
        video = videos.get(message.video_id)
        card = _video_card(viewer, video)
        out.append({
            "id": message.pk,
            "conversation_id": conversation.pk,
            "sender": person(senders[message.sender_id]),
            "text": text,
            "video": card,
            # A video was shared but this reader may not see it (or it is gone).
            "video_unavailable": message.video_id is not None and card is None,
            "created_at": message.created_at.isoformat(),
        })
    return out


def messages_page(viewer, conversation: Conversation, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """Newest first; the cursor is the oldest id seen."""
    limit = social_queries.clamp(limit)
    since = Member.objects.filter(conversation_id=conversation.pk, user_id=viewer.pk).values_list(
        "since_id", flat=True).first() or 0
    qs = Message.objects.filter(conversation_id=conversation.pk, pk__gt=since)
    if cursor:
        qs = qs.filter(pk__lt=social_queries.parse_id(cursor))
    rows = list(qs.order_by("-pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return serialize_messages(viewer, conversation, rows), (str(rows[-1].pk) if more and rows else None)


def messages_for(viewer, message_ids) -> list[dict]:
    """Messages by id that ``viewer`` may read (a member of their conversation), oldest first."""
    # One filter() call: the same member row both admits the viewer and bounds what they may read.
    rows = list(Message.objects.filter(
        pk__in=message_ids, conversation__members__user_id=viewer.pk,
        conversation__members__since_id__lt=F("pk")).order_by("pk"))
    out = []
    by_conversation: dict[int, list] = {}
    for row in rows:
        by_conversation.setdefault(row.conversation_id, []).append(row)
    for conversation in Conversation.objects.filter(pk__in=by_conversation):
        out.extend(serialize_messages(viewer, conversation, by_conversation[conversation.pk]))
    return sorted(out, key=lambda m: m["id"])


def serialize_conversation(viewer, conversation: Conversation) -> dict:
    members = list(Member.objects.filter(conversation_id=conversation.pk).select_related("user").order_by("pk"))
    mine = next((m for m in members if m.user_id == viewer.pk), None)
    last = None
    if conversation.last_message_id > (mine.since_id if mine is not None else 0):
        message = Message.objects.filter(pk=conversation.last_message_id).first()
        if message is not None:
            last = serialize_messages(viewer, conversation, [message])[0]
    unread = 0
    if mine is not None:
        unread = (Message.objects.filter(conversation_id=conversation.pk, pk__gt=mine.last_read_id)
                  .exclude(sender_id=viewer.pk).count())
    return {
        "id": conversation.pk,
        "is_group": conversation.is_group,
        "title": conversation.title,
        "members": [person(m.user) | {"last_read_id": m.last_read_id, "is_admin": m.is_admin} for m in members],
        "created_by": next((m.user.username for m in members if m.user_id == conversation.created_by_id), None),
        "last_message": last,
        "unread_count": unread,
        "created_at": conversation.created_at.isoformat(),
    }


def conversations_page(viewer, cursor: str | None, limit: int) -> tuple[list, str | None]:
    """The viewer's conversations, latest activity first; the cursor is "last message id.conversation id"."""
    limit = social_queries.clamp(limit)
    qs = Conversation.objects.filter(members__user_id=viewer.pk)
    if cursor:
        last, _sep, pk = cursor.partition(".")
        last, pk = social_queries.parse_id(last), social_queries.parse_id(pk)
        qs = qs.filter(Q(last_message_id__lt=last) | Q(last_message_id=last, pk__lt=pk))
    rows = list(qs.order_by("-last_message_id", "-pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = f"{rows[-1].last_message_id}.{rows[-1].pk}" if more and rows else None
    return [serialize_conversation(viewer, c) for c in rows], next_cursor


def receipts_since(viewer, since) -> list[dict]:
    """Read receipts of other members in the viewer's conversations updated after ``since`` (for polling)."""
    mine = Member.objects.filter(user_id=viewer.pk).values("conversation_id")
    rows = (Member.objects.filter(conversation_id__in=mine, read_at__gt=since).exclude(user_id=viewer.pk)
            .select_related("user").order_by("read_at"))
    return [receipt(r) for r in rows]


def receipt(member: Member) -> dict:
    return {"conversation_id": member.conversation_id, "username": member.user.username,
            "last_read_id": member.last_read_id, "read_at": member.read_at.isoformat() if member.read_at else None}


def new_message_ids(viewer, after_id: int, skip=(), limit: int = 50) -> list[int]:
    """Ids of messages newer than ``after_id`` in the viewer's conversations, less ``skip`` (for polling)."""
    mine = Member.objects.filter(user_id=viewer.pk).values("conversation_id")
    qs = Message.objects.filter(conversation_id__in=mine, pk__gt=after_id)
    if skip:
        qs = qs.exclude(pk__in=list(skip))
    return list(qs.order_by("pk").values_list("pk", flat=True)[:limit])


def latest_message_id() -> int:
    return Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def no_such_conversation_text() -> str:
    return _("No such conversation.")
