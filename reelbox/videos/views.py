from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from reelbox.social import queries as social_queries
from reelbox.social.forms import VideoSettingsForm
from reelbox.videos import actions, queries


@login_required
def upload(request):
    return render(request, "videos/upload.html", {"max_upload_mb": settings.REELBOX["MAX_UPLOAD_BYTES"] // 2**20})


def detail(request, video_id: str):
    video = queries.access_video(request.user, video_id)
    if video is None:
        raise Http404
    comments = []
    if video.status == video.Status.READY and (video.comments_enabled or request.user.pk == video.author_id):
        # The first comments, rendered (escaped) into the page for readers without JavaScript and for
        # search engines; the comment sheet loads the rest.
        comments, _cursor = social_queries.comments_page(request.user, video, "top", None, 20)
    settings_form = None
    if request.user.pk == video.author_id:
        settings_form = VideoSettingsForm(initial={name: getattr(video, name) for name in SETTINGS})
    return render(request, "videos/detail.html", {"video": video, "items": [queries.serialize_for(request.user, video)],
                                                  "comments": comments, "settings_form": settings_form})


SETTINGS = ("visibility", "comments_enabled", "allow_duet", "allow_stitch")


@login_required
@require_POST
def update_settings(request, video_id: str):
    """The author's per-video privacy form (the API's PATCH /api/v1/videos/{id} for the web page)."""
    video = queries.access_video(request.user, video_id)
    if video is None or video.author_id != request.user.pk:
        raise Http404
    form = VideoSettingsForm(request.POST)
    if form.is_valid():
        actions.update_video(video, **form.cleaned_data)
    return redirect("videos:detail", video_id=video.public_id)
