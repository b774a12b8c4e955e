"""The signed-in user is loaded with their verification state and counselor profile in one
query (trustapp.accounts.backends); the decorator relies on it without ever trusting stale data."""

from allauth.account.models import EmailAddress
from django.db.models.sql.compiler import SQLCompiler
from django.urls import reverse

from couples.models import CounselorProfile
from trustapp.accounts.backends import AuthenticationBackend
from trustapp.accounts.models import User


def test_unverified_user_is_asked_to_verify_and_sent_a_new_link(make_user, client, mailoutbox):
    user = make_user("new@example.com", "Nova", verified=False)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "account/verified_email_required.html" in [t.name for t in response.templates]
    (email,) = mailoutbox
    assert email.to == ["new@example.com"]
    assert "/accounts/confirm-email/" in email.body


def test_verifying_opens_the_pages_on_the_very_next_request(make_user, client, mailoutbox):
    user = make_user("new@example.com", "Nova", verified=False)
    client.force_login(user)
    first = client.get(reverse("couple_start"))
    assert "account/verified_email_required.html" in [t.name for t in first.templates]
    EmailAddress.objects.filter(user=user).update(verified=True)
    response = client.get(reverse("couple_start"))
    assert response.status_code == 200
    assert "account/verified_email_required.html" not in [t.name for t in response.templates]


def test_losing_the_verified_address_closes_the_pages_again(partner_a):
    assert partner_a.client.get(reverse("home")).status_code == 200
    EmailAddress.objects.filter(user=partner_a.user).update(verified=False)
    response = partner_a.client.get(reverse("home"))
    assert "account/verified_email_required.html" in [t.name for t in response.templates]


def test_signed_in_user_costs_one_query_with_profile_and_verification(
    partner_a, counselor, django_assert_num_queries
):
    # The session and the user: nothing more for the menu or the verification check.
    with django_assert_num_queries(2):
        response = partner_a.client.get(reverse("help"))
    assert response.wsgi_request.user.has_verified_email is True
    with django_assert_num_queries(2):
        response = counselor.client.get(reverse("help"))
    assert isinstance(response.wsgi_request.user.counselor_profile, CounselorProfile)
    assert b"Your couples" in response.content


def test_signed_in_users_query_is_compiled_once_and_reads_fresh_rows(partner_a, monkeypatch):
    partner_a.client.get(reverse("help"))  # the first request compiles it
    User.objects.filter(pk=partner_a.user.pk).update(display_name="Alexandra")
    compiled = []
    as_sql = SQLCompiler.as_sql
    monkeypatch.setattr(
        SQLCompiler,
        "as_sql",
        lambda self, *a, **k: compiled.append(self.query.model) or as_sql(self, *a, **k),
    )

    response = partner_a.client.get(reverse("help"))

    assert User not in compiled
    assert response.wsgi_request.user.display_name == "Alexandra"


def test_a_deactivated_or_deleted_account_is_signed_out(partner_a, partner_b):
    User.objects.filter(pk=partner_a.user.pk).update(is_active=False)
    assert partner_a.client.get(reverse("help")).wsgi_request.user.is_anonymous
    partner_b.user.delete()
    assert partner_b.client.get(reverse("help")).wsgi_request.user.is_anonymous


def test_a_session_with_a_malformed_user_id_reads_as_signed_out(db):
    backend = AuthenticationBackend()
    assert backend.get_user("not a number") is None
    assert backend.get_user(None) is None
    assert backend.get_user(10**9) is None
