"""The UI switched to Arabic (right to left, mirrored) and to Chinese with the language picker; captions shown
with the toggle and language picker; a caption translated with "Translated from X" and a way back."""

from __future__ import annotations

import pytest

from tests.captions.test_translate import FakeLibreTranslate, libretranslate  # noqa: F401 (fixture)
from tests.factories import ready_video

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

VTT_EN = "WEBVTT\n\n00:00.000 --> 00:04.000\nGood morning everyone\n"
VTT_ES = "WEBVTT\n\n00:00.000 --> 00:04.000\nBuenos días a todos\n"


def _pick_language(page, code: str) -> None:
    with page.expect_navigation():
        page.select_option("#lang-select", code)


def test_switch_to_arabic_then_chinese(live_server, browser, make_user):
    author = make_user("creator")
    ready_video(author, caption="مرحبا بالجميع في قناتي hello")
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="en-US")
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{live_server.url}/")
    page.locator("article.item").first.wait_for()
    assert page.get_attribute("html", "dir") == "ltr"

    _pick_language(page, "ar")
    assert page.get_attribute("html", "lang") == "ar" and page.get_attribute("html", "dir") == "rtl"
    assert page.locator(".bottomnav").inner_text().split()[0] == "الرئيسية"
    item = page.locator("article.item").first
    item.wait_for()
    # Mirrored: the action rail sits on the left, the caption block starts on the right.
    width = page.viewport_size["width"]
    rail = item.locator(".actions").bounding_box()
    meta = item.locator(".meta").bounding_box()
    assert rail["x"] + rail["width"] < width / 2, rail
    assert meta["x"] + meta["width"] > width - 20, meta
    assert item.locator(".caption").get_attribute("dir") == "auto"
    assert page.evaluate("getComputedStyle(document.querySelector('.item .caption')).direction") == "rtl"

    _pick_language(page, "zh-hans")
    assert page.get_attribute("html", "lang") == "zh-hans" and page.get_attribute("html", "dir") == "ltr"
    nav = page.locator(".bottomnav").inner_text()
    assert "首页" in nav and "Home" not in nav
    assert any(c["name"] == "django_language" and c["value"] == "zh-hans" for c in page.context.cookies())
    assert problems == []
    page.close()


def test_captions_toggle_picker_and_translation(live_server, browser, make_user, libretranslate):  # noqa: F811
    from reelbox.captions import actions

    author = make_user("creator")
    video = ready_video(author, caption="A quiet morning at the #beach")
    video.language = "en"
    video.save()
    actions.save_track(video, "en", VTT_EN)
    actions.save_track(video, "es", VTT_ES)

    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="en-US")
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{live_server.url}/v/{video.public_id}")
    item = page.locator(f"article.item[data-video-id='{video.public_id}']")
    toggle = item.locator(".cc-toggle")
    toggle.wait_for()
    tracks = item.locator("video track")
    assert tracks.count() == 2
    assert [tracks.nth(i).get_attribute("srclang") for i in range(2)] == ["en", "es"]
    modes = "Array.from(document.querySelector('article.item video').textTracks).map(t => t.mode)"
    page.wait_for_function(f"{modes}.join() === 'showing,disabled'")
    assert toggle.get_attribute("aria-pressed") == "true"
    # The WebVTT the player loads is the API's.
    assert page.request.get(live_server.url + tracks.nth(1).get_attribute("src")).text().startswith("WEBVTT")

    item.locator(".cc-lang").select_option(label="Spanish")
    page.wait_for_function(f"{modes}.join() === 'disabled,showing'")
    toggle.click()
    page.wait_for_function(f"{modes}.join() === 'disabled,disabled'")
    assert toggle.get_attribute("aria-pressed") == "false"

    # In Spanish, the English caption text offers a translation, says where it came from, and goes back.
    _pick_language(page, "es")
    item = page.locator(f"article.item[data-video-id='{video.public_id}']")
    button = item.locator(".see-translation")
    button.wait_for()
    assert button.inner_text() == "Ver traducción"
    caption = item.locator(".caption")
    links = caption.locator("a").count()  # whatever the feed links in a caption (#tags) survives the round trip
    button.click()
    page.wait_for_function("document.querySelector('article.item .caption').textContent.startsWith('[es]')")
    assert caption.inner_text() == "[es] A QUIET MORNING AT THE #BEACH"
    assert item.locator(".translated-from").inner_text() == "Traducido (original: Inglés)"
    assert button.inner_text() == "Ver original"
    button.click()
    assert caption.inner_text() == "A quiet morning at the #beach" and caption.locator("a").count() == links
    assert item.locator(".translated-from").inner_text() == ""
    assert problems == []
    page.close()


def test_bottom_nav_fits_a_phone_in_every_language(live_server, browser, make_user):
    """Six tabs on a 360 px phone, no label cut or pushed off screen, whatever the language."""
    from django.conf import settings

    user = make_user("navuser")
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", user.raw_password)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    overflowing = {}
    for code, _name in settings.LANGUAGES:
        page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": code, "url": live_server.url}])
        page.goto(f"{live_server.url}/discover")
        nav = page.locator(".bottomnav")
        sizes = nav.evaluate("n => [n.scrollWidth, n.clientWidth, [...n.children].map(a => a.scrollWidth - a.clientWidth)]")
        if sizes[0] > sizes[1] or max(sizes[2]) > 0:
            overflowing[code] = sizes
    assert overflowing == {}
