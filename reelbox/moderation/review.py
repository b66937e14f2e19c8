"""Automatic review: every upload (frames, hashes, caption) and every text written (comments, usernames, bios).

Uploads are scanned in a thread started beside the first encode (``UploadReview``), so review costs little
more than the encode already does; the verdict is applied from the transcode job's own thread (``poll`` on
its progress callbacks, ``finish`` at the end), so only that thread touches the database.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reelbox.core import threads
from reelbox.core.errors import ApiError
from reelbox.moderation import actions, engine, policy
from reelbox.moderation.models import BankEntry, HashBank, Rule, SiteControl, Standing, VideoScan, WatchedWord
from reelbox.videos.models import Moderation, Video

log = logging.getLogger("reelbox.moderation")

# (days since sign-up, approved videos) needed for trust levels 1, 2, 3.
TRUST_STEPS = [(1, 1), (7, 5), (30, 20)]
SCAN_JOIN_TIMEOUT_S = 300
# How much below the transcode the upload scan runs (a nice increment; see UploadReview._scan).
SCAN_NICE = 5


def rule_rows() -> list[Rule]:
    """The enabled rules; the engine's defaults are copied in the first time (admins edit them after)."""
    if not actions.control().rules_seeded:
        defaults = engine.default_rules()
        if defaults:
            with transaction.atomic():
                if not Rule.objects.exists():
                    Rule.objects.bulk_create([Rule(label=label, threshold=threshold, outcome=outcome,
                                                   min_trust=min_trust)
                                              for label, threshold, outcome, min_trust in defaults])
                SiteControl.objects.filter(pk=1).update(rules_seeded=True)
    return list(Rule.objects.filter(enabled=True))


def trust_level(user) -> int:
    """0 (new) to 3: grows with account age and approved videos; every strike takes a level away."""
    age_days = (timezone.now() - user.date_joined).days
    good = Video.objects.filter(author_id=user.pk, status=Video.Status.READY, moderation=Moderation.APPROVED).count()
    level = sum(1 for days, videos in TRUST_STEPS if age_days >= days and good >= videos)
    strikes = Standing.objects.filter(user_id=user.pk).values_list("strikes", flat=True).first() or 0
    return max(0, level - strikes)


# Text ----------------------------------------------------------------------------------------------------


@dataclass
class Verdict:
    outcome: str
    labels: dict[str, float] = field(default_factory=dict)
    matched: list[str] = field(default_factory=list)


_word_list: dict = {}


def _words():
    """The compiled watched-word list, recompiled only when the entries changed (every text write reads it:
    reading the rows is cheap, compiling them is not)."""
    rows = tuple(WatchedWord.objects.order_by("pk").values_list("pattern", "is_regex", "label", "language"))
    if _word_list.get("rows") != rows:
        _word_list.update(rows=rows, words=engine.word_list(rows))
    return _word_list["words"]


def text_verdict(user, text: str, language: str = "") -> Verdict:
    """Labels and outcome for one text (fast: a word list and a linear classifier)."""
    if not text or not text.strip():
        return Verdict("approve")
    labels = engine.scan_text([text], _words(), language)[0]
    outcome, matched = engine.decide(labels, rule_rows(), trust=trust_level(user) if user and user.pk else 0)
    return Verdict(outcome, labels, matched)


def check_text(user, text: str, *, field_name: str, language: str = "") -> Verdict:
    """Review text at write time: refuses (400, naming the field) what the rules block."""
    verdict = text_verdict(user, text, language or getattr(user, "language", "") or "")
    if verdict.outcome == "block":
        actions.audit(user, "text_refused", "", "", field=field_name, labels=verdict.labels)
        raise ApiError(_("%(field)s: this breaks the community guidelines.") % {"field": field_name},
                       "text_refused")
    return verdict


def comment_state(verdict: Verdict) -> str:
    return Moderation.HELD if verdict.outcome == "hold" else Moderation.APPROVED


def record_text(verdict: Verdict, target_type: str, target_id: str, owner) -> None:
    """After the write: a held text gets a case and a statement of reasons (call on commit or inside)."""
    if verdict.outcome != "hold":
        return
    category = policy.category_for(verdict.labels)
    explanation = _("Automatic review held this for a moderator: %(labels)s.") % {
        "labels": ", ".join(sorted(verdict.labels)) or "-"}
    with transaction.atomic():
        actions.open_case(target_type, target_id, owner, category=category, source="own_initiative",
                          signals={"labels": verdict.labels, "rules": verdict.matched})
        if target_type in ("video", "comment"):
            actions.apply("hold", target_type, target_id, category=category, explanation=explanation,
                          facts=", ".join(verdict.matched), automated_detection=True, automated_decision="fully")


