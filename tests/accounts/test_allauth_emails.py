"""The emails allauth sends (confirming an address, choosing a new password, and the rest) are
ours: a text and an HTML part, signed by TrustApp, in our words, and never naming the site by a
raw host ("example.com", "testserver", the domain of SITE_URL). Links still come from SITE_URL."""

import re

import pytest
from allauth.account.adapter import get_adapter
from django.test import RequestFactory
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SITE_URL = "https://trustapp.test"  # tests/conftest.py
LINK = re.compile(r"https?://[^\s\"'<>]+")
ADDRESS = re.compile(r"[\w.+-]+@[\w.-]+")
# A host named as the site, anywhere outside a link.
RAW_HOSTS = ["trustapp.test", "example.com", "testserver", "127.0.0.1", "localhost"]
STOCK_WORDS = ["Hello from", "Thank you for using", "You're receiving this", "user account"]


def parts(message) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    html = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    assert len(html) == 1, message.alternatives
    return message.body, html[0]


def without_links(text: str) -> str:
    """What names things: the text without its links and the email addresses it writes to."""
    return ADDRESS.sub("<address>", LINK.sub("<link>", text))


def assert_ours(message, *, link_to: str | None = None) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    text, html = parts(message)
    assert "TrustApp" in text and "TrustApp" in html
    assert "<html" in html
    assert "</a>" in html or link_to is None
    for part in (message.subject, without_links(text), without_links(html)):
        for host in RAW_HOSTS:
            assert host not in part.lower(), (host, part)
        for words in STOCK_WORDS:
            assert words not in part, (words, part)
    assert message.subject.startswith("TrustApp: ")
    assert not LINK.search(message.subject)
    if link_to is not None:
        for part in (text, html):
            links = LINK.findall(part)
            assert any(link.startswith(f"{SITE_URL}{link_to}") for link in links), part
            assert all(link.startswith(SITE_URL) for link in links), links
    return text, html


def test_the_confirmation_email_is_ours(client, mailoutbox):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "robin@example.com",
            "display_name": "Robin",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302

    (message,) = mailoutbox
    assert message.to == ["robin@example.com"]
    text, html = assert_ours(message, link_to="/accounts/confirm-email/")
    assert message.subject == "TrustApp: Please confirm your email address"
    assert text.startswith("Hello Robin,")
    assert "Hello Robin," in html
    assert "Confirm my email address</a>" in html


def test_the_confirmation_email_names_no_host_even_from_another_host(client, mailoutbox, settings):
    settings.ALLOWED_HOSTS = ["elsewhere.example"]
    client.post(
        reverse("account_signup"),
        {
            "email": "robin@example.com",
            "display_name": "Robin",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
        HTTP_HOST="elsewhere.example",
    )
    (message,) = mailoutbox
    text, html = assert_ours(message, link_to="/accounts/confirm-email/")
    assert "elsewhere" not in text + html + message.subject


def test_the_password_reset_email_is_ours(client, make_user, mailoutbox):
    make_user("drew@example.com", "Drew")
    client.post(reverse("account_reset_password"), {"email": "drew@example.com"})

    (message,) = mailoutbox
    assert message.subject == "TrustApp: Choose a new password"
    assert_ours(message, link_to="/accounts/password/reset/key/")


def test_the_email_to_an_unknown_address_is_ours(client, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

    (message,) = mailoutbox
    text, _ = assert_ours(message, link_to="/accounts/signup/")
    # The address itself is shown (it is whom we wrote to), never as the site's name.
    assert "nobody@example.com" in text


def test_the_email_to_an_existing_account_is_ours(client, make_user, mailoutbox):
    make_user("drew@example.com", "Drew")
    client.post(
        reverse("account_signup"),
        {
            "email": "drew@example.com",
            "display_name": "Someone",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    (message,) = mailoutbox
    assert_ours(message, link_to="/accounts/password/reset/")


NOTIFICATIONS = [
    ("account/email/email_changed", {"from_email": "a@x.org", "to_email": "b@x.org"}),
    ("account/email/email_confirm", {}),
    ("account/email/email_deleted", {"deleted_email": "a@x.org"}),
    ("account/email/password_changed", {}),
    ("account/email/password_reset", {}),
    ("account/email/password_set", {}),
    ("account/email/login_code", {"code": "ABC123"}),
    ("account/email/password_reset_code", {"code": "ABC123"}),
    ("mfa/email/totp_activated", {}),
    ("mfa/email/totp_deactivated", {}),
    ("mfa/email/recovery_codes_generated", {}),
]


@pytest.mark.parametrize(("prefix", "extra"), NOTIFICATIONS, ids=[p for p, _ in NOTIFICATIONS])
def test_every_other_allauth_email_is_ours(outsider, mailoutbox, prefix, extra):
    request = RequestFactory().get("/")
    request.user = outsider.user
    context = {
        "user": outsider.user,
        "ip": "192.0.2.1",
        "user_agent": "Firefox",
        "timestamp": "5 December 2026, 10:00",
        **extra,
    }
    adapter = get_adapter(request)
    adapter.send_mail(prefix, outsider.user.email, context)

    (message,) = mailoutbox
    text, html = assert_ours(message)
    assert "Hello Drew," in text and "Hello Drew," in html
