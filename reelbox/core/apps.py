from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "reelbox.core"
    label = "core"
