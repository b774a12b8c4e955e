from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "trustapp.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from trustapp.accounts import push, security  # noqa: F401  (connect the signal receivers)
