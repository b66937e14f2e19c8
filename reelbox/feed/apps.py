from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "reelbox.feed"
    label = "feed"
