from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "reelbox.messaging"
    label = "messaging"
