"""Hashtags: parsed in every script, normalised for matching, stored on video_saved, and a tag page."""

import pytest

from reelbox.discovery import hashtags
from reelbox.discovery.models import Hashtag, VideoHashtag
from reelbox.videos import actions as video_actions


@pytest.mark.parametrize("caption, expected", [
    ("dinner #美食 tonight", ["美食"]),
    ("#café au lait", ["café"]),
    ("cafe\u0301 #cafe\u0301 and #CAFÉ", ["café"]),  # a combining accent is the same tag as the composed one
    ("يلا #تحدي_رمضان!", ["تحدي_رمضان"]),
    ("#日本語、#にほんご。", ["日本語", "にほんご"]),  # ideographic punctuation ends a tag
    ("नमस्ते #हिन्दी", ["हिन्दी"]),  # Devanagari vowel signs are combining marks inside the word
    ("#Dance, #dance! #DANCE? (#dance)", ["dance"]),
    ("＃Ｆｕｌｌｗｉｄｔｈ", ["fullwidth"]),  # NFKC
    ("#Straße", ["strasse"]),  # casefold
    ("we are #1 #2024年", ["2024年"]),  # a tag needs a letter
    ("mail me a@b.c or abc#def or &#39; #", []),  # glued to a word, an HTML entity, a bare #
    ("#a_b.c #x-y", ["a_b", "x"]),
])
def test_parse_across_scripts(caption, expected):
    assert hashtags.names(caption) == expected


def test_display_form_and_length_limit():
    assert hashtags.parse("#Café #café") == [("café", "Café")]
    assert hashtags.names("#" + "a" * hashtags.MAX_LENGTH) == ["a" * hashtags.MAX_LENGTH]
    assert hashtags.names("#" + "a" * (hashtags.MAX_LENGTH + 1)) == []
    assert len(hashtags.names(" ".join(f"#t{i}x" for i in range(100)))) == hashtags.MAX_PER_CAPTION
    assert hashtags.clean("#Dance") == "dance" and hashtags.clean("two words") is None


@pytest.mark.django_db
def test_stored_on_save_and_caption_change(make_user, post):
    author = make_user()
    video = post(author, "first #Food #美食")
    assert set(VideoHashtag.objects.filter(video=video).values_list("hashtag__name", flat=True)) == {"food", "美食"}
    assert Hashtag.objects.get(name="food").display == "Food"
    video_actions.update_video(video, caption="now #travel and #food")
    assert set(VideoHashtag.objects.filter(video=video).values_list("hashtag__name", flat=True)) == {"travel", "food"}
    assert Hashtag.objects.get(name="美食").video_count == 0
    assert Hashtag.objects.get(name="food").video_count == 1


@pytest.mark.django_db
def test_tag_page_top_newest_counts_and_privacy(api, make_user, post):
    from reelbox.videos.models import Video

    a, b = make_user(), make_user()
    old = post(a, "old #Tea", view_count=100)
    Video.objects.filter(pk=old.pk).update(like_count=9)
    new = post(b, "new #tea", view_count=3)
    hidden = post(b, "mine #tea", view_count=1000)
    Video.objects.filter(pk=hidden.pk).update(visibility=Video.Visibility.PRIVATE)

    top = api.get("/api/v1/hashtags/TEA", order="top").json()
    assert [v["id"] for v in top["items"]] == [old.public_id, new.public_id]
    assert top["counts"] == {"videos": 2, "views": 103}
    assert top["hashtag"]["name"] == "tea" and top["hashtag"]["url"] == "/tag/tea"
    newest = api.get("/api/v1/hashtags/tea", order="newest").json()
    assert [v["id"] for v in newest["items"]] == [new.public_id, old.public_id]
    assert api.get("/api/v1/hashtags/tea", order="weird").status_code == 400
    assert api.get("/api/v1/hashtags/nothing-here").status_code == 404

    page = api.client.get("/tag/tea")
    assert page.status_code == 200
    html = page.content.decode()
    assert old.public_id in html and hidden.public_id not in html and "2 videos" in html


@pytest.mark.django_db
def test_unicode_tag_page(api, make_user, post):
    from urllib.parse import quote

    video = post(make_user(), "晚饭 #美食")
    assert api.client.get("/tag/" + quote("美食")).status_code == 200
    assert api.get("/api/v1/hashtags/" + quote("美食")).json()["items"][0]["id"] == video.public_id


@pytest.mark.django_db
def test_deleting_a_video_keeps_counts_and_vocabulary_exact(make_user, post):
    from reelbox.discovery.models import SearchDoc, SearchTerm

    video = post(make_user(), "zebra crossing #Stripes")
    post(make_user(), "more #stripes")
    assert Hashtag.objects.get(name="stripes").video_count == 2
    assert SearchTerm.objects.get(term="zebra").df == 1
    pk = video.pk
    video_actions.delete_video(video)
    assert Hashtag.objects.get(name="stripes").video_count == 1
    assert SearchTerm.objects.get(term="zebra").df == 0
    assert not SearchDoc.objects.filter(video_id=pk).exists()
