from django.apps import AppConfig


class DiscoveryConfig(AppConfig):
    name = "reelbox.discovery"
    label = "discovery"

    def ready(self) -> None:
        from reelbox.discovery import receivers  # noqa: F401  (connects the pipeline hooks)
