from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "reelbox.notifications"
    label = "notifications"