# Videos --------------------------------------------------------------------------------------------------


def build_index():
    """A HashIndex over every bank (keys "bank id:entry key"), or None when hashing is unavailable."""
    index = engine.new_index()
    if index is None:
        return None
    groups: dict[tuple[int, str, str], list] = {}
    for bank_id, key, kind, hex_hash in BankEntry.objects.values_list("bank_id", "key", "kind", "hash_hex"):
        groups.setdefault((bank_id, key, kind), []).append(engine.from_hex(hex_hash))
    for (bank_id, key, kind), hashes in groups.items():
        index.add(f"{bank_id}:{key}", hashes, kind=kind)
    return index


def _rollout_hit(video_pk: int, ratio: float) -> bool:
    # Deterministic per video, so a re-run of the job reaches the same verdict.
    return ((video_pk * 2654435761) % 1000) / 1000.0 < ratio


def bank_verdicts(matches: list[dict], video_pk: int) -> tuple[list[tuple[HashBank, dict]], list[tuple[HashBank, dict]]]:
    """Split matches into (enforced, shadow-only) by each bank's mode."""
    banks = {b.pk: b for b in HashBank.objects.filter(pk__in={int(m["key"].split(":")[0]) for m in matches})}
    enforced, shadow = [], []
    for match in matches:
        bank = banks.get(int(match["key"].split(":")[0]))
        if bank is None:
            continue
        on = bank.mode == HashBank.Mode.ENFORCE or (bank.mode == HashBank.Mode.ROLLOUT
                                                     and _rollout_hit(video_pk, bank.rollout_ratio))
        (enforced if on else shadow).append((bank, match))
    return enforced, shadow


def on_video_created(video: Video) -> None:
    """New uploads wait for review before anyone else can see them."""
    if actions.control().review_uploads:
        Video.objects.filter(pk=video.pk).update(moderation=Moderation.PENDING)
        video.moderation = Moderation.PENDING


def on_caption_changed(video: Video) -> None:
    """An edited caption is reviewed again; a held or blocked verdict takes the video back."""
    verdict = text_verdict(video.author, video.caption, video.language)
    if verdict.outcome in ("hold", "block") and video.moderation in (Moderation.APPROVED, Moderation.LIMITED,
                                                                     Moderation.AGE_RESTRICTED):
        with transaction.atomic():
            category = policy.category_for(verdict.labels)
            if verdict.outcome == "hold":
                actions.open_case("video", video.public_id, video.author, category=category,
                                  source="own_initiative", signals={"labels": verdict.labels})
            actions.apply(verdict.outcome, "video", video.public_id, category=category,
                          explanation=_("Automatic review of the edited caption."), facts=", ".join(verdict.matched),
                          automated_detection=True, automated_decision="fully")


def start(video: Video, src) -> UploadReview | None:
    """Start reviewing a pending upload beside its encode; None when there is nothing to review."""
    if Video.objects.filter(pk=video.pk).values_list("moderation", flat=True).first() != Moderation.PENDING:
        return None
    try:
        return UploadReview(video, src)
    except Exception:  # noqa: BLE001 (review must never stop a transcode)
        log.exception("could not start review of %s; holding it for a moderator", video.public_id)
        _hold_for_review(video)
        return None


class UploadReview:
    def __init__(self, video: Video, src):
        self.video = video
        self.applied = False
        self._result: dict | None = None
        self.text = text_verdict(video.author, video.caption, video.language)
        index = build_index()
        self._thread = threading.Thread(target=self._scan, args=(src, index), daemon=True,
                                        name=f"review-{video.public_id}")
        self._thread.start()

    def _scan(self, src, index) -> None:
        # Below the encoder: the scan has until the first rung is published (seconds into the encode) before
        # anyone but the uploader could see the video anyway, and it needs under a second of CPU, which the
        # encoder's idle moments provide. At the same priority it took that second from the encode.
        threads.lower_priority(SCAN_NICE)
        try:
            self._result = engine.scan_video(src, index)
        except Exception as exc:  # noqa: BLE001 (a detector's failure is a reason, not a crash)
            log.exception("scan of %s failed", self.video.public_id)
            self._result = {"labels": {}, "hashes": [], "matches": [], "seconds": 0.0,
                            "unavailable": {"scan": repr(exc)}}

    def poll(self) -> None:
        """Apply the verdict if the scan is done (cheap; called on every encode progress tick)."""
        if not self.applied and not self._thread.is_alive():
            self._apply()

    def finish(self) -> None:
        if not self.applied:
            self._thread.join(SCAN_JOIN_TIMEOUT_S)
            if self._thread.is_alive():
                log.error("scan of %s did not finish in %ss; holding it", self.video.public_id, SCAN_JOIN_TIMEOUT_S)
                self._result = {"labels": {}, "hashes": [], "matches": [], "seconds": SCAN_JOIN_TIMEOUT_S,
                                "unavailable": {"scan": "timed out"}}
                self.text = Verdict("hold", self.text.labels, self.text.matched + ["scan timed out"])
            self._apply()

    def _apply(self) -> None:
        self.applied = True
        try:
            apply_verdict(self.video, self._result, self.text)
        except Exception:  # noqa: BLE001 (a review bug must not fail the transcode; a person looks instead)
            log.exception("applying the review of %s failed; holding it for a moderator", self.video.public_id)
            _hold_for_review(self.video)


