from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema, Status

from reelbox.accounts.api import PersonOut
from reelbox.core import ratelimit
from reelbox.core.auth import TokenOrSession
from reelbox.core.errors import NotFound
from reelbox.messaging import actions, queries

router = Router(tags=["messages"])
AUTH = TokenOrSession()


class MemberOut(PersonOut):
    # Read receipt: the newest message id this member has read.
    last_read_id: int
    # Groups: may remove people.
    is_admin: bool


class VideoCard(Schema):
    id: str
    caption: str
    poster_url: str | None
    hls_url: str | None
    mp4_url: str | None
    author: PersonOut


class MessageOut(Schema):
    id: int
    conversation_id: int
    sender: PersonOut
    # None only if the message cannot be decrypted (its server key is gone).
    text: str | None
    # A shared video the reader may watch; None when none was shared or the reader may not see it.
    video: VideoCard | None
    video_unavailable: bool
    created_at: datetime


class ConversationOut(Schema):
    id: int
    is_group: bool
    title: str
    created_by: str | None
    members: list[MemberOut]
    last_message: MessageOut | None
    unread_count: int
    created_at: datetime


class ConversationIn(Schema):
    members: list[str]
    title: str = ""


class MembersIn(Schema):
    members: list[str]


class ConversationPage(Schema):
    items: list[ConversationOut]
    next_cursor: str | None


class MessageIn(Schema):
    text: str = ""
    video_id: str | None = None


class MessagePage(Schema):
    items: list[MessageOut]
    next_cursor: str | None


class ReadIn(Schema):
    message_id: int | None = None


class ReceiptOut(Schema):
    conversation_id: int
    username: str
    last_read_id: int
    read_at: datetime | None


def _conversation(viewer, conversation_id: int):
    conversation = queries.access_conversation(viewer, conversation_id)
    if conversation is None:
        raise NotFound(queries.no_such_conversation_text(), "not_found")
    return conversation


@router.post("/conversations", auth=AUTH, response={200: ConversationOut, 201: ConversationOut})
def start(request, payload: ConversationIn):
    ratelimit.hit(request, "message", str(request.auth.pk))
    conversation, created = actions.start_conversation(request.auth, payload.members, payload.title)
    return Status(201 if created else 200, queries.serialize_conversation(request.auth, conversation))


@router.get("/conversations", auth=AUTH, response=ConversationPage)
def conversations(request, cursor: str | None = None, limit: int = 20):
    items, next_cursor = queries.conversations_page(request.auth, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/conversations/{conversation_id}", auth=AUTH, response=ConversationOut)
def conversation(request, conversation_id: int):
    return queries.serialize_conversation(request.auth, _conversation(request.auth, conversation_id))


@router.get("/conversations/{conversation_id}/messages", auth=AUTH, response=MessagePage)
def messages(request, conversation_id: int, cursor: str | None = None, limit: int = 30):
    """History, newest first; pass ``next_cursor`` back as ``cursor`` for older messages."""
    items, next_cursor = queries.messages_page(request.auth, _conversation(request.auth, conversation_id),
                                               cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.post("/conversations/{conversation_id}/messages", auth=AUTH, response={201: MessageOut})
def send(request, conversation_id: int, payload: MessageIn):
    ratelimit.hit(request, "message", str(request.auth.pk))
    message = actions.send_message(request.auth, conversation_id, payload.text, payload.video_id)
    return Status(201, queries.messages_for(request.auth, [message.pk])[0])


@router.post("/conversations/{conversation_id}/read", auth=AUTH, response=ReceiptOut)
def read(request, conversation_id: int, payload: ReadIn | None = None):
    member = actions.mark_read(request.auth, conversation_id, payload.message_id if payload else None)
    return queries.receipt(member)


@router.post("/conversations/{conversation_id}/members", auth=AUTH, response=ConversationOut)
def add_members(request, conversation_id: int, payload: MembersIn):
    """Add people to a group (any member may; at most 12 people in all). Someone already in it is skipped."""
    ratelimit.hit(request, "message", str(request.auth.pk))
    actions.add_members(request.auth, conversation_id, payload.members)
    return queries.serialize_conversation(request.auth, _conversation(request.auth, conversation_id))


@router.delete("/conversations/{conversation_id}/members/{username}", auth=AUTH, response={204: None})
def remove_member(request, conversation_id: int, username: str):
    """An admin removes someone from a group; your own username leaves it."""
    actions.remove_member(request.auth, conversation_id, username)
    return Status(204, None)


@router.post("/conversations/{conversation_id}/leave", auth=AUTH, response={204: None})
def leave(request, conversation_id: int):
    actions.leave(request.auth, conversation_id)
    return Status(204, None)
