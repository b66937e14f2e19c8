"""Pipeline hooks: a new upload waits for review; an edited caption is reviewed again."""

from django.dispatch import receiver

from reelbox.videos import signals


@receiver(signals.video_saved, dispatch_uid="moderation.video_saved")
def on_video_saved(sender, video, created: bool, **kwargs) -> None:
    from reelbox.moderation import review

    if created:
        review.on_video_created(video)
    else:
        review.on_caption_changed(video)
