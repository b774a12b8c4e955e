"""A URL for a database on the server the tests use, for the processes a test starts itself."""

from urllib.parse import quote

from django.db import connection


def database_url(name: str) -> str:
    settings = connection.settings_dict
    user = quote(settings["USER"] or "", safe="")
    if settings["PASSWORD"]:
        user += ":" + quote(settings["PASSWORD"], safe="")
    host = settings["HOST"] or "localhost"
    port = settings["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{quote(name, safe='')}"
