"""Report -> queue -> decision -> notice -> appeal -> reversal, through the API."""

from datetime import timedelta

import pytest

from reelbox.moderation.models import Decision, Notice, Standing
from reelbox.videos.models import Video
from tests.factories import ready_video

pytestmark = pytest.mark.django_db


def test_full_flow_reverses_a_removal(api_for, api):
    uploader, reporter = api_for(), api_for()
    mod1, mod2 = api_for(staff=True), api_for(staff=True)
    video = ready_video(uploader.user, caption="look at this")

    r = reporter.post("/api/v1/reports", {"target_type": "video", "target_id": video.public_id,
                                          "category": "harassment", "text": "mean"})
    assert r.status_code == 201, r.content
    again = reporter.post("/api/v1/reports", {"target_type": "video", "target_id": video.public_id,
                                              "category": "harassment"})
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"]

    queue = mod1.get("/api/v1/moderation/queue").json()["items"]
    case = next(c for c in queue if c["target_id"] == video.public_id)
    assert case["report_count"] == 1 and case["sla_seconds_left"] > 0
    detail = mod1.get(f"/api/v1/moderation/cases/{case['id']}").json()
    assert detail["reports"][0]["text"] == "mean" and detail["history"]["username"] == uploader.user.username

    d = mod1.post(f"/api/v1/moderation/cases/{case['id']}/decide",
                  {"action": "remove", "explanation": "Bullying a classmate.", "ground": "terms"})
    assert d.status_code == 200, d.content
    sor = d.json()
    for field in ("decision_visibility", "decision_ground", "explanation", "category", "content_type",
                  "content_date", "application_date", "decision_facts", "source_type", "automated_detection",
                  "automated_decision", "territorial_scope", "puid"):
        assert field in sor
    assert sor["decision_visibility"] == "content_removed" and sor["source_type"] == "notice"

    # Gone for everyone else; the uploader sees the state and the reason.
    assert reporter.get(f"/api/v1/videos/{video.public_id}").status_code == 404
    assert api.get(f"/api/v1/videos/{video.public_id}").status_code == 404
    own = uploader.get(f"/api/v1/videos/{video.public_id}").json()
    assert own["moderation"]["state"] == "removed" and own["moderation"]["reason"] == "Bullying a classmate."

    # Notices: the uploader gets the statement of reasons, the reporter the outcome.
    notices = uploader.get("/api/v1/moderation/notices").json()["items"]
    assert notices[0]["kind"] == "decision" and notices[0]["can_appeal"]
    outcome = reporter.get("/api/v1/moderation/notices").json()["items"]
    assert outcome[0]["kind"] == "report_outcome" and outcome[0]["report"]["outcome"] == "remove"

    # Only the person concerned can appeal.
    other = reporter.post(f"/api/v1/moderation/decisions/{sor['id']}/appeal", {"text": "me too"})
    assert other.status_code == 403 and other.json()["code"] == "not_yours"
    a = uploader.post(f"/api/v1/moderation/decisions/{sor['id']}/appeal", {"text": "It was a joke between friends."})
    assert a.status_code == 201
    assert uploader.post(f"/api/v1/moderation/decisions/{sor['id']}/appeal", {"text": "again"}).status_code == 200

    # The moderator who decided may not review the appeal; another one does.
    same = mod1.post(f"/api/v1/moderation/appeals/{a.json()['id']}/resolve", {"upheld": True})
    assert same.status_code == 403 and same.json()["code"] == "same_moderator"
    ok = mod2.post(f"/api/v1/moderation/appeals/{a.json()['id']}/resolve", {"upheld": True, "reply": "Fair."})
    assert ok.status_code == 200 and ok.json()["state"] == "upheld"

    assert reporter.get(f"/api/v1/videos/{video.public_id}").status_code == 200
    assert Video.objects.get(pk=video.pk).moderation == "approved"
    kinds = [n["kind"] for n in uploader.get("/api/v1/moderation/notices").json()["items"]]
    assert kinds[0] == "appeal_outcome"
    assert Decision.objects.get(puid=sor["id"]).reversed_by is not None


