"""What an operator relies on: health endpoints, request ids, structured logs."""

import json
import logging
import subprocess
import sys

import pytest
from django.test import Client, override_settings

from trustapp import observability


@pytest.mark.django_db
def test_healthz_answers_without_the_database_and_says_nothing_else(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_the_database_and_migrations():
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


@pytest.mark.django_db
def test_readyz_is_503_when_migrations_are_missing(monkeypatch):
    monkeypatch.setattr(observability, "_migrations_applied", False)
    monkeypatch.setattr(
        observability.MigrationExecutor, "migration_plan", lambda self, targets: ["x"]
    )
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "not ready"}


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_is_down(monkeypatch):
    from django.db import OperationalError, connections

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", broken_cursor)
    response = Client().get("/readyz")
    assert response.status_code == 503


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=["trustapp.example"], SECURE_SSL_REDIRECT=True)
def test_health_checks_answer_over_plain_http_by_ip_even_in_production():
    client = Client(HTTP_HOST="10.0.0.7:8000")
    assert client.get("/healthz").status_code == 200
    # Everything else still refuses an unknown host.
    assert client.get("/").status_code == 400


@pytest.mark.django_db
def test_every_response_carries_a_request_id_and_a_valid_incoming_one_is_kept():
    response = Client().get("/")
    assert len(response["X-Request-ID"]) == 32
    kept = Client().get("/", HTTP_X_REQUEST_ID="lb-0123456789abcdef")
    assert kept["X-Request-ID"] == "lb-0123456789abcdef"
    replaced = Client().get("/", HTTP_X_REQUEST_ID="<script>")
    assert replaced["X-Request-ID"] != "<script>"


def test_production_logs_are_one_json_object_per_line_with_the_request_id(capsys):
    from logging.config import dictConfig

    from django.conf import settings

    config = {**settings.LOGGING}
    config["handlers"] = {
        "console": {**settings.LOGGING["handlers"]["console"], "formatter": "json"}
    }
    dictConfig(config)
    token = observability.request_id.set("req-abcdef123456")
    try:
        logging.getLogger("trustapp.security").info("sign-in: user=%s", 7)
    finally:
        observability.request_id.reset(token)
        dictConfig(settings.LOGGING)
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["message"] == "sign-in: user=7"
    assert record["request_id"] == "req-abcdef123456"
    assert record["level"] == "INFO"
    assert record["logger"] == "trustapp.security"


def test_development_emails_print_links_whole_so_they_can_be_clicked():
    import io

    from django.core.mail import EmailMultiAlternatives

    from trustapp.mail import ReadableConsoleBackend

    link = "http://127.0.0.1:8000/accounts/confirm-email/" + "k" * 60 + "/"
    stream = io.StringIO()
    message = EmailMultiAlternatives(subject="Confirm", body=f"Go to {link}\n", to=["a@b.c"])
    message.attach_alternative("<p>html</p>", "text/html")
    ReadableConsoleBackend(stream=stream).send_messages([message])
    assert link in stream.getvalue()
    assert "Subject: Confirm" in stream.getvalue()


def _read_in_fresh_interpreter(expression: str, **env: str):  # type: ignore[no-untyped-def]
    """The JSON value of an expression over trustapp.settings (`s`), for an environment."""
    base = {"DJANGO_SECRET_KEY": "x", "FIELD_ENCRYPTION_KEYS": "x", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import json, trustapp.settings as s; print(json.dumps({expression}))",
        ],
        env={**base, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def _database_settings(**env: str) -> dict:
    return _read_in_fresh_interpreter("s.DATABASES['default']['OPTIONS']", **env)


def test_sentry_never_receives_request_bodies_or_local_variables():
    options = _read_in_fresh_interpreter(
        "{k: v for k, v in __import__('sentry_sdk').get_client().options.items()"
        " if k in ('send_default_pii', 'max_request_body_size', 'include_local_variables')}",
        SENTRY_DSN="https://public@sentry.example/1",
    )
    assert options == {
        "send_default_pii": False,
        "max_request_body_size": "never",
        "include_local_variables": False,
    }


def test_database_url_options_are_kept_beside_the_server_side_binding():
    options = _database_settings(
        DATABASE_URL="postgres://app@db.example:5432/trust?sslmode=verify-full&sslrootcert=/ca.pem"
    )
    assert options["sslmode"] == "verify-full"
    assert options["sslrootcert"] == "/ca.pem"
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5


def test_database_pool_and_old_pgbouncer_settings_keep_the_url_options_too():
    options = _database_settings(
        DATABASE_URL="postgres://app@db.example:5432/trust?sslmode=require",
        DATABASE_POOL="1",
        DATABASE_PREPARE_THRESHOLD="0",
    )
    assert options["sslmode"] == "require"
    assert options["pool"]["max_size"] == 8
    assert "prepare_threshold" not in options
    assert (
        _database_settings(
            DATABASE_URL="postgres://app@db.example:5432/trust", DATABASE_SERVER_SIDE_BINDING="0"
        )
        == {}
    )
