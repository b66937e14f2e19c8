from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from reelbox.videos import queries


@login_required
def upload(request):
    return render(request, "videos/upload.html", {"max_upload_mb": settings.REELBOX["MAX_UPLOAD_BYTES"] // 2**20})


def detail(request, video_id: str):
    video = queries.access_video(request.user, video_id)
    if video is None:
        raise Http404
    return render(request, "videos/detail.html", {"video": video, "items": [queries.serialize(video)]})