def _hold_for_review(video: Video) -> None:
    try:
        with transaction.atomic():
            if Video.objects.filter(pk=video.pk, moderation=Moderation.PENDING).update(moderation=Moderation.HELD):
                actions.open_case("video", video.public_id, video.author, category="other", source="own_initiative",
                                  signals={"error": "automatic review failed"})
    except Exception:  # noqa: BLE001
        log.exception("could not hold %s; it stays pending (invisible) until a moderator acts", video.public_id)


def apply_verdict(video: Video, result: dict, text: Verdict) -> str:
    """Turn a scan into the video's state and, unless approved, a statement of reasons."""
    labels = dict(result.get("labels") or {})
    for label, score in text.labels.items():
        labels[label] = max(score, labels.get(label, 0.0))
    ctl = actions.control()
    author = video.author
    trust = trust_level(author)
    outcome, matched = engine.decide(labels, rule_rows(), trust=trust, hold_untrusted_below=ctl.hold_untrusted_below)
    outcome = engine.most_severe(outcome, text.outcome)
    matched += [f"caption: {m}" for m in text.matched]
    enforced, shadow = bank_verdicts(result.get("matches") or [], video.pk)
    category = policy.category_for(labels)
    if enforced:
        labels["hash_match"] = 1.0
        outcome = engine.most_severe(outcome, engine.decide({"hash_match": 1.0}, rule_rows(), trust=trust)[0])
    for bank, match in enforced:
        outcome = engine.most_severe(outcome, bank.outcome)
        matched.append(f"bank {bank.name} ({match['kind']}, {match['fraction']:.0%} of frames)")
        category = bank.category
    unavailable = {k: v for k, v in (result.get("unavailable") or {}).items() if v}
    if "scan" in unavailable:  # the scan itself failed (not a detector missing): a person looks
        outcome = engine.most_severe(outcome, "hold")
        matched.append(f"scan failed: {unavailable['scan']}")
    if unavailable:
        log.warning("video %s reviewed without %s", video.public_id, ", ".join(sorted(unavailable)))
    with transaction.atomic():
        current = Video.objects.select_for_update().filter(pk=video.pk).values_list("moderation", flat=True).first()
        if current != Moderation.PENDING:  # a moderator got there first, or a re-run
            return current or ""
        VideoScan.objects.update_or_create(video_id=video.pk, defaults=dict(
            labels=labels, hashes=result.get("hashes") or [], matches=result.get("matches") or [],
            unavailable=unavailable, outcome=outcome, seconds=float(result.get("seconds") or 0.0)))
        for bank, match in shadow:
            actions.audit(None, "bank_shadow_match", "video", video.public_id, bank=bank.name, match=match)
        if outcome == "approve":
            Video.objects.filter(pk=video.pk).update(moderation=Moderation.APPROVED)
            video.moderation = Moderation.APPROVED
            from reelbox.videos import queries as video_queries

            video_queries.forget(video.pk)
        else:
            if outcome == "hold":
                actions.open_case("video", video.public_id, author, category=category, source="own_initiative",
                                  signals={"labels": labels, "rules": matched, "unavailable": unavailable})
            facts = "; ".join(matched) or _("account trust level %(level)d") % {"level": trust}
            actions.apply(outcome, "video", video.public_id, category=category, explanation=_explain(outcome),
                          facts=facts, automated_detection=True, automated_decision="fully")
    log.info("video %s reviewed in %.2fs: %s %s", video.public_id, float(result.get("seconds") or 0.0), outcome,
             matched)
    return outcome


def _explain(outcome: str) -> str:
    """What an automatic outcome means for the uploader (the statement's explanation; facts say why)."""
    return {
        "hold": _("Automatic review held this video: a moderator checks it before anyone else can see it."),
        "age_restrict": _("Automatic review age-restricted this video: only signed-in viewers can see it, "
                          "and it is kept out of feeds."),
        "limit": _("Automatic review limited this video's reach: it stays on your profile but is not "
                   "recommended in For You."),
        "block": _("Automatic review blocked this video: it breaks the community guidelines and nobody else "
                   "can see it."),
    }.get(outcome, outcome)
