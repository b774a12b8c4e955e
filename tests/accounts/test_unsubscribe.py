"""One-click unsubscribe (RFC 8058) from the emails someone gets only because they chose to: the
check-in emails that `email_partner_updates` governs. Every other email is about the account or
the space itself and carries no unsubscribe header."""

import email.policy
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from couples import emails as couples_emails
from couples.models import Invitation
from couples.services import invite_counselor
from steps import emails as steps_emails
from tests.conftest import PASSWORD
from tests.test_meta_description import the_description
from trustapp import emails
from trustapp.accounts.models import User
from trustapp.accounts.services import unsubscribe_token

pytestmark = pytest.mark.django_db

ONE_CLICK = "List-Unsubscribe=One-Click"


def answer(persona, step=1):  # type: ignore[no-untyped-def]
    data = {"feeling": 3, "trust": 5, "ready": "no", "note": ""}
    return persona.client.post(reverse("check_in_submit", args=[step]), data)


def headers(message) -> tuple[str | None, str | None]:  # type: ignore[no-untyped-def]
    """The two headers exactly as the SMTP backend writes them (its policy, its bytes), read
    the way a mail provider would: a URL folded or encoded as RFC 2047 words would not match."""
    raw = message.message(policy=email.policy.SMTP).as_bytes()
    lines = raw.split(b"\r\n\r\n", 1)[0].decode("ascii").split("\r\n")
    fields = dict(line.split(": ", 1) for line in lines if not line[:1].isspace())
    return fields.get("List-Unsubscribe"), fields.get("List-Unsubscribe-Post")


def one_click(url: str):  # type: ignore[no-untyped-def]
    """What a mail provider's "Unsubscribe" button sends: a POST with the RFC 8058 body, and no
    cookies and no CSRF token. The test client enforces CSRF like a browser would be held to."""
    return Client(enforce_csrf_checks=True).post(
        url, ONE_CLICK, content_type="application/x-www-form-urlencoded"
    )


def link_for(user: User) -> str:
    return reverse("email_unsubscribe", args=[unsubscribe_token(user)])


def is_on(user: User) -> bool:
    return User.objects.get(pk=user.pk).email_partner_updates


