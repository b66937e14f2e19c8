from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from reelbox.accounts import queries as account_queries
from reelbox.accounts.models import User
from reelbox.core.errors import ApiError
from reelbox.social import actions, queries
from reelbox.social.forms import PrivacyForm


@login_required
def privacy(request):
    user = request.user
    form = PrivacyForm(request.POST or None, initial={name: getattr(user, name) for name in actions.PRIVACY_FIELDS})
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_privacy(user, **form.cleaned_data)
        except ApiError as exc:
            form.add_error(None, exc.detail)
        else:
            return redirect("social:privacy")
    requests, _cursor = queries.pending_requests(user, None, 50)
    blocked, _cursor = queries.blocked_by(user, None, 50)
    return render(request, "social/privacy.html", {"form": form, "requests": requests, "blocked": blocked},
                  status=400 if form.errors else 200)


def _other(username: str) -> User:
    user = User.objects.filter(username__iexact=username, is_active=True).first()
    if user is None:
        raise Http404
    return user


@login_required
@require_POST
def answer_request(request, username: str, answer: str):
    other = _other(username)
    if answer == "approve":
        actions.approve_request(request.user, other)
    else:
        actions.decline_request(request.user, other)
    return redirect("social:privacy")


@login_required
@require_POST
def unblock(request, username: str):
    actions.unblock(request.user, _other(username))
    return redirect("social:privacy")


@login_required
def bookmarks(request):
    videos, next_cursor = queries.bookmarks(request.user, request.GET.get("cursor"), 30)
    return render(request, "social/bookmarks.html", {"videos": videos, "next_cursor": next_cursor})


def follow_list(request, username: str, direction: str):
    """A profile's followers or followed accounts; a private account's only to its followers."""
    viewer = request.user if request.user.is_authenticated else None
    profile = account_queries.access_profile(viewer, username)
    if profile is None:
        raise Http404
    allowed = account_queries.can_see_content(viewer, profile)
    people, next_cursor = (queries.follow_list(viewer, profile, direction, request.GET.get("cursor"), 30)
                           if allowed else ([], None))
    return render(request, "social/follow_list.html", {"profile": profile, "direction": direction, "people": people,
                                                        "next_cursor": next_cursor, "allowed": allowed})
