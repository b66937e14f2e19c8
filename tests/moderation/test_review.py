"""Automatic review with the real engine: rules routing, watched words, the text classifier, bank CSV, bulk
actions. The upload pipeline and bank matching on real clips are in test_pipeline.py."""

import pytest

from reelbox.moderation import engine, review
from reelbox.moderation.models import Case, Decision, Rule
from reelbox.social.models import Comment
from reelbox.videos.models import Video
from tests.factories import ready_video

pytestmark = pytest.mark.django_db

needs = {name: pytest.mark.skipif(engine.availability().get(name) is not None,
                                  reason=f"{name}: {engine.availability().get(name)}")
         for name in ("nsfw", "pdq", "profanity")}


def decide(labels, trust=0, hold_untrusted_below=None):
    return engine.decide(labels, review.rule_rows(), trust=trust, hold_untrusted_below=hold_untrusted_below)[0]


@pytest.mark.parametrize("labels, trust, expected", [
    ({}, 0, "approve"),
    ({"nudity_explicit": 0.39}, 0, "approve"),
    ({"nudity_explicit": 0.40}, 0, "hold"),
    ({"nudity_explicit": 0.69}, 0, "hold"),
    ({"nudity_explicit": 0.70}, 0, "block"),
    ({"nudity_partial": 0.49}, 0, "approve"),
    ({"nudity_partial": 0.50}, 0, "age_restrict"),
    ({"suggestive": 0.80}, 0, "limit"),
    ({"suggestive": 0.80}, 2, "approve"),  # trusted accounts are spared the borderline rule
    ({"profanity": 0.95}, 0, "hold"),
    ({"profanity": 0.95}, 3, "approve"),
    ({"nudity_partial": 0.9, "nudity_explicit": 0.8}, 0, "block"),  # the most severe wins
    ({"hash_match": 1.0}, 3, "block"),
])
def test_default_rules_route_labels_at_their_boundaries(labels, trust, expected):
    assert decide(labels, trust) == expected


def test_rules_are_editable_and_untrusted_accounts_can_be_held(api_for):
    mod = api_for(staff=True)
    assert len(mod.get("/api/v1/moderation/rules").json()["items"]) == Rule.objects.count() > 0
    r = mod.post("/api/v1/moderation/rules", {"label": "spam_score", "threshold": 0.6, "outcome": "limit"})
    assert r.status_code == 201
    assert decide({"spam_score": 0.6}) == "limit" and decide({"spam_score": 0.59}) == "approve"
    bad = mod.post("/api/v1/moderation/rules", {"label": "x", "threshold": 1.5, "outcome": "limit"})
    assert bad.status_code == 400 and "threshold" in bad.json()["detail"]
    Rule.objects.filter(label="nudity_explicit", outcome="block").update(threshold=0.9)
    assert decide({"nudity_explicit": 0.8}) == "hold"
    assert decide({}, trust=0, hold_untrusted_below=1) == "hold"
    assert decide({}, trust=1, hold_untrusted_below=1) == "approve"


def test_trust_grows_with_good_history(make_user):
    from datetime import timedelta

    from django.utils import timezone

    user = make_user()
    assert review.trust_level(user) == 0
    user.date_joined = timezone.now() - timedelta(days=8)
    user.save()
    for _ in range(5):
        ready_video(user)
    assert review.trust_level(user) == 2


def test_watched_words_hold_or_refuse_comments(api_for):
    mod, author, reader = api_for(staff=True), api_for(), api_for()
    video = ready_video(api_for().user)
    assert mod.post("/api/v1/moderation/words", {"pattern": "zorblax"}).status_code == 201
    assert mod.post("/api/v1/moderation/words", {"pattern": r"fr[e3]{2}\s*money", "is_regex": True,
                                                 "label": "blocked_word"}).status_code == 201
    bad = mod.post("/api/v1/moderation/words", {"pattern": "(unclosed", "is_regex": True})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_pattern"

    held = author.post(f"/api/v1/videos/{video.public_id}/comments", {"text": "such a zorblax move"})
    assert held.status_code == 201
    comment = Comment.objects.get(pk=held.json()["id"])
    assert comment.moderation == "held"
    assert Case.objects.filter(target_type="comment", target_id=str(comment.pk), state="open").exists()
    listed = [c["id"] for c in reader.get(f"/api/v1/videos/{video.public_id}/comments").json()["items"]]
    assert comment.pk not in listed

    refused = author.post(f"/api/v1/videos/{video.public_id}/comments", {"text": "get FR33 money now"})
    assert refused.status_code == 400 and refused.json()["code"] == "text_refused"
    assert "text" in refused.json()["detail"]
    fine = author.post(f"/api/v1/videos/{video.public_id}/comments", {"text": "lovely dance"})
    assert Comment.objects.get(pk=fine.json()["id"]).moderation == "approved"


def test_watched_words_apply_per_language(api_for):
    mod, author = api_for(staff=True), api_for()
    mod.post("/api/v1/moderation/words", {"pattern": "垃圾", "language": "zh", "label": "blocked_word"})
    assert review.text_verdict(author.user, "这是垃圾", "zh").outcome == "block"
    assert review.text_verdict(author.user, "这是垃圾", "en").outcome == "approve"


@needs["profanity"]
def test_text_classifier_holds_abuse_from_new_accounts(api_for):
    author = api_for()
    video = ready_video(api_for().user)
    r = author.post(f"/api/v1/videos/{video.public_id}/comments", {"text": "fuck you, you stupid worthless bitch"})
    assert r.status_code == 201
    assert Comment.objects.get(pk=r.json()["id"]).moderation == "held"
    assert Decision.objects.filter(target_type="comment", action="hold", automated_decision="fully").exists()
    r = author.post(f"/api/v1/videos/{video.public_id}/comments", {"text": "what a wonderful sunset"})
    assert Comment.objects.get(pk=r.json()["id"]).moderation == "approved"


