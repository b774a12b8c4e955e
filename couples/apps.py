from django.apps import AppConfig


class CouplesConfig(AppConfig):
    name = "couples"
    verbose_name = "Couples"
