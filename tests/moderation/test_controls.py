"""Kill switches, the announcement, the append-only audit log, the transparency report, staff pages."""

import pytest
from django.db import DatabaseError, connection, transaction

from reelbox.moderation import actions
from reelbox.moderation.models import AppendOnly, AuditEntry
from reelbox.videos.models import Video
from tests.factories import ready_video

pytestmark = pytest.mark.django_db


def test_upload_kill_switch_refuses_api_and_tus_uploads(api_for, clips):
    user, mod = api_for(), api_for(staff=True)
    r = mod.patch("/api/v1/moderation/controls", {"uploads_paused": True})
    assert r.status_code == 200 and r.json()["uploads_paused"]
    up = user.upload("/api/v1/videos", clips(duration=1.0))
    assert up.status_code == 503 and up.json()["code"] == "uploads_paused"
    user.client.force_login(user.user)
    assert "Uploads are paused for now." in user.client.get("/upload").content.decode()
    user.client.logout()
    tus = user.client.post("/api/v1/uploads/", headers={"Tus-Resumable": "1.0.0", "Upload-Length": "1000",
                                                        "Authorization": f"Bearer {user.token}"})
    assert tus.status_code == 503 and tus.json()["code"] == "uploads_paused"
    assert not Video.objects.exists()
    mod.patch("/api/v1/moderation/controls", {"uploads_paused": False})
    assert user.upload("/api/v1/videos", clips(duration=1.0)).status_code == 202


def test_comment_kill_switch(api_for):
    user, mod = api_for(), api_for(staff=True)
    video = ready_video(api_for().user)
    mod.patch("/api/v1/moderation/controls", {"comments_paused": True})
    r = user.post(f"/api/v1/videos/{video.public_id}/comments", {"text": "hello"})
    assert r.status_code == 503 and r.json()["code"] == "comments_paused" and "paused" in r.json()["detail"]
    mod.patch("/api/v1/moderation/controls", {"comments_paused": False})
    assert user.post(f"/api/v1/videos/{video.public_id}/comments", {"text": "hello"}).status_code == 201


def test_announcement_banner_on_every_page(api_for, client):
    mod = api_for(staff=True)
    mod.patch("/api/v1/moderation/controls", {"announcement": "Scheduled maintenance at 22:00"})
    page = client.get("/").content.decode()
    assert 'id="site-announcement"' in page and "Scheduled maintenance at 22:00" in page
    mod.patch("/api/v1/moderation/controls", {"announcement": ""})
    assert 'id="site-announcement"' not in client.get("/").content.decode()


def test_audit_log_is_append_only():
    entry = actions.audit(None, "test", "video", "x", note="kept")
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(action="changed")
    with pytest.raises(AppendOnly):
        AuditEntry.objects.all().delete()
    # Below the ORM, the database refuses too.
    statements = ["UPDATE moderation_auditentry SET action = 'changed'"]
    if connection.vendor == "postgresql":  # SQLite's flush needs DELETE (see migration 0002)
        statements.append("DELETE FROM moderation_auditentry")
    for sql in statements:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert AuditEntry.objects.get(pk=entry.pk).action == "test"


def test_every_decision_is_audited(api_for):
    mod, owner = api_for(staff=True), api_for()
    video = ready_video(owner.user)
    mod.post("/api/v1/moderation/actions", {"target_type": "video", "target_id": video.public_id, "action": "remove"})
    assert AuditEntry.objects.filter(action="decision:remove", target_id=video.public_id, actor_id=mod.user.pk).exists()


def test_transparency_report_and_csv(api_for, client):
    mod, owner, reporter = api_for(staff=True), api_for(), api_for()
    video = ready_video(owner.user)
    reporter.post("/api/v1/reports", {"target_type": "video", "target_id": video.public_id, "category": "spam"})
    case = mod.get("/api/v1/moderation/queue").json()["items"][0]
    mod.post(f"/api/v1/moderation/cases/{case['id']}/decide", {"action": "remove", "category": "spam"})
    data = client.get("/api/v1/moderation/transparency").json()
    assert data["by_category"] == {"spam": 1} and data["by_outcome"] == {"remove": 1}
    assert data["by_automation"] == {"not": 1} and data["median_hours_to_action"] is not None
    csv = client.get("/transparency.csv")
    assert csv["Content-Type"] == "text/csv" and "by_category,spam,1" in csv.content.decode()
    assert "spam" in client.get("/transparency").content.decode()


