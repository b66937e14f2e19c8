from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "reelbox.moderation"
    label = "moderation"

    def ready(self) -> None:
        from reelbox.moderation import receivers  # noqa: F401  (connects the pipeline hooks)
