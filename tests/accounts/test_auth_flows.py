"""The django-allauth account flows, end to end through the test client: sign-up with mandatory
email verification, login and logout, password reset and change, email management. Every allauth
page must render inside TrustApp's own layout, emailed links must come from SITE_URL (never from the
request's Host header), and signed-in pages must never be cached."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from trustapp.accounts.models import User

SITE_URL = "https://trustapp.test"
LOGIN = "/accounts/login/"
NEW_PASSWORD = "quiet mornings over coffee 77"

# Any absolute link to the given path, whatever its scheme and host: the host is asserted apart.
CONFIRM_LINK = re.compile(r"https?://[^\s/]+/accounts/confirm-email/[^\s]+")
RESET_LINK = re.compile(r"https?://[^\s/]+/accounts/password/reset/key/[^\s]+")
ANY_LINK = re.compile(r"https?://[^\s\"'<>]+")


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth counts attempts in the cache, which outlives a test: start every test at zero."""
    cache.clear()
    yield
    cache.clear()


def signup_data(**overrides: str) -> dict[str, str]:
    data = {
        "email": "robin@example.com",
        "display_name": "Robin",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def link_in(body: str, pattern: re.Pattern[str]) -> str:
    match = pattern.search(body)
    assert match, f"no link matching {pattern.pattern} in:\n{body}"
    return match.group(0)


def links_in(message) -> list[str]:
    """Every absolute link in an email, in its text body and any HTML alternative."""
    parts = [message.body] + [content for content, _ in getattr(message, "alternatives", [])]
    return [link for part in parts for link in ANY_LINK.findall(str(part))]


def path_of(link: str) -> str:
    assert link.startswith(SITE_URL + "/"), link
    return link.removeprefix(SITE_URL)


def sign_up(client: Client, mailoutbox, **overrides: str) -> str:
    """Sign up and return the emailed confirmation link."""
    response = client.post(reverse("account_signup"), signup_data(**overrides))
    assert response.status_code == 302
    (email,) = mailoutbox
    return link_in(email.body, CONFIRM_LINK)


# Sign-up and email verification


@pytest.mark.django_db
def test_signup_creates_user_and_emails_a_site_url_confirmation_link(client, mailoutbox):
    response = client.post(reverse("account_signup"), signup_data())

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="robin@example.com")
    assert user.display_name == "Robin"
    assert user.check_password(PASSWORD)
    assert not EmailAddress.objects.get(user=user, email="robin@example.com").verified

    (email,) = mailoutbox
    assert email.to == ["robin@example.com"]
    assert email.subject.startswith("TrustApp: ")
    link = link_in(email.body, CONFIRM_LINK)
    assert link.startswith(f"{SITE_URL}/accounts/confirm-email/")


@pytest.mark.django_db
def test_signup_does_not_open_the_space_before_verification(client, mailoutbox):
    sign_up(client, mailoutbox)

    assert signed_in_user_id(client) is None
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.django_db
def test_unverified_user_cannot_log_in(client, mailoutbox):
    sign_up(client, mailoutbox)
    other_browser = Client()

    response = other_browser.post(
        reverse("account_login"), {"login": "robin@example.com", "password": PASSWORD}
    )

    assert signed_in_user_id(other_browser) is None
    assert other_browser.get(reverse("home")).status_code != 200
    # Logging in again only resends the confirmation (rate limits permitting), never opens a session.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")


@pytest.mark.django_db
def test_confirmation_link_verifies_email_and_logs_in(client, mailoutbox):
    path = path_of(sign_up(client, mailoutbox))

    page = client.get(path)
    assert page.status_code == 200
    assert b"robin@example.com" in page.content
    # A GET only shows the page: email scanners following links must not confirm anything.
    assert not EmailAddress.objects.get(email="robin@example.com").verified
    assert signed_in_user_id(client) is None

    response = client.post(path)

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="robin@example.com").verified
    user = User.objects.get(email="robin@example.com")
    assert signed_in_user_id(client) == str(user.pk)
    space = client.get(reverse("home"))
    assert space.status_code == 302
    assert space["Location"] == reverse("couple_start")