def test_staff_pages(api_for, client):
    mod, user = api_for(staff=True), api_for()
    video = ready_video(api_for().user)
    user.post("/api/v1/reports", {"target_type": "video", "target_id": video.public_id, "category": "violence"})
    client.force_login(user.user)
    assert client.get("/moderation/").status_code == 404
    client.force_login(mod.user)
    page = client.get("/moderation/").content.decode()
    assert video.public_id in page and 'class="sla"' in page
    case = mod.get("/api/v1/moderation/queue").json()["items"][0]
    detail = client.get(f"/moderation/cases/{case['id']}").content.decode()
    assert "violence" in detail and user.user.username in detail
    r = client.post(f"/moderation/cases/{case['id']}/decide", {"action": "age_restrict", "category": "violence",
                                                               "ground": "terms", "explanation": "Graphic."})
    assert r.status_code == 302
    assert Video.objects.get(pk=video.pk).moderation == "age_restricted"
    assert client.get("/moderation/controls").status_code == 200


def test_staff_forms(api_for, client):
    from reelbox.moderation.models import HashBank, SiteControl, WatchedWord

    mod, owner = api_for(staff=True), api_for()
    video = ready_video(owner.user)
    api_for().post("/api/v1/reports", {"target_type": "video", "target_id": video.public_id, "category": "spam"})
    case = mod.get("/api/v1/moderation/queue").json()["items"][0]
    client.force_login(mod.user)
    bad = client.post(f"/moderation/cases/{case['id']}/decide", {"action": "explode", "days": "x"}, follow=True)
    assert bad.redirect_chain[-1][0] == f"/moderation/cases/{case['id']}" and "whole number" in bad.content.decode()
    bad = client.post(f"/moderation/cases/{case['id']}/decide", {"action": "explode"}, follow=True)
    assert "unknown action" in bad.content.decode()

    save = "/moderation/controls/save"
    client.post(save, {"form": "switches", "comments_paused": "on", "review_uploads": "on",
                       "hold_untrusted_below": "1", "announcement": "Be kind"})
    row = SiteControl.objects.get(pk=1)
    assert row.comments_paused and not row.uploads_paused and row.hold_untrusted_below == 1
    assert "Comments are paused for now." in client.get("/").content.decode()
    client.post(save, {"form": "bank", "name": "csam-list", "mode": "enforce", "category": "child_safety"})
    bank = HashBank.objects.get(name="csam-list")
    assert bank.mode == "enforce" and bank.category == "child_safety"
    client.post(save, {"form": "bank_mode", "bank": bank.pk, "mode": "rollout", "rollout_ratio": "0.25"})
    bank.refresh_from_db()
    assert (bank.mode, bank.rollout_ratio) == ("rollout", 0.25)
    client.post(save, {"form": "word", "pattern": "zorblax", "language": "en"})
    assert WatchedWord.objects.filter(pattern="zorblax", language="en").exists()
    page = client.get("/moderation/controls").content.decode()
    assert "csam-list" in page and "zorblax" in page


def test_appeals_page(api_for, client):
    mod1, mod2, owner = api_for(staff=True), api_for(staff=True), api_for()
    video = ready_video(owner.user)
    d = mod1.post("/api/v1/moderation/actions", {"target_type": "video", "target_id": video.public_id,
                                                 "action": "remove", "explanation": "Spam."}).json()
    appeal = owner.post(f"/api/v1/moderation/decisions/{d['id']}/appeal", {"text": "Not spam at all."}).json()
    client.force_login(mod1.user)
    page = client.get("/moderation/appeals").content.decode()
    assert "Not spam at all." in page and "another moderator must review" in page
    client.force_login(mod2.user)
    assert f"/moderation/appeals/{appeal['id']}/resolve" in client.get("/moderation/appeals").content.decode()
    client.post(f"/moderation/appeals/{appeal['id']}/resolve", {"upheld": "1", "reply": "Agreed."})
    assert Video.objects.get(pk=video.pk).moderation == "approved"