def test_usernames_and_bios_are_reviewed(api, api_for):
    mod = api_for(staff=True)
    mod.post("/api/v1/moderation/words", {"pattern": "scamking", "label": "blocked_word"})
    mod.post("/api/v1/moderation/words", {"pattern": "zorblax"})
    r = api.post("/api/v1/auth/signup", {"username": "scamking_99", "email": "s@example.test",
                                         "password": "correct horse battery staple"})
    assert r.status_code == 400 and r.json()["code"] == "text_refused" and "username" in r.json()["detail"]
    user = api_for()
    r = user.patch("/api/v1/me", {"bio": "I love zorblax"})
    assert r.status_code == 200, r.content
    assert Case.objects.filter(target_type="account", target_id=user.user.username).exists()


@needs["pdq"]
def test_bank_csv_import_export(api_for):
    mod = api_for(staff=True)
    bank = mod.post("/api/v1/moderation/banks", {"name": "shared list", "mode": "enforce"}).json()
    h1, h2 = "f" * 64, "0123456789abcdef" * 4
    r = mod.post(f"/api/v1/moderation/banks/{bank['id']}/import", {"csv": f"pdq,label\n{h1},one\n{h2},two\n"})
    assert r.status_code == 200 and r.json()["added"] == 2
    again = mod.post(f"/api/v1/moderation/banks/{bank['id']}/import", {"csv": f"{h1},one\n"})
    assert again.json()["added"] == 0
    bad = mod.post(f"/api/v1/moderation/banks/{bank['id']}/import", {"csv": f"{h1},one\nnot-a-hash,x\n"})
    assert bad.status_code == 400 and "2" in bad.json()["detail"]
    exported = mod.get(f"/api/v1/moderation/banks/{bank['id']}/export")
    assert exported["Content-Type"] == "text/csv"
    rows = engine.parse_csv(exported.content.decode())
    assert sorted(rows) == sorted([(h1, "one"), (h2, "two")])
    assert mod.post("/api/v1/moderation/banks", {"name": "shared list"}).status_code == 409
    bad_mode = mod.post("/api/v1/moderation/banks", {"name": "x", "mode": "loud"})
    assert bad_mode.status_code == 400 and "mode" in bad_mode.json()["detail"]


def test_bulk_action_by_hashtag(api_for):
    mod, owner = api_for(staff=True), api_for()
    hit = [ready_video(owner.user, caption="storm chasing #Storm"), ready_video(owner.user, caption="#storm!")]
    miss = [ready_video(owner.user, caption="#stormy weather"), ready_video(owner.user, caption="calm")]
    r = mod.post("/api/v1/moderation/bulk", {"by": "hashtag", "value": "storm", "action": "limit"})
    assert r.json()["count"] == 2
    assert {v.moderation for v in Video.objects.filter(pk__in=[v.pk for v in hit])} == {"limited"}
    assert {v.moderation for v in Video.objects.filter(pk__in=[v.pk for v in miss])} == {"approved"}
    assert mod.post("/api/v1/moderation/bulk", {"by": "mood", "value": "x", "action": "limit"}).status_code == 400


def test_bank_modes_decide_what_a_match_does(api_for):
    from reelbox.moderation.models import HashBank

    shadow = HashBank.objects.create(name="s", mode="shadow")
    enforce = HashBank.objects.create(name="e", mode="enforce")
    nobody = HashBank.objects.create(name="r0", mode="rollout", rollout_ratio=0.0)
    everyone = HashBank.objects.create(name="r1", mode="rollout", rollout_ratio=1.0)
    half = HashBank.objects.create(name="r5", mode="rollout", rollout_ratio=0.5)
    matches = [{"key": f"{b.pk}:k", "kind": "video", "fraction": 1.0, "distance": 3}
               for b in (shadow, enforce, nobody, everyone)]
    enforced, logged = review.bank_verdicts(matches, video_pk=12345)
    assert {b.name for b, _m in enforced} == {"e", "r1"} and {b.name for b, _m in logged} == {"s", "r0"}
    # A rollout enforces on about its share of uploads, the same way for the same video every time.
    hits = [bool(review.bank_verdicts([{"key": f"{half.pk}:k", "kind": "image", "fraction": 1.0, "distance": 0}],
                                      pk)[0]) for pk in range(1, 1001)]
    assert 400 < sum(hits) < 600
    assert hits == [bool(review.bank_verdicts([{"key": f"{half.pk}:k", "kind": "image", "fraction": 1.0,
                                                "distance": 0}], pk)[0]) for pk in range(1, 1001)]


def test_bulk_action_by_sound(api_for):
    studio = pytest.importorskip("reelbox.studio.models")
    mod, owner = api_for(staff=True), api_for()
    sound = studio.Sound.objects.create(title="viral hook")
    using = [ready_video(owner.user), ready_video(owner.user)]
    other = ready_video(owner.user)
    for video in using:
        studio.VideoSound.objects.create(video=video, sound=sound)
    r = mod.post("/api/v1/moderation/bulk", {"by": "sound", "value": sound.public_id, "action": "hold"})
    assert r.status_code == 200 and r.json()["count"] == 2
    assert {v.moderation for v in Video.objects.filter(pk__in=[v.pk for v in using])} == {"held"}
    other.refresh_from_db()
    assert other.moderation == "approved"
