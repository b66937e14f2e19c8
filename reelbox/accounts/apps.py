from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "reelbox.accounts"
    label = "accounts"
