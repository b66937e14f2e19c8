from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.templatetags.static import static

from reelbox.studio import actions, queries
from reelbox.videos import queries as video_queries


@login_required
def studio(request):
    """The editor: record or pick clips, edit, preview, save, publish. ``?sound=``, ``?duet=``, ``?stitch=``,
    ``?draft=`` open it with a sound, an original to answer, or a saved draft."""
    sound = None
    if request.GET.get("sound"):
        found = queries.access_sound(request.user, request.GET["sound"])
        sound = queries.serialize_sound(found) if found is not None else None
    remix = None
    for kind in ("duet", "stitch"):
        if request.GET.get(kind):
            video = video_queries.access_video(request.user, request.GET[kind], media=False)
            if video is not None:
                remix = {"kind": kind, "video_id": video.public_id, "author": video.author.username,
                         "duration": video.duration,
                         "allowed": video_queries.interaction_allowed(request.user, video, kind)}
    draft = None
    if request.GET.get("draft"):
        found = queries.access_draft(request.user, request.GET["draft"])
        if found is None:
            raise Http404
        draft = queries.serialize_draft(found)
    config = {
        "looks": queries.look_choices(),
        "stickers": [{"id": sid, "url": static(f"studio/stickers/{sid}.png")} for sid in queries.sticker_files()],
        "library": [queries.serialize_sound(s) for s in queries.library("", 12)],
        "sound": sound, "remix": remix, "draft": draft,
        "max_bytes": settings.REELBOX["MAX_UPLOAD_BYTES"],
        "max_stitch_s": actions.MAX_STITCH_S, "max_clips": actions.MAX_MONTAGE_CLIPS,
    }
    return render(request, "studio/studio.html", {"config": config})


@login_required
def drafts(request):
    rows = [queries.serialize_draft(d) for d in queries.drafts_of(request.user)[:100]]
    return render(request, "studio/drafts.html", {"drafts": rows})


def sound_page(request, sound_id: str):
    sound = queries.access_sound(request.user, sound_id)
    if sound is None:
        raise Http404
    videos, next_cursor = queries.sound_videos(request.user, sound, None, 30)
    return render(request, "studio/sound.html", {"sound": sound, "data": queries.serialize_sound(sound),
                                                 "videos": videos, "next_cursor": next_cursor})
