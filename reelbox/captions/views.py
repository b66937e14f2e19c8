"""The creator's captions page: upload, edit, delete tracks; ask for automatic captions; set the language."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from reelbox.captions import asr, queries
from reelbox.core.errors import ApiError


@login_required
def manage(request, video_id: str):
    try:
        video = queries.access_own_video(request.user, video_id)
    except ApiError:
        raise Http404 from None
    languages = [(code, name) for code, name in settings.LANGUAGES]
    return render(request, "captions/manage.html", {
        "video": video, "overview": queries.overview(video), "caption_languages": languages,
        "auto_available": asr.available(), "max_kb": settings.REELBOX["MAX_CAPTION_BYTES"] // 1024,
    })
