"""A signed-in viewer likes a video in the feed and comments on it through the comment sheet."""

import pytest

from reelbox.social.models import Comment, Like
from reelbox.videos.models import Video
from tests.factories import ready_video

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_like_and_comment_in_the_feed(live_server, browser, make_user):
    author = make_user("creator")
    fan = make_user("fan")
    video = ready_video(author, caption="like me")

    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="en-US")
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{live_server.url}/login")
    page.fill("#id_username", "fan")
    page.fill("#id_password", fan.raw_password)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    item = page.locator(f"article.item[data-video-id='{video.public_id}']")
    item.wait_for()
    like = item.locator(".act.like")
    # The button turns on before the server answers (optimistic): wait for the answer, not the button.
    with page.expect_response(lambda r: r.url.endswith(f"/videos/{video.public_id}/like")) as answer:
        like.click()
    assert answer.value.status == 200
    page.wait_for_function(
        "id => document.querySelector(`article[data-video-id='${id}'] .act.like`).getAttribute('aria-pressed') === 'true'",
        arg=video.public_id)
    page.wait_for_function(
        "id => document.querySelector(`article[data-video-id='${id}'] .act.like .count`).textContent === '1'",
        arg=video.public_id)
    assert Like.objects.filter(user=fan, video=video).exists()

    item.locator(".act.comment").click()
    sheet = page.locator("#comment-sheet")
    sheet.wait_for(state="visible")
    page.fill("#comment-text", "<b>so good</b> @creator")
    page.click("#comment-sheet .send")
    posted = sheet.locator(".comments .comment-text").first
    posted.wait_for()
    assert posted.inner_text() == "<b>so good</b> @creator"
    assert "&lt;b&gt;" in posted.inner_html()  # shown as text, not markup
    assert posted.locator("a.mention").get_attribute("href") == "/@creator"
    assert item.locator(".act.comment .count").inner_text() == "1"
    assert Comment.objects.get().text == "<b>so good</b> @creator"
    assert Video.objects.get(pk=video.pk).comment_count == 1

    # The viewer's own state comes back on the next visit (the feed's JSON carries nobody's state).
    page.keyboard.press("Escape")
    page.reload()
    page.wait_for_function(
        "id => document.querySelector(`article[data-video-id='${id}'] .act.like`)?.getAttribute('aria-pressed') === 'true'",
        arg=video.public_id)
    assert problems == []
    page.close()


def test_comment_sheet_pinned_first_view_n_replies_pages_and_sorts(live_server, browser, make_user):
    from reelbox.social import actions

    author = make_user("creator")
    fans = [make_user(f"fan{i}") for i in range(3)]
    video = ready_video(author, caption="talk to me")
    pinned = actions.create_comment(fans[0], video.public_id, "PINNED-OLDEST")
    threaded = actions.create_comment(fans[1], video.public_id, "HAS-REPLIES")
    for i in range(3):
        actions.create_comment(fans[i], video.public_id, f"reply {i}", threaded.pk)
    for i in range(22):
        actions.create_comment(fans[i % 3], video.public_id, f"filler {i}")
    for fan in fans:
        actions.like_comment(fan, threaded.pk)
    actions.set_pinned(author, pinned.pk, True)

    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="en-US")
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{live_server.url}/")
    item = page.locator(f"article.item[data-video-id='{video.public_id}']")
    item.wait_for()
    item.locator(".act.comment").click()
    sheet = page.locator("#comment-sheet")
    top_level = sheet.locator(".comments > li.comment")
    top_level.first.wait_for()
    # Top: the pinned comment leads, then by likes.
    assert top_level.nth(0).locator(".comment-text").inner_text() == "PINNED-OLDEST"
    assert top_level.nth(0).locator(".pinned").inner_text() == "Pinned"
    assert top_level.nth(1).locator(".comment-text").inner_text() == "HAS-REPLIES"
    button = top_level.nth(1).locator(".show-replies")
    assert button.inner_text() == "View 3 replies"
    button.click()
    replies = top_level.nth(1).locator(".replies .comment-text")
    replies.nth(2).wait_for()
    assert replies.all_inner_texts() == ["reply 0", "reply 1", "reply 2"]
    # Pages of 20: the rest comes with "Load more", the pinned one not again.
    assert top_level.count() == 21
    sheet.locator(".more-comments").click()
    page.wait_for_function("document.querySelectorAll('#comment-sheet .comments > li.comment').length === 24")
    texts = top_level.locator("> .comment-text").all_inner_texts()
    assert texts.count("PINNED-OLDEST") == 1 and len(set(texts)) == 24
    # Newest: still pinned first, then the latest.
    sheet.locator(".sort[data-sort='newest']").click()
    page.wait_for_function(
        "document.querySelector('#comment-sheet .comments > li.comment:nth-child(2) .comment-text')?.textContent === 'filler 21'")
    assert top_level.nth(0).locator(".comment-text").inner_text() == "PINNED-OLDEST"
    assert problems == []
    page.close()
