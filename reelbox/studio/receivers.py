"""Pipeline hooks: quick, never raising; the real work is queued."""

from django.db import transaction
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver

from reelbox.videos import signals
from reelbox.videos.models import Video


@receiver(signals.video_processed)
def on_video_processed(sender, video, **kwargs):
    from reelbox.studio.tasks import after_processing

    pk = video.pk
    transaction.on_commit(lambda: after_processing.enqueue(pk))


@receiver(pre_delete, sender=Video)
def on_video_deleted(sender, instance, **kwargs):
    # The sound's use count must drop with the video (the link row cascades without telling).
    from reelbox.studio.actions import unlink_sound

    unlink_sound(instance.pk)


@receiver(post_delete, sender="studio.Draft")
def on_draft_deleted(sender, instance, **kwargs):
    from reelbox.videos import storage

    prefix = instance.media_prefix
    transaction.on_commit(lambda: storage.delete_prefix(prefix))


@receiver(post_delete, sender="studio.Sound")
def on_sound_deleted(sender, instance, **kwargs):
    from reelbox.videos import storage

    if instance.audio_path:
        prefix = instance.audio_path.rsplit("/", 1)[0]
        transaction.on_commit(lambda: storage.delete_prefix(prefix))
