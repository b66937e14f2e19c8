"""The upload pipeline with automatic review: pending until reviewed, held for untrusted accounts, hash banks
matching a re-encoded, resized, blurred copy (shadow, then enforce) and not an unrelated clip."""

import pytest

from reelbox.media.ffmpeg import run_ffmpeg
from reelbox.media.generate import make_clip
from reelbox.moderation import engine
from reelbox.moderation.models import AuditEntry, Decision, VideoScan
from reelbox.videos.models import Video

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

needs_pdq = pytest.mark.skipif(engine.availability().get("pdq") is not None,
                               reason=f"pdq: {engine.availability().get('pdq')}")


@pytest.fixture(scope="module")
def bank_clips(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bank")
    original = make_clip(tmp / "original.mp4", duration=4, width=360, height=640, fps=25, grain=12,
                         text="Reelbox bank test", tone_hz=None)
    copy = tmp / "copy.mp4"
    run_ffmpeg(["-i", str(original), "-vf", "scale=270:480,gblur=sigma=1", "-c:v", "libx264", "-preset", "fast",
                "-crf", "30", "-pix_fmt", "yuv420p", str(copy)], timeout=120)
    unrelated = make_clip(tmp / "unrelated.mp4", duration=4, width=360, height=640, fps=25, pattern="life",
                          tone_hz=None)
    return {"original": original, "copy": copy, "unrelated": unrelated}


def upload(client_api, path, drain, caption=""):
    r = client_api.upload("/api/v1/videos", path, caption=caption)
    assert r.status_code == 202, r.content
    assert r.json()["moderation"]["state"] == "pending"
    drain()
    return Video.objects.get(public_id=r.json()["id"])


def test_upload_is_pending_then_reviewed(api_for, api, bank_clips, drain):
    owner = api_for()
    r = owner.upload("/api/v1/videos", bank_clips["unrelated"], caption="a calm clip")
    assert r.json()["moderation"]["state"] == "pending"
    assert api.get(f"/api/v1/videos/{r.json()['id']}").status_code == 404
    drain()
    video = Video.objects.get(public_id=r.json()["id"])
    assert video.status == "ready" and video.moderation == "approved"
    scan = VideoScan.objects.get(video=video)
    assert scan.outcome == "approve" and scan.hashes and scan.seconds > 0
    if engine.availability()["nsfw"] is None:
        assert "nsfw" not in scan.unavailable and scan.labels.get("nudity_explicit", 0) < 0.4
    assert api.get(f"/api/v1/videos/{video.public_id}").status_code == 200


def test_untrusted_uploads_are_held_for_review(api_for, api, bank_clips, drain):
    owner, mod = api_for(), api_for(staff=True)
    mod.patch("/api/v1/moderation/controls", {"hold_untrusted_below": 1})
    video = upload(owner, bank_clips["unrelated"], drain)
    assert video.status == "ready" and video.moderation == "held"
    assert api.get(f"/api/v1/videos/{video.public_id}").status_code == 404
    items = mod.get("/api/v1/moderation/queue").json()["items"]
    assert any(c["target_id"] == video.public_id for c in items)
    assert owner.get(f"/api/v1/videos/{video.public_id}").json()["moderation"]["state"] == "held"
    assert "untrusted" in Decision.objects.get(target_id=video.public_id).facts


@needs_pdq
def test_bank_shadow_then_enforce(api_for, bank_clips, drain):
    mod, owner, copier = api_for(staff=True), api_for(), api_for()
    bank = mod.post("/api/v1/moderation/banks", {"name": "known bad", "mode": "shadow"}).json()
    original = upload(owner, bank_clips["original"], drain)
    assert mod.post(f"/api/v1/moderation/banks/{bank['id']}/videos", {"video_id": original.public_id}).status_code == 200
    drain()
    assert mod.get("/api/v1/moderation/banks").json()["items"][0]["entries"] >= 8

    # Shadow: logged, not enforced.
    first = upload(copier, bank_clips["copy"], drain)
    assert first.moderation == "approved"
    assert AuditEntry.objects.filter(action="bank_shadow_match", target_id=first.public_id).exists()

    # Enforce: the same copy is blocked, with a statement of reasons; an unrelated clip passes.
    mod.patch(f"/api/v1/moderation/banks/{bank['id']}", {"mode": "enforce"})
    second = upload(copier, bank_clips["copy"], drain)
    other = upload(copier, bank_clips["unrelated"], drain)
    assert second.moderation == "blocked" and other.moderation == "approved"
    d = Decision.objects.get(target_id=second.public_id)
    assert d.automated_decision == "fully" and d.automated_detection and "known bad" in d.facts

    # Crisis: bulk action by bank match reaches the copy uploaded while the bank was in shadow mode.
    r = mod.post("/api/v1/moderation/bulk", {"by": "bank", "value": str(bank["id"]), "action": "remove"})
    assert r.status_code == 200 and r.json()["count"] >= 2
    first.refresh_from_db()
    assert first.moderation == "removed"


