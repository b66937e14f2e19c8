"""Housekeeping for abandoned uploads."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from reelbox.videos.models import Upload
from reelbox.videos.tus import part_path

UPLOAD_TTL = timedelta(hours=24)


def expire_uploads() -> int:
    """Drop tus uploads nobody finished within a day, with their staged bytes."""
    stale = Upload.objects.filter(created_at__lt=timezone.now() - UPLOAD_TTL, video__isnull=True)
    count = 0
    for upload in stale:
        part_path(upload).unlink(missing_ok=True)
        upload.delete()
        count += 1
    return count
