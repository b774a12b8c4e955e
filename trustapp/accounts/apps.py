from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "trustapp.accounts"
    label = "accounts"
    verbose_name = "Accounts"