def test_the_check_in_emails_carry_the_one_click_headers_and_a_footer_link(
    partner_a, partner_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer(partner_a)  # Blake is told Alex checked in
    with django_capture_on_commit_callbacks(execute=True):
        answer(partner_b)  # Alex, away, is told the answers opened
    checked_in, revealed = mail.outbox
    assert "checked in" in checked_in.subject and "revealed" in revealed.subject
    for message, recipient in ((checked_in, partner_b.user), (revealed, partner_a.user)):
        url = f"https://trustapp.test{link_for(recipient)}"
        assert url.startswith("https://trustapp.test/email/unsubscribe/")
        assert headers(message) == (f"<{url}>", ONE_CLICK)
        html = message.alternatives[0][0]
        assert f"Stop these emails: {url}" in message.body
        assert f'Stop these emails: <a href="{url}"' in html
        # The address is only proven by the signature, never written in the link.
        assert recipient.email not in url


def test_one_click_turns_the_emails_off_and_the_next_one_is_not_sent(
    partner_a, partner_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer(partner_a)
    with django_capture_on_commit_callbacks(execute=True):
        answer(partner_b)
    revealed = mail.outbox[-1]
    assert revealed.to == ["alex@example.com"]
    url = headers(revealed)[0].strip("<>")

    response = one_click(url)

    assert response.status_code == 200
    assert "no longer get emails about your partner's check-ins" in response.content.decode()
    assert not is_on(partner_a.user)
    assert is_on(partner_b.user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer(partner_b)  # a new round: Alex would be told Blake checked in
    with django_capture_on_commit_callbacks(execute=True):
        answer(partner_a)  # Alex opens it; Blake, still subscribed, is told
    assert [message.to for message in mail.outbox] == [["blake@example.com"]]


def test_the_button_on_the_page_sends_the_same_request(partner_a):
    url = link_for(partner_a.user)
    page = Client(enforce_csrf_checks=True).get(url).content.decode()
    assert f'<form method="post" action="{url}">' in page
    assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in page

    response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert not is_on(partner_a.user)


def test_opening_the_link_changes_nothing(partner_a, anonymous):
    # Link scanners and previews open every link in an email: a GET only asks.
    response = anonymous.client.get(link_for(partner_a.user))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Stop emails about check-ins?" in content
    assert "turn them back on in your" in content and reverse("preferences") in content
    assert '<meta name="robots" content="noindex">' in content
    # It names nobody: whoever holds a link learns nothing about the account.
    assert "alex" not in content.lower()
    assert is_on(partner_a.user)


def test_the_page_describes_itself(partner_a, anonymous):
    description = the_description(anonymous.client, link_for(partner_a.user))
    assert "check-ins" in description


def test_asking_again_is_harmless(partner_a):
    url = link_for(partner_a.user)
    assert one_click(url).status_code == 200
    assert one_click(url).status_code == 200
    assert "These emails are off" in Client().get(url).content.decode()
    assert not is_on(partner_a.user)


def _tampered(token: str, other: User) -> list[str]:
    pk, signature = token.split(":")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    return [
        f"{pk}:{flipped}",  # a changed signature
        f"{other.pk}:{signature}",  # another account's id with this signature
        pk,  # no signature at all
        f"{pk}:",
        "x:" + signature,
        "9" * 30 + ":" + signature,  # an id no database holds
        "not-a-token",
    ]


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_token_gets_a_clear_page_and_changes_nothing(partner_a, partner_b, method):
    for token in _tampered(unsubscribe_token(partner_a.user), partner_b.user):
        url = reverse("email_unsubscribe", args=[token])
        response = one_click(url) if method == "post" else Client().get(url)
        assert response.status_code == 404, token
        assert "We do not recognise this link" in response.content.decode()
        assert is_on(partner_a.user) and is_on(partner_b.user), token


def test_a_token_turns_off_only_the_emails_of_the_person_it_was_sent_to(partner_a, partner_b):
    # Blake, signed in, uses Alex's link: the link speaks for Alex, not for whoever is signed in.
    response = partner_b.client.post(link_for(partner_a.user), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not is_on(partner_a.user)
    assert is_on(partner_b.user)


def test_a_token_made_for_another_purpose_is_refused(partner_a):
    # Same secret key, same id, another salt: a token signed for something else is no use here.
    token = signing.Signer(salt="something.else").sign(str(partner_a.user.pk))
    assert one_click(reverse("email_unsubscribe", args=[token])).status_code == 404
    assert is_on(partner_a.user)


def test_the_link_stops_working_once_the_address_changes(partner_a):
    url = link_for(partner_a.user)
    partner_a.user.email = "alex.new@example.com"
    partner_a.user.save(update_fields=["email"])

    assert one_click(url).status_code == 404
    assert Client().get(url).status_code == 404
    assert is_on(partner_a.user)
    assert one_click(link_for(partner_a.user)).status_code == 200  # the new address's link works


def test_the_link_stops_working_once_the_account_is_deleted(outsider):
    url = link_for(outsider.user)
    outsider.user.delete()
    assert one_click(url).status_code == 404


def test_other_methods_are_refused(partner_a):
    url = link_for(partner_a.user)
    assert Client().put(url, ONE_CLICK).status_code == 405
    assert Client().delete(url).status_code == 405
    assert is_on(partner_a.user)


# Every other email is transactional: sent whatever the preference says, with no unsubscribe.

# The partner updates `email_partner_updates` turns off: the check-in emails, and a partner's ask
# in a hard moment.
NOTIFICATIONS = {"partner-checked-in", "check-in-revealed", "hard-moment-ask"}


def test_every_email_but_the_partner_updates_carries_no_unsubscribe(
    partner_a, partner_b, outsider, monkeypatch
):
    sent: dict[str, str | None] = {}
    send = emails.send

    def recording_send(name, *, unsubscribe_url=None, **kwargs):  # type: ignore[no-untyped-def]
        sent[name] = unsubscribe_url
        send(name, unsubscribe_url=unsubscribe_url, **kwargs)

    monkeypatch.setattr(emails, "send", recording_send)
    alex, blake = partner_a.user, partner_b.user
    blake_seat = blake.partnerships.get()
    invitation = Invitation.objects.create(
        couple=blake_seat.couple, invited_by=alex, email="sam@example.com"
    )
    access = invite_counselor(
        partnership=alex.partnerships.get(),
        email="riley@clinic.example",
        scope=["progress"],
        ends_on=None,
    )
    mail.outbox.clear()

    couples_emails.partner_invitation(invitation, token=invitation.issue_token())
    couples_emails.partner_joined(to=alex, joined=blake_seat)
    couples_emails.space_ended(to=blake, ended_by=alex)
    couples_emails.counselor_invitation(access, token=access.issue_token())
    couples_emails.consent_request(to=blake, access=access)
    couples_emails.counselor_access_changed(to=outsider.user, access=access, change="revoked")
    steps_emails.partner_deleted_account(to=blake, former_partner_name="Alex")
    # allauth's: verifying an address, and a new password.
    Client().post(
        reverse("account_signup"),
        {
            "email": "robin@example.com",
            "display_name": "Robin",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    Client().post(reverse("account_reset_password"), {"email": "drew@example.com"})

    # Every email TrustApp renders itself was sent above, or is one of the partner updates.
    names = {path.name.removesuffix("-subject.txt") for path in _email_templates()}
    assert set(sent) == names - NOTIFICATIONS
    assert not any(sent.values())
    assert len(mail.outbox) == len(names - NOTIFICATIONS) + 2
    subjects = [message.subject for message in mail.outbox]
    assert any("confirm your email" in s for s in subjects)
    assert any("new password" in s for s in subjects)
    for message in mail.outbox:
        assert headers(message) == (None, None), message.subject
        assert "Stop these emails" not in message.body + message.alternatives[0][0]
        assert "/email/unsubscribe/" not in message.body + message.alternatives[0][0]


def _email_templates() -> list[Path]:
    folder = Path(settings.BASE_DIR) / "templates" / "emails"
    return sorted(folder.glob("*-subject.txt"))
