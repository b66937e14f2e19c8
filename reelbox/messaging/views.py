from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from reelbox.core.errors import ApiError
from reelbox.messaging import actions, queries
from reelbox.messaging.models import MAX_MEMBERS


@login_required
def inbox(request):
    error = None
    if request.method == "POST":
        names = [n for n in request.POST.get("members", "").replace(",", " ").split() if n]
        try:
            conversation, _created = actions.start_conversation(request.user, names, request.POST.get("title", ""))
        except ApiError as exc:
            error = exc.detail
        else:
            return redirect("messaging:conversation", conversation.pk)
    items, next_cursor = queries.conversations_page(request.user, request.GET.get("cursor"), 30)
    return render(request, "messaging/inbox.html", {"items": items, "next_cursor": next_cursor, "error": error},
                  status=400 if error else 200)


@login_required
def conversation(request, conversation_id: int):
    found = queries.access_conversation(request.user, conversation_id)
    if found is None:
        raise Http404
    error = None
    if request.method == "POST":  # without JavaScript; the page normally sends through the API
        action = request.POST.get("action", "send")
        try:
            if action == "add":
                names = [n for n in request.POST.get("members", "").replace(",", " ").split() if n]
                actions.add_members(request.user, found.pk, names)
            elif action == "remove":
                actions.remove_member(request.user, found.pk, request.POST.get("username", ""))
            elif action == "leave":
                actions.leave(request.user, found.pk)
                return redirect("messaging:inbox")
            else:
                actions.send_message(request.user, found.pk, request.POST.get("text", ""))
        except ApiError as exc:
            error = exc.detail
        else:
            return redirect("messaging:conversation", found.pk)
    items, _cursor = queries.messages_page(request.user, found, None, 50)
    if found.last_message_id:
        actions.mark_read(request.user, found.pk)
    data = queries.serialize_conversation(request.user, found)
    others = [m for m in data["members"] if m["username"] != request.user.username]
    me = next((m for m in data["members"] if m["username"] == request.user.username), None)
    return render(request, "messaging/conversation.html",
                  {"conversation": data, "others": others, "items": list(reversed(items)), "error": error,
                   "is_admin": bool(me and me["is_admin"]), "max_members": MAX_MEMBERS},
                  status=400 if error else 200)
