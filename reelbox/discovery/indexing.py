"""Keeping hashtags and the search index in step with videos, people and sounds.

Called inline from hooks (a video saved, a profile or sound saved, a caption track or sound link written):
a handful of indexed queries, cheaper than queueing a job. ``reindex_video`` is the entry point other
domains may call when a video's searchable text changes.
"""

from __future__ import annotations

import logging
import math

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import F

from reelbox.discovery import hashtags as tags_mod
from reelbox.discovery import search, text
from reelbox.discovery.models import Hashtag, SearchDoc, SearchTerm, VideoHashtag

log = logging.getLogger("reelbox.discovery")


def _model(label: str):
    try:
        return apps.get_model(label)
    except LookupError:  # the app is not installed in this deployment
        return None


def engagement(view_count: int, watch_ms_total: int, duration: float | None, likes: int, shares: int) -> float:
    """Completion-weighted views (full-view equivalents, never more than the views) plus weighted likes and
    shares: what leaderboards rank by and search multiplies relevance with."""
    cfg = settings.REELBOX["DISCOVERY"]
    full_views = min(float(view_count), watch_ms_total / 1000.0 / max(duration or 15.0, 0.1))
    return full_views + cfg["LIKE_WEIGHT"] * likes + cfg["SHARE_WEIGHT"] * shares


def weight(score: float) -> float:
    return 1.0 + math.log1p(max(score, 0.0))


def video_weight(video) -> float:
    return weight(engagement(video.view_count, video.watch_ms_total, video.duration, video.like_count,
                             video.share_count))


# ---- hashtags ------------------------------------------------------------------------------------------


def link_hashtags(video) -> list[str]:
    """Store the caption's hashtags for the video (adding and dropping links); returns their names."""
    parsed = tags_mod.parse(video.caption)
    wanted = dict(parsed)
    with transaction.atomic():
        have = dict(VideoHashtag.objects.filter(video=video).values_list("hashtag__name", "hashtag_id"))
        gone = [pk for name, pk in have.items() if name not in wanted]
        new = [name for name in wanted if name not in have]
        if gone:  # counts follow in on_link_deleted, which a video's deletion also reaches
            VideoHashtag.objects.filter(video=video, hashtag_id__in=gone).delete()
        if new:
            Hashtag.objects.bulk_create([Hashtag(name=n, display=wanted[n]) for n in new], ignore_conflicts=True)
            ids = dict(Hashtag.objects.filter(name__in=new).values_list("name", "pk"))
            VideoHashtag.objects.bulk_create([VideoHashtag(video=video, hashtag_id=ids[n],
                                                           created_at=video.created_at) for n in new],
                                             ignore_conflicts=True)
            Hashtag.objects.filter(pk__in=ids.values()).update(video_count=F("video_count") + 1)
    return [name for name, _display in parsed]


# ---- search documents ----------------------------------------------------------------------------------


def _vocabulary_words(*texts: str) -> set[str]:
    return {w[: text.MAX_TERM] for t in texts for w in text.words(t)
            if len(w) >= 3 and not text.is_unspaced(w)}


def _decoded(doc: SearchDoc | None) -> set[str]:
    if doc is None:
        return set()
    return {w for field in (doc.title, doc.tags, doc.extra) for w in
            (search.decode(t) for t in field.split()) if len(w) >= 3 and not text.is_unspaced(w)}


def _save_doc(kind: str, key: dict, title: str, tags: str, extra: str, weight_: float) -> None:
    with transaction.atomic():
        doc = SearchDoc.objects.filter(**key).first()
        before = _decoded(doc)
        values = {"kind": kind, "title": text.encode_text(title), "tags": text.encode_text(tags),
                  "extra": text.encode_text(extra), "weight": weight_}
        if doc is None:
            SearchDoc.objects.create(**key, **values)
        elif any(getattr(doc, k) != v for k, v in values.items()):
            SearchDoc.objects.filter(pk=doc.pk).update(**values)
        after = _vocabulary_words(title, tags, extra)
        _count_terms(after - before, 1)
        _count_terms(before - after, -1)


def on_link_deleted(link: VideoHashtag) -> None:
    Hashtag.objects.filter(pk=link.hashtag_id, video_count__gt=0).update(video_count=F("video_count") - 1)


def on_doc_deleted(doc: SearchDoc) -> None:
    _count_terms(_decoded(doc), -1)


def _count_terms(words: set[str], delta: int) -> None:
    if not words:
        return
    if delta > 0:
        SearchTerm.objects.bulk_create([SearchTerm(term=w) for w in words], ignore_conflicts=True)
    SearchTerm.objects.filter(term__in=words).update(df=F("df") + delta)


def _caption_text(video_pk: int) -> str:
    track = _model("captions.CaptionTrack")
    if track is None:
        return ""
    return " ".join(track.objects.filter(video_id=video_pk).values_list("text", flat=True))[:20_000]


def _sound_title(video_pk: int) -> str:
    link = _model("studio.VideoSound")
    if link is None:
        return ""
    row = link.objects.filter(video_id=video_pk).values_list("sound__title", "sound__artist").first()
    return " ".join(row) if row else ""


def index_video(video) -> None:
    """Hashtags and the search document of a video (its caption, hashtags, sound, caption tracks)."""
    names = link_hashtags(video)
    _save_doc(SearchDoc.Kind.VIDEO, {"video_id": video.pk}, video.caption, " ".join(names),
              f"{_sound_title(video.pk)} {_caption_text(video.pk)}", video_weight(video))


def reindex_video(video_pk: int) -> None:
    from reelbox.videos.models import Video

    video = Video.objects.filter(pk=video_pk).first()
    if video is not None:
        index_video(video)


def index_user(user) -> None:
    if not user.is_active:
        SearchDoc.objects.filter(user_id=user.pk).delete()
        return
    _save_doc(SearchDoc.Kind.USER, {"user_id": user.pk}, f"{user.username} {user.display_name}", "", "",
              weight(user.follower_count))


def index_sound(sound) -> None:
    _save_doc(SearchDoc.Kind.SOUND, {"sound_id": sound.pk}, sound.title, "", sound.artist, weight(sound.use_count))


def refresh_weights(video_pks) -> int:
    """New engagement weights for these videos' documents (the text is untouched, so no re-indexing)."""
    from reelbox.videos.models import Video

    n = 0
    rows = Video.objects.filter(pk__in=list(video_pks)).values_list(
        "pk", "view_count", "watch_ms_total", "duration", "like_count", "share_count")
    for pk, views, watch, duration, likes, shares in rows.iterator(chunk_size=2000):
        n += SearchDoc.objects.filter(video_id=pk).update(weight=weight(engagement(views, watch, duration, likes,
                                                                                    shares)))
    return n
