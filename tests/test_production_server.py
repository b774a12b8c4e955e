"""The production configuration, served for real: gunicorn, whitenoise, production settings.
(The Docker image runs exactly this command; this machine has no Docker engine to build it.)"""

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body


def get(url: str, **headers: str) -> Response:
    """One request, redirects not followed."""
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=5)
    try:
        connection.request("GET", parsed.path or "/", headers=headers)
        response = connection.getresponse()
        return Response(response.status, dict(response.getheaders()), response.read())
    finally:
        connection.close()


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("prod")
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SECRET_KEY": "production-like-secret-" + "k" * 40,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        # HTTPS-only settings stay on; the checks below send X-Forwarded-Proto as a proxy would.
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "DJANGO_STATIC_ROOT": str(tmp / "static"),
        "LOG_FORMAT": "json",
    }
    python = sys.executable
    for command in (["migrate", "--no-input"], ["collectstatic", "--no-input"]):
        subprocess.run(
            [python, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )
    gunicorn = shutil.which("gunicorn", path=str(Path(python).parent))
    server = subprocess.Popen(
        [
            gunicorn,
            "trustapp.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if get(f"{base}/healthz").status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer /healthz within 10 seconds")
        yield base, tmp
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_health_and_readiness(production_server):
    base, _ = production_server
    assert get(f"{base}/healthz").status == 200
    assert get(f"{base}/readyz").status == 200


def test_pages_redirect_to_https_and_carry_security_headers(production_server):
    base, _ = production_server
    plain = get(f"{base}/")
    assert plain.status == 301
    assert plain.headers["Location"].startswith("https://")
    page = get(f"{base}/", **{"X-Forwarded-Proto": "https"})
    assert page.status == 200
    assert "max-age=31536000" in page.headers["Strict-Transport-Security"]
    assert "script-src 'self' 'nonce-" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Request-ID"]


def test_static_files_are_hashed_compressed_and_cached_for_long(production_server):
    base, tmp = production_server
    page = get(f"{base}/", **{"X-Forwarded-Proto": "https"}).body.decode()
    css = next(
        part
        for part in page.split('"')
        if part.startswith("/static/css/app.") and part.endswith(".css")
    )
    assert css != "/static/css/app.css"  # a hashed name
    response = get(f"{base}{css}", **{"Accept-Encoding": "gzip", "X-Forwarded-Proto": "https"})
    assert response.status == 200
    assert "max-age=315360000" in response.headers["Cache-Control"]
    assert response.headers.get("Content-Encoding") in ("gzip", "br")
    assert any((tmp / "static" / "css").glob("app.*.css.gz"))


def test_migrate_alone_created_the_shared_cache_tables(production_server):
    """The cache that allauth's rate limits count in, and the one sessions are read from, are
    database tables shared by every worker; a plain `migrate` on a fresh database must create
    them, or the first sign-in fails."""
    import sqlite3

    _, tmp = production_server
    with sqlite3.connect(tmp / "db.sqlite3") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"trustapp_cache", "trustapp_session_cache"} <= tables
