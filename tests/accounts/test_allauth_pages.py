"""Every allauth page someone can reach (logging in, signing up, emails, passwords, two-factor
sign-in) is drawn in TrustApp's own layout and speaks in our words: "Log in", never allauth's
"Sign In"; no "Make Primary" or "Re-send Verification". The forms stay allauth's own."""

import re
import time

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.account.internal.userkit import user_id_to_str
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

# allauth's own wording (its default templates), which our pages must never show.
STOCK_STRINGS = [
    "Sign In",
    "Sign Up",
    "Signup",
    "Sign Out",
    "sign in",
    "signed in as",
    "Menu:",
    "Make Primary",
    "Re-send Verification",
    "Add Email",
    "Email Addresses",
    "The following email addresses",
    "Unverified",
    "Change Password",
    "Set Password",
    "Password Reset",
    "Reset My Password",
    "Please contact us",
    "Bad Token",
    "Verify Your Email Address",
    "finalize the signup",
    "Confirm Email Address",
    "is an email address for user",
    "Confirm Access",
    "Please reauthenticate",
    "Alternative options",
    "Two-Factor Authentication",
    "Authenticator App",
    "Activate",
    "Deactivate",
    "Recovery Codes",
    "Generate",
    "recovery codes available",
    "Are you sure?",
]


def assert_ours(response, *, heading: str | None = None) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response
    html = response.content.decode()
    # Our base layout: our stylesheet, the header with "Leave quickly" and help, the footer.
    assert "css/app.css" in html
    assert "data-quick-exit" in html and ">Leave quickly</a>" in html
    assert "Need help now?" in html
    assert 'class="site-footer"' in html
    assert html.count("<h1") == 1
    shown = [stock for stock in STOCK_STRINGS if stock in html]
    assert shown == [], f"allauth's wording on {response.request['PATH_INFO']}: {shown}"
    if heading is not None:
        assert re.search(rf"<h1[^>]*>\s*{re.escape(heading)}\s*</h1>", html), heading
    return html


def get(client: Client, name: str, *args: str):  # type: ignore[no-untyped-def]
    return client.get(reverse(name, args=args))


def reauthenticated(user) -> Client:  # type: ignore[no-untyped-def]
    """A client that has just given its password again, as the protected pages ask."""
    client = Client()
    client.force_login(user)
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response
    return client


# Pages for someone not logged in


@pytest.mark.parametrize(
    ("url_name", "heading"),
    [
        ("account_login", "Log in"),
        ("account_signup", "Create your account"),
        ("account_reset_password", "Forgotten your password?"),
        ("account_reset_password_done", "Check your email"),
        ("account_reset_password_from_key_done", "Your new password is saved"),
        ("account_email_verification_sent", "Verify your email address"),
    ],
)
def test_anonymous_pages_are_ours(client, url_name, heading):
    assert_ours(get(client, url_name), heading=heading)


def test_the_log_in_and_sign_up_buttons_say_log_in_and_sign_up(client):
    login = assert_ours(get(client, "account_login"))
    signup = assert_ours(get(client, "account_signup"))

    assert re.search(r'<button type="submit">Log in</button>', login)
    assert re.search(r'<button type="submit">Sign up</button>', signup)
    # The fields are allauth's own, as before.
    for field in ['name="login"', 'name="password"', 'name="remember"']:
        assert field in login
    for field in ['name="email"', 'name="display_name"', 'name="password1"', 'name="password2"']:
        assert field in signup


def test_the_password_reset_link_page_and_its_failure_are_ours(client, make_user):
    user = make_user("drew@example.com", "Drew")
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    uidb36, token = key.split("-", 1)

    response = client.get(
        reverse("account_reset_password_from_key", kwargs={"uidb36": uidb36, "key": token}),
        follow=True,
    )
    html = assert_ours(response, heading="Choose a new password")
    assert 'name="password1"' in html and 'name="password2"' in html
    assert '<button type="submit" name="action">' in html

    failed = client.get(
        reverse("account_reset_password_from_key", kwargs={"uidb36": uidb36, "key": "x-nope"})
    )
    assert_ours(failed, heading="This link no longer works")


def test_the_email_confirmation_page_and_its_failure_are_ours(client, make_user):
    user = make_user("robin@example.com", "Robin", verified=False)
    address = EmailAddress.objects.get(user=user)
    key = EmailConfirmationHMAC(address).key

    html = assert_ours(
        get(client, "account_confirm_email", key), heading="Confirm your email address"
    )
    assert "robin@example.com" in html
    assert '<button type="submit">Confirm my email address</button>' in html

    assert_ours(get(client, "account_confirm_email", "no-such-key"))


