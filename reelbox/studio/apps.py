from django.apps import AppConfig


class StudioConfig(AppConfig):
    name = "reelbox.studio"
    label = "studio"

    def ready(self) -> None:
        from reelbox.studio import receivers  # noqa: F401  (connects the pipeline hooks)
