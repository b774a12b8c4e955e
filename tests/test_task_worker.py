"""Production runs emails through django-tasks-db: the request only writes a row, and a separate
`manage.py db_worker` process sends it. This runs that real worker against the test database
(PostgreSQL, with the production database options: server-side binding, prepared statements)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from tests.database_urls import database_url
from trustapp.tasks import send_rendered_email

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the worker needs a database it can share"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_an_email_task_is_sent_by_a_real_db_worker(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = send_rendered_email.enqueue(
        "WORKER-CHECK subject", "WORKER-CHECK body", None, ["alex@example.com"]
    )
    assert DBTaskResult.objects.get(id=result.id).status == "READY"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "EMAIL_", "DJANGO_SETTINGS"))
    }
    env.update(
        DATABASE_URL=database_url(connection.settings_dict["NAME"]),
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
    )
    worker = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert worker.returncode == 0, worker.stderr
    assert "WORKER-CHECK body" in worker.stdout  # the console mailer printed the message
    assert DBTaskResult.objects.get(id=result.id).status == "SUCCESSFUL"
    connection.ensure_connection()
    assert connection.settings_dict["OPTIONS"].get("server_side_binding") is True
