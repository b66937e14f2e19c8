"""Every messaging write: start a conversation, send, mark read.

Who may write to whom: blocks (either way) always refuse; starting a
conversation also needs the recipient's ``who_can_message``. Inside an existing
one-to-one conversation the setting is not asked again once the other person
has started it or written in it (they chose to talk). Refusals are neutral:
the same 403 and words whether a block or a setting stands in the way.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from reelbox.accounts.models import User
from reelbox.core import live
from reelbox.core.errors import ApiError, NotFound, PermissionDenied
from reelbox.messaging import crypto, queries
from reelbox.messaging.models import MAX_MEMBERS, Conversation, Member, Message
from reelbox.notifications import actions as notify
from reelbox.social import queries as social_queries
from reelbox.videos import queries as video_queries
from reelbox.videos.models import Video

TEXT_MAX = 2000
TITLE_MAX = 80


def _not_allowed() -> PermissionDenied:
    return PermissionDenied(_("You can't message this account."), "message_not_allowed")


def _no_conversation() -> NotFound:
    return NotFound(queries.no_such_conversation_text(), "not_found")


def _members(viewer, usernames) -> list[User]:
    if not isinstance(usernames, list) or not all(isinstance(n, str) for n in usernames):
        raise ApiError(_("members: a list of usernames."), "invalid_members")
    wanted = []
    for name in usernames:
        name = name.strip().lstrip("@")
        if name and name.lower() != viewer.username.lower() and name.lower() not in (w.lower() for w in wanted):
            wanted.append(name)
    if not wanted:
        raise ApiError(_("members: name at least one other person."), "invalid_members")
    if len(wanted) > MAX_MEMBERS - 1:
        raise ApiError(_("members: a conversation has at most %(max)d people.") % {"max": MAX_MEMBERS},
                       "invalid_members")
    match = Q()
    for name in wanted:
        match |= Q(username__iexact=name)
    found = {u.username.lower(): u for u in User.objects.filter(match, is_active=True)}
    missing = [n for n in wanted if n.lower() not in found]
    if missing:
        raise NotFound(_("members: no such user: %(name)s.") % {"name": missing[0]}, "not_found")
    return [found[n.lower()] for n in wanted]


def start_conversation(viewer, usernames, title: str = "") -> tuple[Conversation, bool]:
    """A conversation with ``usernames``: the existing one for two people, else a new one. (conversation, created)."""
    others = _members(viewer, usernames)
    title = (title or "").strip()
    if len(title) > TITLE_MAX:
        raise ApiError(_("title: at most %(max)d characters.") % {"max": TITLE_MAX}, "invalid_title")
    for other in others:
        if not queries.may_message(viewer, other):
            raise _not_allowed()
    pair_key = None
    if len(others) == 1:
        low, high = sorted([viewer.pk, others[0].pk])
        pair_key = f"{low}:{high}"
        existing = Conversation.objects.filter(pair_key=pair_key).first()
        if existing is not None:
            return existing, False
    wrapped, key_id = crypto.new_data_key()
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(is_group=pair_key is None, title=title, created_by=viewer,
                                                       pair_key=pair_key, data_key=wrapped, key_id=key_id)
            Member.objects.bulk_create([Member(conversation=conversation, user=u, is_admin=u.pk == viewer.pk and
                                               pair_key is None) for u in [viewer, *others]])
    except IntegrityError:  # the other person opened the same one-to-one at the same moment
        existing = Conversation.objects.filter(pair_key=pair_key).first()
        if existing is None:
            raise
        return existing, False
    return conversation, True


def clean_text(text, *, required: bool) -> str:
    text = text.strip() if isinstance(text, str) else ""
    if required and not text:
        raise ApiError(_("text: write something."), "invalid_text")
    if len(text) > TEXT_MAX:
        raise ApiError(_("text: at most %(max)d characters.") % {"max": TEXT_MAX}, "invalid_text")
    return text


def _may_send(viewer, conversation: Conversation) -> bool:
    others = list(User.objects.filter(pk__in=queries.member_ids(conversation.pk)).exclude(pk=viewer.pk))
    if any(social_queries.is_blocked_between(viewer, other) for other in others):
        return False
    if conversation.is_group:
        return True
    other = others[0] if others else None
    if other is None or not other.is_active:
        return False
    engaged = conversation.created_by_id == other.pk or Message.objects.filter(
        conversation_id=conversation.pk, sender_id=other.pk).exists()
    return engaged or queries.may_message(viewer, other)


def send_message(viewer, conversation_id, text, video_id: str | None = None) -> Message:
    from reelbox.moderation.actions import check_can_post

    check_can_post(viewer)  # a suspended account may read its messages, not send
    conversation = queries.access_conversation(viewer, conversation_id)
    if conversation is None:
        raise _no_conversation()
    video = None
    if video_id:
        video = video_queries.access_video(viewer, video_id, media=False)
        if video is None or video.status != Video.Status.READY:
            raise NotFound(_("video: no such video."), "not_found")
    text = clean_text(text, required=video is None)
    if not _may_send(viewer, conversation):
        raise _not_allowed()
    key = queries.data_key(conversation)
    with transaction.atomic():
        # The id is part of the associated data, so the row exists before its body.
        message = Message.objects.create(conversation=conversation, sender=viewer, body=b"", video=video)
        message.body = crypto.encrypt(key, conversation.pk, message.pk, text)
        Message.objects.filter(pk=message.pk).update(body=message.body)
        Conversation.objects.filter(pk=conversation.pk).update(last_message_id=message.pk,
                                                               last_message_at=message.created_at)
        Member.objects.filter(conversation_id=conversation.pk, user_id=viewer.pk).update(
            last_read_id=message.pk, read_at=timezone.now())
        members = queries.member_ids(conversation.pk)
        others = [m for m in members if m != viewer.pk]
        notify.after_commit(notify.messaged, viewer.pk, others, conversation.pk)
        transaction.on_commit(lambda: live.push(members, {"type": "message.new", "message_id": message.pk}))
    return message


def mark_read(viewer, conversation_id, message_id: int | None = None) -> Member:
    conversation = queries.access_conversation(viewer, conversation_id)
    if conversation is None:
        raise _no_conversation()
    upto = conversation.last_message_id if message_id is None else min(int(message_id), conversation.last_message_id)
    with transaction.atomic():
        # Receipts only move forward, whatever order two tabs report in.
        Member.objects.filter(conversation_id=conversation.pk, user_id=viewer.pk, last_read_id__lt=upto).update(
            last_read_id=upto, read_at=timezone.now())
        member = Member.objects.select_related("user").get(conversation_id=conversation.pk, user_id=viewer.pk)
        from reelbox.notifications.models import Notification, Verb

        seen = list(Notification.objects.filter(recipient_id=viewer.pk, verb=Verb.MESSAGE,
                                                conversation_id=conversation.pk, read_at__isnull=True)
                    .values_list("pk", flat=True))
        if seen:
            notify.mark_read(viewer, seen)
        members = queries.member_ids(conversation.pk)
        event = {"type": "message.read", "receipt": queries.receipt(member)}
        transaction.on_commit(lambda: live.push(members, event))
    return member


# Group members -----------------------------------------------------------------------


def _group(viewer, conversation_id) -> Conversation:
    conversation = queries.access_conversation(viewer, conversation_id)
    if conversation is None:
        raise _no_conversation()
    if not conversation.is_group:
        raise ApiError(_("Only a group conversation has people to add or remove."), "not_a_group")
    return conversation


def add_members(viewer, conversation_id, usernames) -> list[User]:
    """Add people to a group (any member may); returns those newly added.

    The same rules as starting a conversation hold for each person added: their
    ``who_can_message`` and blocks, and nobody joins a group with someone they
    block or who blocks them. They read only what is written after they join.
    """
    conversation = _group(viewer, conversation_id)
    wanted = _members(viewer, usernames)
    with transaction.atomic():
        # One change of membership at a time per group: the limit holds with two people adding at once.
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        current = set(queries.member_ids(conversation.pk))
        if viewer.pk not in current:
            raise _no_conversation()
        new = [u for u in wanted if u.pk not in current]
        if len(current) + len(new) > MAX_MEMBERS:
            raise ApiError(_("members: a conversation has at most %(max)d people.") % {"max": MAX_MEMBERS},
                           "invalid_members")
        present = list(User.objects.filter(pk__in=current))
        for user in new:
            if not queries.may_message(viewer, user) or any(
                    social_queries.is_blocked_between(user, member) for member in present):
                raise _not_allowed()
        Member.objects.bulk_create([Member(conversation=conversation, user=u, since_id=conversation.last_message_id,
                                           last_read_id=conversation.last_message_id) for u in new])
    return new


def _drop_member(conversation: Conversation, user_id: int) -> None:
    """Remove one member inside the caller's transaction; hand admin on and forget their message notifications."""
    from reelbox.notifications.models import Notification

    Member.objects.filter(conversation_id=conversation.pk, user_id=user_id).delete()
    remaining = Member.objects.filter(conversation_id=conversation.pk)
    if not remaining.exists():
        Conversation.objects.filter(pk=conversation.pk).delete()
    elif not remaining.filter(is_admin=True).exists():
        remaining.filter(pk=remaining.order_by("pk").values_list("pk", flat=True)[0]).update(is_admin=True)
    # A line pointing at a conversation they can no longer open would only lead to a 404.
    if Notification.objects.filter(recipient_id=user_id, conversation_id=conversation.pk).delete()[0]:
        transaction.on_commit(lambda: notify.push_count(user_id))


