"""Ready videos without transcoding, for tests about feeds and events (not about media)."""

from __future__ import annotations

import itertools

from django.utils import timezone

from reelbox.videos.models import Rendition, Video

_seq = itertools.count()


def ready_video(author, *, caption: str = "", view_count: int = 0, created_at=None) -> Video:
    n = next(_seq)
    video = Video.objects.create(author=author, caption=caption or f"video {n}", status=Video.Status.READY,
                                 media_prefix=f"videos/test{n}", duration=5.0, width=720, height=1280, fps=30,
                                 view_count=view_count, ready_at=timezone.now(), poster_path=f"videos/test{n}/poster.jpg",
                                 hls_path=f"videos/test{n}/master.m3u8")
    if created_at is not None:
        Video.objects.filter(pk=video.pk).update(created_at=created_at)
        video.refresh_from_db()
    Rendition.objects.create(video=video, height=720, width_px=720, height_px=1280, bitrate=1_500_000,
                             mp4_path=f"videos/test{n}/720.mp4", hls_path=f"videos/test{n}/720/index.m3u8")
    return video
