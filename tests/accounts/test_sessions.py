"""Sessions are read from their shared database cache (settings.CACHES["sessions"]) and written
to both it and the sessions table: whatever signs a session out must reach the cache too."""

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import PASSWORD

SESSION_CACHE_TABLE = settings.CACHES["sessions"]["LOCATION"]


def signed_in_client(email: str) -> Client:
    client = Client()
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_signed_in_request_reads_its_session_from_the_shared_cache(partner_a):
    client = signed_in_client("alex@example.com")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("help")).wsgi_request.user == partner_a.user
    sql = [query["sql"] for query in queries.captured_queries]
    assert any(SESSION_CACHE_TABLE in statement for statement in sql)
    assert not any(Session._meta.db_table in statement for statement in sql)


def test_a_session_missing_from_the_cache_is_read_from_the_sessions_table(partner_a):
    client = signed_in_client("alex@example.com")
    caches["sessions"].clear()
    assert client.get(reverse("help")).wsgi_request.user == partner_a.user
    # ... and cached again for the next request.
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("help")).wsgi_request.user == partner_a.user
    assert not any(Session._meta.db_table in query["sql"] for query in queries.captured_queries)


def test_a_session_cookie_kept_after_signing_out_no_longer_signs_in(partner_a):
    client = signed_in_client("alex@example.com")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("account_logout"))
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert replay.get(reverse("home"))["Location"].startswith("/accounts/login/")
    assert not Session.objects.filter(session_key=cookie).exists()


def test_signing_out_everywhere_else_ends_the_other_sessions_cached_copy(partner_a):
    other_device = signed_in_client("alex@example.com")
    assert other_device.get(reverse("home")).status_code == 200  # read, so cached
    this_device = signed_in_client("alex@example.com")
    this_device.post(reverse("usersessions_list"), {"action": "logout"})
    assert other_device.get(reverse("home"))["Location"].startswith("/accounts/login/")
    assert this_device.get(reverse("home")).status_code == 200
