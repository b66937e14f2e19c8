from django.apps import AppConfig


class VideosConfig(AppConfig):
    name = "reelbox.videos"
    label = "videos"
