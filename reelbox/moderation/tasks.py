"""Background jobs for moderation: banking a video decodes all of it, so it never runs in a request."""

from __future__ import annotations

import logging

from django.db import transaction
from django_tasks import task

log = logging.getLogger("reelbox.moderation")


@task(queue_name="default")
def bank_video(bank_id: int, public_id: str, actor_id: int | None = None) -> int:
    """Add a video's dense frame hashes to a bank. Idempotent: entries are unique per bank, key and hash."""
    from reelbox.moderation import actions, engine
    from reelbox.moderation.models import BankEntry, HashBank
    from reelbox.videos import storage
    from reelbox.videos.models import Video

    bank = HashBank.objects.filter(pk=bank_id).first()
    video = Video.objects.filter(public_id=public_id).first()
    if bank is None or video is None or not video.source_path:
        return 0
    with storage.local_copy(video.source_path) as src:
        hashes = engine.bank_hashes(src)
    key = f"video-{public_id}"
    with transaction.atomic():
        BankEntry.objects.bulk_create([BankEntry(bank=bank, hash_hex=h, kind="video", key=key, label=public_id)
                                       for h in hashes], ignore_conflicts=True)
        actions.audit(actor_id, "bank_add", "video", public_id, bank=bank.name, hashes=len(hashes))
    log.info("banked video %s in %s: %d hashes", public_id, bank.name, len(hashes))
    return len(hashes)
