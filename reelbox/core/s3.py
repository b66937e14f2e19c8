"""S3-compatible media storage with the same caching rules as the local media view."""

from __future__ import annotations

from storages.backends.s3 import S3Storage

from reelbox.core.media import cache_control


class MediaS3Storage(S3Storage):
    def get_object_parameters(self, name: str) -> dict:
        # A CDN in front of the bucket must not keep a growing playlist.
        return {"CacheControl": cache_control(name), **super().get_object_parameters(name)}
