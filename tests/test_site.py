"""Site-wide pieces: public pages, error pages, headers, admin, migrations."""

import io

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from couples.models import Invitation
from trustapp.views import server_error


def test_landing_page_says_what_trustapp_is_for(client):
    content = " ".join(client.get(reverse("landing")).content.decode().split())
    assert "rebuild trust after a betrayal" in content
    assert "private reflections" in content
    assert reverse("account_signup") in content


def test_safety_resources_are_one_click_from_every_page(client, partner_a):
    for response in (client.get(reverse("landing")), partner_a.client.get(reverse("home"))):
        assert f'href="{reverse("help")}"' in response.content.decode()
    assert b"emergency number" in client.get(reverse("help")).content


@pytest.mark.django_db
def test_unknown_page_gets_a_friendly_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"We could not find that page" in response.content
    assert b"Skip to content" in response.content


def test_server_error_page_renders_without_any_request_context(rf):
    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get(reverse("landing"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    # The only script tag is htmx from our own static files, carrying the nonce.
    content = response.content.decode()
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in content
    assert "/static/django_htmx/htmx-2.min.js" in content
    assert "unpkg" not in content and "cdn" not in content.lower()


def test_htmx_sends_the_csrf_token_from_the_body(partner_a):
    content = partner_a.client.get(reverse("home")).content.decode()
    assert 'data-hx-headers=\'{"X-CSRFToken": "' in content
    assert 'data-hx-history="false"' in content


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.fixture
def admin(admin_user) -> Client:
    """A staff member signed in with a second factor, as the admin requires."""
    Authenticator.objects.create(
        user=admin_user, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    client = Client()
    client.force_login(admin_user)
    return client


def test_admin_never_shows_an_invitation_token_hash_or_note(partner_a, admin):
    invitation = Invitation.objects.create(
        couple=partner_a.user.partnerships.get().couple,
        invited_by=partner_a.user,
        email="blake@example.com",
        message="only for Blake",
    )
    token = invitation.issue_token()
    invitation.refresh_from_db()
    pages = [
        admin.get(reverse("admin:couples_invitation_changelist")),
        admin.get(reverse("admin:couples_invitation_change", args=[invitation.pk])),
        admin.get(reverse("admin:couples_couple_change", args=[invitation.couple_id])),
        admin.get(reverse("admin:accounts_user_changelist")),
    ]
    for page in pages:
        assert page.status_code == 200
        content = page.content.decode()
        assert token not in content
        assert invitation.token_hash not in content
        assert "only for Blake" not in content


@pytest.mark.django_db
def test_htmx_request_after_the_session_ended_sends_the_browser_to_log_in(client):
    response = client.get(reverse("couple_panel"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("account_login"))
    # Without HTMX it stays an ordinary redirect.
    assert client.get(reverse("couple_panel")).status_code == 302


def test_admin_queue_never_shows_a_queued_emails_body_or_links(admin, settings):
    from django_tasks_db.models import DBTaskResult

    from trustapp.tasks import send_rendered_email

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    link = "https://trustapp.test/accounts/password/reset/key/SECRET-RESET-KEY/"
    result = send_rendered_email.enqueue("Reset", f"Reset here: {link}", None, ["a@example.com"])
    assert DBTaskResult.objects.filter(id=result.id).exists()
    pages = [
        admin.get(reverse("admin:django_tasks_database_dbtaskresult_changelist")),
        admin.get(reverse("admin:django_tasks_database_dbtaskresult_change", args=[result.id])),
    ]
    for page in pages:
        assert page.status_code == 200
        assert "SECRET-RESET-KEY" not in page.content.decode()
    assert "send_rendered_email" in pages[1].content.decode()  # the queue is still visible
