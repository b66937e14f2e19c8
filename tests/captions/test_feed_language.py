"""Feeds can prefer the viewer's language: a configurable boost, off by default."""

from __future__ import annotations

import pytest
from django.utils import translation

from reelbox.feed.queries import prefer_language

ITEMS = [("a", "en"), ("b", "es"), ("c", "en"), ("d", "pt-br"), ("e", "es"), ("f", None)]


def lang(item):
    return item[1]


def test_off_by_default(settings):
    settings.REELBOX = {**settings.REELBOX, "FEED_LANGUAGE_BOOST": 0.0}
    assert prefer_language(ITEMS, lang, "es") == ITEMS


def test_moves_the_viewers_language_up_by_the_configured_places(settings):
    settings.REELBOX = {**settings.REELBOX, "FEED_LANGUAGE_BOOST": 2.0}
    assert [i[0] for i in prefer_language(ITEMS, lang, "es")] == ["b", "a", "e", "c", "d", "f"]
    assert [i[0] for i in prefer_language(ITEMS, lang, "pt")] == ["a", "d", "b", "c", "e", "f"]
    with translation.override("pt-br"):
        assert prefer_language(ITEMS, lang)[1][0] == "d"
    settings.REELBOX = {**settings.REELBOX, "FEED_LANGUAGE_BOOST": 100.0}
    assert [i[0] for i in prefer_language(ITEMS, lang, "en")] == ["a", "c", "b", "d", "e", "f"]


@pytest.mark.django_db
def test_stored_language_feeds_the_recommender_catalogue(make_user):
    from reelbox.feed.recommender import catalog_items
    from tests.factories import ready_video

    author = make_user()
    video = ready_video(author, caption="just words")
    video.language = "hi"
    video.save()
    arabic = ready_video(author, caption="مرحبا")
    items = {it.item: it for it in catalog_items()}
    assert items[video.pk].language == "hi" and items[arabic.pk].language == "ar"
