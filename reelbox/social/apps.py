from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "reelbox.social"
    label = "social"
