from django.apps import AppConfig
from django.db.models.signals import post_migrate


class VideosConfig(AppConfig):
    name = "reelbox.videos"
    label = "videos"

    def ready(self) -> None:
        from reelbox.videos.audience import install_triggers

        post_migrate.connect(install_triggers, sender=self, dispatch_uid="reelbox.videos.audience")
