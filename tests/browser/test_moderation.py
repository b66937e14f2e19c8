"""A viewer reports a video; a moderator finds it in the queue, removes it; the uploader reads the statement
of reasons and appeals."""

import pytest

from reelbox.moderation.models import Appeal, Report
from reelbox.videos.models import Video
from tests.factories import ready_video

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def login(browser, live_server, user):
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="en-US")
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    page.goto(f"{live_server.url}/login")
    page.fill("#id_username", user.username)
    page.fill("#id_password", user.raw_password)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_moderator_handles_a_reported_video(live_server, browser, make_user):
    creator, viewer, moderator = make_user("creator"), make_user("viewer"), make_user("mod")
    moderator.is_staff = True
    moderator.save(update_fields=["is_staff"])
    video = ready_video(creator, caption="a reported clip")

    page = login(browser, live_server, viewer)
    page.goto(f"{live_server.url}/v/{video.public_id}")
    page.click("a.report-link")
    page.check("input[name=category][value=harassment]")
    page.fill("textarea[name=text]", "This mocks a classmate.")
    page.click("main form button")
    page.wait_for_url(f"{live_server.url}/moderation/notices")
    assert Report.objects.filter(reporter=viewer, target_id=video.public_id).exists()
    page.close()

    page = login(browser, live_server, moderator)
    page.click("header .staff-link")
    case = page.locator(f".mod-case:has-text('{video.public_id}')")
    case.wait_for()
    page.wait_for_function("() => /left/.test(document.querySelector('.mod-case .sla').textContent)")
    case.locator("a").click()
    page.wait_for_selector("text=This mocks a classmate.")
    assert "creator" in page.inner_text("main")
    page.check("input[name=action][value=remove]")
    page.fill("textarea[name=explanation]", "Harassment of a private person.")
    page.click("form.mod-decide button[type=submit]")
    page.wait_for_url(f"{live_server.url}/moderation/")
    assert "recorded" in page.inner_text("ul.messages")
    assert Video.objects.get(pk=video.pk).moderation == "removed"
    assert page.problems == []
    page.close()

    page = login(browser, live_server, creator)
    page.click(".notice-link a")
    page.wait_for_selector("text=Harassment of a private person.")
    page.fill(".notice textarea[name=text]", "It was satire, not harassment.")
    page.click(".notice form button")
    page.wait_for_selector("text=Another moderator will review it.")
    assert Appeal.objects.get().appellant == creator
    assert page.problems == []
    page.close()