# Pages for someone logged in


@pytest.mark.parametrize(
    ("url_name", "heading"),
    [
        ("account_logout", "Log out"),
        ("account_email", "Email addresses"),
        ("account_reauthenticate", "Please confirm it's you"),
        ("mfa_index", "Two-factor sign-in"),
    ],
)
def test_signed_in_pages_are_ours(outsider, url_name, heading):
    assert_ours(get(outsider.client, url_name), heading=heading)


def test_the_email_page_keeps_allauths_buttons_in_our_words(outsider):
    html = assert_ours(get(outsider.client, "account_email"))

    for name, words in [
        ("action_primary", "Make it my main address"),
        ("action_send", "Send the confirmation again"),
        ("action_remove", "Remove"),
        ("action_add", "Add this address"),
    ]:
        assert re.search(rf'<button type="submit" name="{name}"[^>]*>{words}</button>', html), name
    assert 'type="radio" name="email" value="drew@example.com"' in html
    assert "Main address" in html and "Confirmed" in html


def test_password_change_and_set_are_ours(outsider, make_user):
    html = assert_ours(
        get(reauthenticated(outsider.user), "account_change_password"),
        heading="Change your password",
    )
    assert 'name="oldpassword"' in html

    no_password = make_user("sam@example.com", "Sam")
    no_password.set_unusable_password()
    no_password.save()
    html = assert_ours(
        get(reauthenticated_without_password(no_password), "account_set_password"),
        heading="Choose a password",
    )
    assert 'name="password1"' in html


def reauthenticated_without_password(user) -> Client:  # type: ignore[no-untyped-def]
    """Someone without a password cannot give it again: record, as allauth would after a login
    by some other means, that they have just logged in."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "code", "at": time.time(), "reauthenticated": True}
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
    session.save()
    return client


def test_turning_on_an_authenticator_app_is_ours(outsider):
    html = assert_ours(
        get(reauthenticated(outsider.user), "mfa_activate_totp"),
        heading="Turn on an authenticator app",
    )
    assert 'id="authenticator_secret"' in html and 'name="code"' in html
    assert 'src="data:image/svg+xml' in html


@pytest.fixture
def with_two_factor(outsider):  # type: ignore[no-untyped-def]
    TOTP.activate(outsider.user, generate_totp_secret())
    RecoveryCodes.activate(outsider.user)
    return outsider


def test_two_factor_pages_are_ours_once_it_is_on(with_two_factor):
    user = with_two_factor.user
    client = reauthenticated_with_code(user)

    index = assert_ours(get(client, "mfa_index"), heading="Two-factor sign-in")
    assert "Turn it off" in index and "Make new codes" in index
    assert_ours(get(client, "mfa_deactivate_totp"), heading="Turn off the authenticator app?")
    codes = assert_ours(get(client, "mfa_view_recovery_codes"), heading="Recovery codes")
    assert 'id="recovery_codes"' in codes
    assert_ours(get(client, "mfa_generate_recovery_codes"), heading="Make new recovery codes?")
    assert_ours(get(client, "mfa_reauthenticate"), heading="Please confirm it's you")


def reauthenticated_with_code(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    code = RecoveryCodes(user.authenticator_set.get(type="recovery_codes")).get_unused_codes()[0]
    response = client.post(reverse("mfa_reauthenticate"), {"code": code})
    assert response.status_code == 302, response.content.decode()
    return client


def test_the_two_factor_step_of_logging_in_is_ours(client, with_two_factor):
    response = client.post(
        reverse("account_login"), {"login": "drew@example.com", "password": PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")

    html = assert_ours(client.get(response["Location"]), heading="One more step")
    assert 'name="code"' in html
    assert '<button type="submit">Log in</button>' in html


def test_the_messages_after_logging_in_and_out_are_ours(client, outsider):
    response = client.post(
        reverse("account_login"),
        {"login": "drew@example.com", "password": PASSWORD},
        follow=True,
    )
    html = response.content.decode()
    assert "Welcome, Drew. You are logged in." in html
    assert "Successfully signed in" not in html

    response = client.post(reverse("account_logout"), follow=True)
    html = response.content.decode()
    assert "You are logged out. Take care." in html
    assert "You have signed out" not in html
