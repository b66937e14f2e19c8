"""Challenges: created by staff and brands, joined by posting with the tag, ranked, frozen at the end."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reelbox.discovery import actions
from reelbox.discovery.models import Brand, Challenge, ChallengeWinner
from reelbox.social import actions as social_actions
from reelbox.videos.models import Video

pytestmark = pytest.mark.django_db


def iso(dt):
    return dt.isoformat()


@pytest.fixture
def staff(person):
    s = person("staffer")
    s.user.is_staff = True
    s.user.save(update_fields=["is_staff"])
    return s


def test_who_may_create_and_validation(staff, person):
    now = timezone.now()
    body = {"hashtag": "#GlowUp", "title": "Glow up", "rules": "Show a before and after.",
            "starts_at": iso(now), "ends_at": iso(now + timedelta(days=7))}
    nobody = person()
    assert nobody.post("/api/v1/challenges", body).status_code == 403
    bad = staff.post("/api/v1/challenges", body | {"ends_at": iso(now - timedelta(days=1))})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_ends_at" and "ends_at" in bad.json()["detail"]
    assert staff.post("/api/v1/challenges", body | {"hashtag": "two words"}).json()["code"] == "invalid_hashtag"
    assert staff.post("/api/v1/challenges", body | {"title": ""}).status_code == 400
    assert staff.post("/api/v1/challenges", body | {"sponsor": "nobrand"}).json()["code"] == "invalid_sponsor"
    assert staff.post("/api/v1/challenges", body | {"sound_id": "nope"}).json()["code"] == "invalid_sound"
    assert staff.post("/api/v1/challenges", {k: v for k, v in body.items() if k != "ends_at"}).status_code == 400
    assert Challenge.objects.count() == 0  # refused input leaves no row

    created = staff.post("/api/v1/challenges", body)
    assert created.status_code == 201, created.content
    out = created.json()
    assert out["hashtag"]["name"] == "glowup" and out["state"] == "active" and out["sponsor"] is None
    assert out["seconds_left"] > 6 * 86400
    assert staff.post("/api/v1/challenges", body).status_code == 409  # same tag, overlapping dates

    # A brand account creates its own, sponsored by itself; it may not feature it.
    brand = person("acme")
    Brand.objects.create(user=brand.user, website="https://acme.example")
    mine = brand.post("/api/v1/challenges", body | {"hashtag": "#AcmeDance", "title": "Acme dance"})
    assert mine.status_code == 201, mine.content
    assert mine.json()["sponsor"] == {"username": "acme", "display_name": "acme", "url": "/@acme",
                                      "website": "https://acme.example"}
    assert brand.post("/api/v1/challenges", body | {"hashtag": "#x1", "featured": True}).status_code == 403
    page = brand.client.get(mine.json()["url"]).content.decode()
    assert "Sponsored" in page and 'href="/@acme"' in page
    # Staff feature a challenge.
    ch_id = mine.json()["id"]
    assert brand.patch(f"/api/v1/challenges/{ch_id}", {"featured": True}).status_code == 403
    assert staff.patch(f"/api/v1/challenges/{ch_id}", {"featured": True}).json()["featured"] is True
    assert staff.patch(f"/api/v1/challenges/{ch_id}", {"ends_at": iso(now - timedelta(days=3))}).status_code == 400


def test_join_by_posting_leaderboard_end_and_winners(staff, make_user, post, api):
    now = timezone.now()
    ch = actions.create_challenge(staff.user, hashtag="#SpinMove", title="Spin move", starts_at=now - timedelta(hours=1),
                                  ends_at=now + timedelta(days=1))
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    before = post(alice, "too early #spinmove", created_at=now - timedelta(hours=2))
    a = post(alice, "my spin #SpinMove")
    b = post(bob, "bob spins #spinmove")
    c = post(carol, "carol too #spinmove")
    a2 = post(alice, "again #spinmove")
    post(bob, "unrelated #other")
    hidden = post(carol, "private spin #spinmove")
    Video.objects.filter(pk=hidden.pk).update(visibility=Video.Visibility.PRIVATE, like_count=1000)
    # Completion-weighted views: b has 10 views fully watched (10), a 40 views at a tenth each (4).
    Video.objects.filter(pk=a.pk).update(view_count=40, watch_ms_total=40 * 500)  # duration 5 s
    Video.objects.filter(pk=b.pk).update(view_count=10, watch_ms_total=10 * 5000)
    Video.objects.filter(pk=c.pk).update(like_count=2, share_count=2)  # 2*2 + 3*2 = 10, ties with b
    Video.objects.filter(pk=a2.pk).update(share_count=1)  # 3

    board = api.get(f"/api/v1/challenges/{ch.public_id}/leaderboard").json()
    assert board["final"] is False
    # b and c tie at 10: the earlier entry (b) ranks first.
    assert [e["video"]["id"] for e in board["items"]] == [b.public_id, c.public_id, a.public_id, a2.public_id]
    assert [e["rank"] for e in board["items"]] == [1, 2, 3, 4]
    assert before.public_id not in str(board) and hidden.public_id not in str(board)
    info = api.get(f"/api/v1/challenges/{ch.public_id}").json()
    assert info["entries"] == 4 and info["participants"] == 3 and info["state"] == "active"
    page = api.client.get(f"/challenge/{ch.public_id}").content.decode()
    assert "4 entries" in page and "3 participants" in page and "left" in page

    # The end: winners freeze; later engagement changes nothing.
    Challenge.objects.filter(pk=ch.pk).update(ends_at=timezone.now())
    assert actions.finalize_ended() == 1
    assert list(ChallengeWinner.objects.filter(challenge=ch).values_list("video_id", flat=True)) == [b.pk, c.pk, a.pk]
    Video.objects.filter(pk=a2.pk).update(like_count=10_000)
    late = post(carol, "late #spinmove")
    final = api.get(f"/api/v1/challenges/{ch.public_id}/leaderboard").json()
    assert final["final"] is True
    assert [e["video"]["id"] for e in final["items"]] == [b.public_id, c.public_id, a.public_id]
    assert late.public_id not in str(final)
    assert actions.finalize_ended() == 0  # idempotent
    page = api.client.get(f"/challenge/{ch.public_id}").content.decode()
    assert "Winners" in page and "Ended" in page


def test_winners_freeze_on_first_read_after_end(staff, make_user, post, api):
    now = timezone.now()
    ch = actions.create_challenge(staff.user, hashtag="quick", title="Quick", starts_at=now - timedelta(hours=2),
                                  ends_at=now + timedelta(hours=1))
    v = post(make_user(), "#quick one")
    Challenge.objects.filter(pk=ch.pk).update(ends_at=timezone.now())
    board = api.get(f"/api/v1/challenges/{ch.public_id}/leaderboard").json()
    assert board["final"] is True and [e["video"]["id"] for e in board["items"]] == [v.public_id]


def test_discover_lists_featured_first_and_tag_page_links_the_challenge(staff, make_user, post, api):
    now = timezone.now()
    plain = actions.create_challenge(staff.user, hashtag="plain", title="Plain one", starts_at=now,
                                     ends_at=now + timedelta(days=1))
    star = actions.create_challenge(staff.user, hashtag="star", title="Star one", starts_at=now,
                                    ends_at=now + timedelta(days=2), featured=True)
    items = api.get("/api/v1/challenges", state="active").json()["items"]
    assert [c["id"] for c in items] == [star.public_id, plain.public_id]
    html = api.client.get("/discover").content.decode()
    assert html.index("Star one") < html.index("Plain one")
    post(make_user(), "#star power")
    tag = api.get("/api/v1/hashtags/star").json()
    assert tag["challenge"]["id"] == star.public_id
    assert f"/challenge/{star.public_id}" in api.client.get("/tag/star").content.decode()


def test_blocked_entrant_is_hidden_from_the_viewer(staff, person, make_user, post):
    now = timezone.now()
    ch = actions.create_challenge(staff.user, hashtag="duo", title="Duo", starts_at=now - timedelta(hours=1),
                                  ends_at=now + timedelta(days=1))
    viewer, rude = person(), make_user()
    post(rude, "#duo from rude")
    ok = post(make_user(), "#duo nice")
    social_actions.block(viewer.user, rude)
    board = viewer.get(f"/api/v1/challenges/{ch.public_id}/leaderboard").json()
    assert [e["video"]["id"] for e in board["items"]] == [ok.public_id]


def test_create_page_for_staff_and_brands(staff, person):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    assert person().client.get("/challenges/new").status_code == 403
    assert "New challenge" in staff.client.get("/challenges").content.decode()
    form = {"hashtag": "#PaperPlane", "title": "Paper planes", "rules": "Fold, throw, film.",
            "starts_at": "2030-01-01T10:00", "ends_at": "2030-01-01T09:00"}
    bad = staff.client.post("/challenges/new", form)
    assert bad.status_code == 200 and "the end must come after the start" in bad.content.decode()
    png = io.BytesIO()
    Image.new("RGB", (64, 36), "red").save(png, "PNG")
    ok = staff.client.post("/challenges/new", form | {"ends_at": "2030-01-08T10:00", "featured": "on",
                                                      "cover": SimpleUploadedFile("c.png", png.getvalue())})
    ch = Challenge.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/challenge/{ch.public_id}"
    assert ch.featured and ch.cover and ch.hashtag.name == "paperplane"