@pytest.mark.django_db
def test_signup_without_display_name_keeps_what_was_typed(client, mailoutbox):
    response = client.post(reverse("account_signup"), signup_data(display_name=""))

    assert response.status_code == 200
    assert "display_name" in response.context["form"].errors
    assert b'value="robin@example.com"' in response.content
    assert not User.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_signup_with_mismatched_passwords_keeps_what_was_typed(client, mailoutbox):
    response = client.post(
        reverse("account_signup"), signup_data(password2="a calm walk by the river 43")
    )

    assert response.status_code == 200
    assert "password2" in response.context["form"].errors
    assert b'value="robin@example.com"' in response.content
    assert b'value="Robin"' in response.content
    assert not User.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_signup_refuses_a_common_password(client, mailoutbox):
    response = client.post(
        reverse("account_signup"), signup_data(password1="iloveyou1", password2="iloveyou1")
    )

    assert response.status_code == 200
    assert "This password is too common." in response.context["form"].errors["password1"]
    assert not User.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_signup_refuses_an_email_already_registered_in_other_case(client, make_user, mailoutbox):
    make_user("robin@example.com", "Robin")

    response = client.post(
        reverse("account_signup"), signup_data(email="ROBIN@example.com", display_name="Other")
    )

    # Enumeration prevention: the answer looks like a fresh sign-up, but no second account exists
    # and the owner is told by email instead of being sent a confirmation link.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email__iexact="robin@example.com").count() == 1
    assert signed_in_user_id(client) is None
    (message,) = mailoutbox
    assert message.to == ["robin@example.com"]
    assert not CONFIRM_LINK.search(message.body)


@pytest.mark.django_db
def test_signup_and_reset_emails_carry_only_site_url_links(client, mailoutbox):
    sign_up(client, mailoutbox)
    client.post(reverse("account_reset_password"), {"email": "robin@example.com"})

    assert len(mailoutbox) == 2
    for message in mailoutbox:
        links = links_in(message)
        assert links, message.subject
        assert all(link.startswith(SITE_URL + "/") for link in links), (message.subject, links)
        # The site is named by us, never after the Host header of the request.
        assert "testserver" not in message.body
        assert "TrustApp" in message.body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("account_signup", signup_data(email="DREW@example.com")),
        ("account_reset_password", {"email": "nobody@example.com"}),
    ],
    ids=["account-already-exists", "unknown-account"],
)
def test_enumeration_prevention_emails_carry_only_site_url_links(
    client, make_user, mailoutbox, url_name, data
):
    make_user("drew@example.com", "Drew")

    client.post(reverse(url_name), data)

    (message,) = mailoutbox
    links = links_in(message)
    assert links, message.body
    assert all(link.startswith(SITE_URL + "/") for link in links), links


# Login and logout