def test_strike_and_suspension_are_reversed_on_appeal(api_for):
    user, mod1, mod2 = api_for(), api_for(staff=True), api_for(staff=True)
    d = mod1.post("/api/v1/moderation/actions", {"target_type": "account", "target_id": user.user.username,
                                                 "action": "suspend", "days": 3, "explanation": "Spam wave."})
    assert d.status_code == 200, d.content
    assert d.json()["decision_account"] == "account_suspended" and d.json()["end_date"]
    c = user.post(f"/api/v1/videos/{ready_video(api_for().user).public_id}/comments", {"text": "hello"})
    assert c.status_code == 403 and c.json()["code"] == "account_suspended"
    friend = api_for()
    friend.user.who_can_message = "everyone"
    friend.user.save(update_fields=["who_can_message"])
    conversation = user.post("/api/v1/conversations", {"members": [friend.user.username]})
    assert conversation.status_code == 201  # reading and opening stay possible; sending does not
    m = user.post(f"/api/v1/conversations/{conversation.json()['id']}/messages", {"text": "buy now"})
    assert m.status_code == 403 and m.json()["code"] == "account_suspended"

    s = mod1.post("/api/v1/moderation/actions", {"target_type": "account", "target_id": user.user.username,
                                                 "action": "strike", "explanation": "Repeated spam."})
    assert Standing.objects.get(user=user.user).strikes == 1
    appeal = user.post(f"/api/v1/moderation/decisions/{s.json()['id']}/appeal", {"text": "Not spam."})
    mod2.post(f"/api/v1/moderation/appeals/{appeal.json()['id']}/resolve", {"upheld": True})
    assert Standing.objects.get(user=user.user).strikes == 0


def test_appeal_after_six_months_is_refused(api_for):
    user, mod = api_for(), api_for(staff=True)
    video = ready_video(user.user)
    d = mod.post("/api/v1/moderation/actions", {"target_type": "video", "target_id": video.public_id,
                                                "action": "limit", "explanation": "Borderline."}).json()
    Decision.objects.filter(puid=d["id"]).update(application_date=Decision.objects.get(puid=d["id"]).application_date
                                                 - timedelta(days=184))
    r = user.post(f"/api/v1/moderation/decisions/{d['id']}/appeal", {"text": "please"})
    assert r.status_code == 403 and r.json()["code"] == "appeal_window_closed"
    assert "six months" in r.json()["detail"]


def test_reports_on_missing_or_hidden_content_are_404(api_for):
    reporter, owner, mod = api_for(), api_for(), api_for(staff=True)
    for target_type, target_id in [("video", "nope"), ("comment", "999999"), ("account", "ghost_user"),
                                   ("message", "424242")]:
        r = reporter.post("/api/v1/reports", {"target_type": target_type, "target_id": target_id,
                                              "category": "spam"})
        assert r.status_code == 404, (target_type, r.content)
    held = ready_video(owner.user)
    mod.post("/api/v1/moderation/actions", {"target_type": "video", "target_id": held.public_id, "action": "hold"})
    assert reporter.post("/api/v1/reports", {"target_type": "video", "target_id": held.public_id,
                                             "category": "spam"}).status_code == 404
    bad = reporter.post("/api/v1/reports", {"target_type": "video", "target_id": ready_video(owner.user).public_id,
                                            "category": "nonsense"})
    assert bad.status_code == 400 and "category" in bad.json()["detail"]


def test_staff_only_endpoints_refuse_others(api_for):
    user = api_for()
    for path in ("/api/v1/moderation/queue", "/api/v1/moderation/banks", "/api/v1/moderation/controls",
                 "/api/v1/moderation/appeals"):
        assert user.get(path).status_code == 403, path


def test_report_outcome_notice_for_no_violation(api_for):
    owner, reporter, mod = api_for(), api_for(), api_for(staff=True)
    video = ready_video(owner.user)
    reporter.post("/api/v1/reports", {"target_type": "video", "target_id": video.public_id, "category": "spam"})
    case = mod.get("/api/v1/moderation/queue").json()["items"][0]
    mod.post(f"/api/v1/moderation/cases/{case['id']}/decide", {"action": "approve", "explanation": "Fine."})
    notice = Notice.objects.get(recipient=reporter.user)
    assert notice.report.outcome == "no_action"
    # A new report after the first was resolved is a new report.
    r = reporter.post("/api/v1/reports", {"target_type": "video", "target_id": video.public_id, "category": "spam"})
    assert r.status_code == 201