def remove_member(viewer, conversation_id, username: str) -> None:
    """An admin removes someone from a group; removing yourself is leaving."""
    conversation = _group(viewer, conversation_id)
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        members = {m.user.username.lower(): m for m in
                   Member.objects.filter(conversation_id=conversation.pk).select_related("user")}
        me = next((m for m in members.values() if m.user_id == viewer.pk), None)
        if me is None:
            raise _no_conversation()
        target = members.get((username or "").strip().lstrip("@").lower())
        if target is None:
            raise NotFound(_("members: no such member."), "not_found")
        if target.user_id != viewer.pk and not me.is_admin:
            raise PermissionDenied(_("Only the group's admins can remove people."), "not_admin")
        _drop_member(conversation, target.user_id)


def leave(viewer, conversation_id) -> None:
    conversation = _group(viewer, conversation_id)
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if not Member.objects.filter(conversation_id=conversation.pk, user_id=viewer.pk).exists():
            raise _no_conversation()
        _drop_member(conversation, viewer.pk)


def rotate_keys() -> int:
    """Rewrap every data key not wrapped by the current server key; returns how many changed."""
    current, _keys = crypto.server_keys()
    changed = 0
    for pk in list(Conversation.objects.exclude(key_id=current).values_list("pk", flat=True)):
        with transaction.atomic():
            conversation = Conversation.objects.select_for_update().filter(pk=pk).first()
            if conversation is None or conversation.key_id == current:
                continue
            wrapped, key_id = crypto.wrap(queries.data_key(conversation))
            Conversation.objects.filter(pk=pk).update(data_key=wrapped, key_id=key_id)
            changed += 1
    return changed