@pytest.mark.django_db
def test_verified_user_logs_in_with_email_and_password(client, make_user):
    user = make_user("drew@example.com", "Drew")

    response = client.post(
        reverse("account_login"), {"login": "drew@example.com", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert signed_in_user_id(client) == str(user.pk)


@pytest.mark.django_db
def test_login_with_a_wrong_password_is_refused(client, make_user):
    make_user("drew@example.com", "Drew")

    response = client.post(
        reverse("account_login"), {"login": "drew@example.com", "password": NEW_PASSWORD}
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert signed_in_user_id(client) is None


@pytest.mark.django_db
def test_logout_by_post_ends_the_session(client, make_user):
    user = make_user("drew@example.com", "Drew")
    client.post(reverse("account_login"), {"login": "drew@example.com", "password": PASSWORD})
    assert signed_in_user_id(client) == str(user.pk)

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert signed_in_user_id(client) is None
    space = client.get(reverse("home"))
    assert space.status_code == 302
    assert space["Location"].startswith(LOGIN)


@pytest.mark.django_db
def test_logout_by_get_only_asks_for_confirmation(outsider):
    response = outsider.client.get(reverse("account_logout"))

    assert response.status_code == 200
    assert signed_in_user_id(outsider.client) == str(outsider.user.pk)


# Password reset and change


@pytest.mark.django_db
def test_password_reset_emails_a_site_url_link_that_sets_a_new_password(
    client, make_user, mailoutbox
):
    make_user("drew@example.com", "Drew")

    response = client.post(reverse("account_reset_password"), {"email": "drew@example.com"})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    (email,) = mailoutbox
    assert email.to == ["drew@example.com"]
    link = link_in(email.body, RESET_LINK)
    assert link.startswith(f"{SITE_URL}/accounts/password/reset/key/")

    # allauth moves the key out of the URL into the session, then shows the form.
    stashed = client.get(path_of(link))
    assert stashed.status_code == 302
    form_page = client.get(stashed["Location"])
    assert form_page.status_code == 200
    assert set(form_page.context["form"].fields) >= {"password1", "password2"}
    done = client.post(stashed["Location"], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("account_reset_password_from_key_done")

    assert User.objects.get(email="drew@example.com").check_password(NEW_PASSWORD)
    browser = Client()
    browser.post(reverse("account_login"), {"login": "drew@example.com", "password": PASSWORD})
    assert signed_in_user_id(browser) is None
    browser.post(reverse("account_login"), {"login": "drew@example.com", "password": NEW_PASSWORD})
    assert signed_in_user_id(browser) is not None


@pytest.mark.django_db
def test_password_reset_for_unknown_email_sends_no_reset_link(client, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

    # Same answer as for a known address, so the form does not reveal who has an account.
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert all(not RESET_LINK.search(message.body) for message in mailoutbox)


@pytest.mark.django_db
def test_change_password_page_renders_for_signed_in_user(outsider):
    response = outsider.client.get(reverse("account_change_password"))

    assert response.status_code == 200
    assert "oldpassword" in response.context["form"].fields


@pytest.mark.django_db
def test_change_password_sets_the_new_password_and_keeps_the_session(outsider):
    response = outsider.client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    outsider.user.refresh_from_db()
    assert outsider.user.check_password(NEW_PASSWORD)
    # ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE is off: the person who changed it stays signed in.
    assert signed_in_user_id(outsider.client) == str(outsider.user.pk)


@pytest.mark.django_db
def test_email_management_page_lists_the_address(outsider):
    response = outsider.client.get(reverse("account_email"))

    assert response.status_code == 200
    assert b"drew@example.com" in response.content


# Every allauth page wears TrustApp's layout

ANONYMOUS_PAGES = [
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
]
SIGNED_IN_PAGES = ["account_email", "account_change_password", "account_logout"]


def assert_in_our_layout(response) -> None:
    assert response.status_code == 200
    content = response.content.decode()
    assert "css/app.css" in content
    assert "Skip to content" in content
    assert "Need help now?" in content
    assert "Menu:" not in content


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ANONYMOUS_PAGES)
def test_anonymous_allauth_pages_use_our_layout(client, url_name):
    assert_in_our_layout(client.get(reverse(url_name)))


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", SIGNED_IN_PAGES)
def test_signed_in_allauth_pages_use_our_layout(outsider, url_name):
    assert_in_our_layout(outsider.client.get(reverse(url_name)))


@pytest.mark.django_db
def test_confirmation_and_verification_sent_pages_use_our_layout(client, mailoutbox):
    path = path_of(sign_up(client, mailoutbox))

    assert_in_our_layout(client.get(reverse("account_email_verification_sent")))
    assert_in_our_layout(client.get(path))


# The User model


@pytest.mark.django_db
def test_email_is_unique_whatever_its_case():
    User.objects.create_user(email="a@x.com", password=PASSWORD, display_name="A")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="A@x.com", password=PASSWORD, display_name="B")

    assert User.objects.count() == 1


@pytest.mark.django_db
def test_user_str_is_the_display_name():
    user = User.objects.create_user(email="a@x.com", password=PASSWORD, display_name="Sam")

    assert str(user) == "Sam"


# Caching


@pytest.mark.django_db
def test_signed_in_pages_are_never_cached(outsider):
    for url_name in ["couple_start", "account_email"]:
        response = outsider.client.get(reverse(url_name))
        assert response.status_code == 200
        assert "no-store" in response.get("Cache-Control", ""), url_name


@pytest.mark.django_db
def test_anonymous_landing_page_is_not_marked_no_store(client):
    response = client.get(reverse("landing"))

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