def test_upheld_appeal_of_an_automatic_block_publishes_the_upload(api_for, api):
    from reelbox.moderation import review

    owner, mod = api_for(), api_for(staff=True)
    video = ready_video(owner.user)
    review.on_video_created(video)  # a new upload, waiting for review
    review.apply_verdict(video, {"labels": {"nudity_explicit": 0.95}, "hashes": [], "matches": [],
                                 "seconds": 0.1}, review.Verdict("approve"))
    decision = Decision.objects.get(target_id=video.public_id)
    assert decision.action == "block" and decision.automated_decision == "fully"
    assert api.get(f"/api/v1/videos/{video.public_id}").status_code == 404
    appeal = owner.post(f"/api/v1/moderation/decisions/{decision.puid}/appeal", {"text": "It is a statue."})
    mod.post(f"/api/v1/moderation/appeals/{appeal.json()['id']}/resolve", {"upheld": True})
    assert Video.objects.get(pk=video.pk).moderation == "approved"
    assert api.get(f"/api/v1/videos/{video.public_id}").status_code == 200


def test_moderators_group_members_review_held_videos_without_being_staff(api_for):
    from django.contrib.auth.models import Group

    from reelbox.moderation.queries import MODERATOR_GROUP

    uploader, moderator, stranger = api_for(), api_for(), api_for()
    moderator.user.groups.add(Group.objects.get_or_create(name=MODERATOR_GROUP)[0])
    video = ready_video(uploader.user, caption="held")
    Video.objects.filter(pk=video.pk).update(moderation="held")

    assert stranger.get(f"/api/v1/videos/{video.public_id}").status_code == 404
    seen = moderator.get(f"/api/v1/videos/{video.public_id}")
    assert seen.status_code == 200 and seen.json()["moderation"]["state"] == "held"
    assert moderator.get("/api/v1/moderation/queue").status_code == 200
    # Moderating does not open private videos.
    Video.objects.filter(pk=video.pk).update(visibility="private")
    assert moderator.get(f"/api/v1/videos/{video.public_id}").status_code == 404


def test_a_banned_account_appeals_without_logging_in(api_for, api, client):
    user, mod1, mod2 = api_for(), api_for(staff=True), api_for(staff=True)
    name, password = user.user.username, user.user.raw_password
    ban = mod1.post("/api/v1/moderation/actions", {"target_type": "account", "target_id": name,
                                                   "action": "ban", "explanation": "Scam account."})
    assert ban.status_code == 200, ban.content
    assert api.post("/api/v1/auth/token", {"username": name, "password": password}).status_code == 401

    wrong = api.post("/api/v1/moderation/ban-appeal", {"username": name, "password": "nope nope nope", "text": "x"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_credentials"
    active = api_for()  # not banned: nothing to appeal this way, and the answer does not say which
    other = api.post("/api/v1/moderation/ban-appeal", {"username": active.user.username,
                                                       "password": active.user.raw_password, "text": "x"})
    assert other.status_code == 401 and other.json()["code"] == "invalid_credentials"

    # The web form, as the log-in page links to it.
    page = client.post("/ban-appeal", {"username": name, "password": password, "text": "It was my brother."},
                       follow=True)
    assert page.status_code == 200 and "Another moderator will review it" in page.content.decode()
    again = api.post("/api/v1/moderation/ban-appeal", {"username": name, "password": password, "text": "please"})
    assert again.status_code == 200 and again.json()["text"] == "It was my brother."  # one appeal per decision

    upheld = mod2.post(f"/api/v1/moderation/appeals/{again.json()['id']}/resolve", {"upheld": True})
    assert upheld.status_code == 200, upheld.content
    assert api.post("/api/v1/auth/token", {"username": name, "password": password}).status_code == 200
