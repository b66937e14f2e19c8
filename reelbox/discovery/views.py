from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from reelbox.core import regions
from reelbox.core.errors import ApiError
from reelbox.discovery import actions, queries
from reelbox.discovery.forms import ChallengeForm
from reelbox.discovery.trends import region_scope


def discover(request):
    viewer = request.user
    q = queries.trim(request.GET.get("q", ""))
    scope = queries.scope_for(getattr(viewer, "language", "") if viewer.is_authenticated else "")
    ctx = {"q": q, "challenges": queries.challenges(state="active", limit=6),
           "suggest_i18n": {"didYouMean": _("Did you mean")}}
    if q:
        res, videos, next_cursor = queries.search_videos(viewer, q, request.GET.get("cursor"), 24)
        ctx.update(results=videos, corrected=res.corrected, next_cursor=next_cursor,
                   users=queries.search_users(viewer, q, 6), hashtags=queries.search_hashtags(q, 8),
                   sounds=queries.search_sounds(q, 6))
    else:
        ctx.update(trending_hashtags=queries.trending_hashtags(scope, 12), trending_sounds=queries.trending_sounds(scope, 8),
                   trending_videos=queries.trending_videos(viewer, scope, 12))
        region = regions.of_viewer(viewer, request.headers.get("Accept-Language"))
        if region:  # the viewer's country: its own trends only, shown when it has any
            rs = region_scope(region)
            local = {"hashtags": queries.trending_hashtags(rs, 12, fallback=False),
                     "sounds": queries.trending_sounds(rs, 8, fallback=False),
                     "videos": queries.trending_videos(viewer, rs, 12, fallback=False)}
            if any(local.values()):
                ctx["region_trends"] = local | {"name": regions.name(region, get_language())}
    return render(request, "discovery/discover.html", ctx)


def tag(request, name: str):
    tag = queries.get_hashtag(name)
    if tag is None:
        raise Http404
    order = "newest" if request.GET.get("order") == "newest" else "top"
    videos, next_cursor = queries.tag_page(request.user, tag, order, request.GET.get("cursor"), 30)
    challenge = tag.challenges.order_by("-ends_at").first()
    return render(request, "discovery/tag.html", {
        "tag": tag, "order": order, "videos": videos, "next_cursor": next_cursor,
        "counts": queries.tag_counts(request.user, tag), "challenge": challenge,
        "challenge_state": queries.challenge_state(challenge) if challenge else None})


def challenge(request, challenge_id: str):
    ch = queries.access_challenge(challenge_id)
    if ch is None:
        raise Http404
    actions.finalize(ch)
    final = ch.finalized_at is not None
    board = queries.winners(request.user, ch) if final else queries.leaderboard(request.user, ch, 30)
    return render(request, "discovery/challenge.html", {
        "challenge": ch, "stats": queries.challenge_stats(request.user, ch), "board": board, "final": final,
        "can_edit": request.user.is_authenticated and (request.user.is_staff or (
            ch.sponsor is not None and ch.sponsor.user_id == request.user.pk))})


def challenges(request):
    return render(request, "discovery/challenges.html", {
        "active": queries.challenges(state="active", limit=50), "upcoming": queries.challenges(state="upcoming"),
        "ended": queries.challenges(state="ended"), "can_create": actions.can_create_challenges(request.user)})


@login_required
def new_challenge(request):
    """Staff and brand accounts start a challenge (the same checks as POST /api/v1/challenges)."""
    if not actions.can_create_challenges(request.user):
        raise PermissionDenied
    form = ChallengeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        cover = data.pop("cover")
        try:
            ch = actions.create_challenge(request.user, **data)
            if cover:
                actions.set_cover(request.user, ch, cover)
        except ApiError as exc:
            form.add_error(None, exc.detail)
        else:
            return redirect("discovery:challenge", challenge_id=ch.public_id)
    return render(request, "discovery/new_challenge.html", {"form": form})
