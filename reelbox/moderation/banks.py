"""Hash banks: create, fill from a decision, import and export CSV of PDQ hex, and crisis bulk actions."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from reelbox.core.errors import ApiError, NotFound
from reelbox.moderation import actions, engine
from reelbox.moderation.models import BankEntry, Category, HashBank, Rule, VideoScan
from reelbox.videos.models import Moderation, Video

MAX_IMPORT_ROWS = 100_000


def _check_mode(mode: str, ratio: float) -> None:
    if mode not in HashBank.Mode.values:
        raise ApiError(_("mode: one of %(choices)s.") % {"choices": ", ".join(HashBank.Mode.values)}, "invalid_mode")
    if not 0.0 <= ratio <= 1.0:
        raise ApiError(_("rollout_ratio: a number from 0 to 1."), "invalid_ratio")


def create_bank(actor, *, name: str, mode: str = "shadow", rollout_ratio: float = 0.0, category: str = "other",
                outcome: str = "block") -> HashBank:
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ApiError(_("name: 1 to 80 characters."), "invalid_name")
    _check_mode(mode, rollout_ratio)
    if category not in Category.values:
        raise ApiError(_("category: one of %(choices)s.") % {"choices": ", ".join(Category.values)},
                       "invalid_category")
    if outcome not in Rule.Outcome.values:
        raise ApiError(_("outcome: one of %(choices)s.") % {"choices": ", ".join(Rule.Outcome.values)},
                       "invalid_outcome")
    try:
        with transaction.atomic():
            bank = HashBank.objects.create(name=name, mode=mode, rollout_ratio=rollout_ratio, category=category,
                                           outcome=outcome)
            actions.audit(actor, "bank_created", "", "", bank=name, mode=mode)
    except IntegrityError:
        raise ApiError(_("name: a bank with this name exists."), "bank_exists", status=409) from None
    return bank


def update_bank(actor, bank: HashBank, *, mode: str | None = None, rollout_ratio: float | None = None) -> HashBank:
    mode = bank.mode if mode is None else mode
    ratio = bank.rollout_ratio if rollout_ratio is None else rollout_ratio
    _check_mode(mode, ratio)
    with transaction.atomic():
        HashBank.objects.filter(pk=bank.pk).update(mode=mode, rollout_ratio=ratio)
        actions.audit(actor, "bank_mode", "", "", bank=bank.name, mode=mode, rollout_ratio=ratio)
    bank.mode, bank.rollout_ratio = mode, ratio
    return bank


def get_bank(bank_id) -> HashBank:
    bank = HashBank.objects.filter(pk=actions._int(bank_id) or 0).first()
    if bank is None:
        raise NotFound(_("No such bank."), "not_found")
    return bank


def add_video(actor, bank: HashBank, public_id: str) -> None:
    """"Add to bank" from a decision: queued, since hashing every quarter second decodes the whole video."""
    from reelbox.moderation.tasks import bank_video

    video = Video.objects.filter(public_id=public_id).first()
    if video is None or not video.source_path:
        raise ApiError(_("This video's file is gone; it cannot be banked."), "no_source", status=409)
    actions.audit(actor, "bank_add_queued", "video", public_id, bank=bank.name)
    actor_id = getattr(actor, "pk", None)
    transaction.on_commit(lambda: bank_video.enqueue(bank.pk, public_id, actor_id))


def import_csv(actor, bank: HashBank, text: str) -> int:
    """Rows of PDQ hex (and a label); all or nothing: a bad line refuses the file, naming the line."""
    try:
        rows = engine.parse_csv(text)
    except ValueError as exc:
        raise ApiError(_("file: %(reason)s") % {"reason": str(exc)}, "invalid_csv") from None
    if len(rows) > MAX_IMPORT_ROWS:
        raise ApiError(_("file: at most %(max)d rows.") % {"max": MAX_IMPORT_ROWS}, "invalid_csv")
    # Imported hashes stand alone: any one frame matching one of them is a match.
    entries = [BankEntry(bank=bank, hash_hex=hex_hash.lower(), kind="image", key=f"h-{hex_hash.lower()[:16]}",
                         label=label[:120]) for hex_hash, label in rows]
    with transaction.atomic():
        before = bank.entries.count()
        BankEntry.objects.bulk_create(entries, ignore_conflicts=True)
        added = bank.entries.count() - before
        actions.audit(actor, "bank_import", "", "", bank=bank.name, rows=len(rows), added=added)
    return added


def export_csv(bank: HashBank) -> str:
    return engine.to_csv(list(bank.entries.order_by("pk").values_list("hash_hex", "label")))


# Crisis tools --------------------------------------------------------------------------------------------


BULK_LIMIT = 5000


def bulk_targets(by: str, value: str) -> list[str]:
    """Public ids of the videos a crisis action would hit."""
    value = (value or "").strip()
    if not value:
        raise ApiError(_("value: required."), "invalid_value")
    qs = Video.objects.exclude(moderation=Moderation.REMOVED)
    if by == "hashtag":
        tag = value if value.startswith("#") else f"#{value}"
        # Until the discovery app indexes hashtags, the caption is the source of truth.
        return [v.public_id for v in qs.filter(caption__icontains=tag).only("public_id", "caption")[:BULK_LIMIT * 2]
                if _has_tag(v.caption, tag)][:BULK_LIMIT]
    if by == "sound":
        if not _sounds_tracked():
            raise ApiError(_("by: sounds are not tracked on this server yet."), "invalid_by")
        # The studio links each video to its sound (VideoSound, reverse name "sound_link"); value: the sound's id.
        return list(qs.filter(sound_link__sound__public_id=value).values_list("public_id", flat=True)[:BULK_LIMIT])
    if by == "bank":
        bank = get_bank(value)
        index = engine.new_index()
        if index is None:
            raise ApiError(_("by: hash matching is not installed."), "invalid_by")
        groups: dict[tuple[str, str], list] = {}
        for key, kind, hex_hash in bank.entries.values_list("key", "kind", "hash_hex"):
            groups.setdefault((key, kind), []).append(engine.from_hex(hex_hash))
        for (key, kind), hashes in groups.items():
            index.add(key, hashes, kind=kind)
        hits = []
        for public_id, hashes in VideoScan.objects.values_list("video__public_id", "hashes").iterator():
            if hashes and index.match([(engine.from_hex(h), quality) for h, quality in hashes]):
                hits.append(public_id)
        return hits[:BULK_LIMIT]
    raise ApiError(_("by: one of hashtag, sound, bank."), "invalid_by")


def _has_tag(caption: str, tag: str) -> bool:
    import re

    return re.search(re.escape(tag) + r"(?![\w])", caption, flags=re.IGNORECASE) is not None


def _sounds_tracked() -> bool:
    return "sound_link" in {f.name for f in Video._meta.get_fields()}


def bulk_action(actor, *, by: str, value: str, action: str, category: str = "other", explanation: str = "") -> int:
    targets = bulk_targets(by, value)
    if action not in ("remove", "age_restrict", "limit", "hold", "block"):
        raise ApiError(_("action: one of remove, age_restrict, limit, hold, block."), "invalid_action")
    done = 0
    for public_id in targets:
        actions.act(actor, "video", public_id, action, category=category,
                    explanation=explanation or _("Crisis action by %(by)s %(value)s.") % {"by": by, "value": value},
                    facts=f"bulk {by}={value}")
        done += 1
    actions.audit(actor, "bulk_action", "", "", by=by, value=value, bulk=action, count=done)
    return done
