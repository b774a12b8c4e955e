import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from couples.models import Couple, Invitation, Partnership, Role
from tests.conftest import PASSWORD

LINK = re.compile(r"https://trustapp\.test(/invitation/[A-Za-z0-9_-]+/)")


@pytest.fixture
def alone(outsider):
    """Drew, verified, with a fresh space and nobody invited yet."""
    outsider.client.post(reverse("couple_start"), {"role": Role.HURT})
    return outsider


def invite(persona, django_capture_on_commit_callbacks, email="erin@example.com", message=""):
    with django_capture_on_commit_callbacks(execute=True):
        response = persona.client.post(
            reverse("partner_invite"), {"email": email, "message": message}
        )
    assert response.status_code == 302, response.content.decode()
    return LINK.search(mail.outbox[-1].body).group(1)


# Starting a space


def test_start_page_offers_the_three_roles(outsider):
    response = outsider.client.get(reverse("couple_start"))
    content = response.content.decode()
    for label in ("I was hurt", "I broke the trust", "mutual / complicated"):
        assert label in content


def test_start_creates_the_space_and_goes_home(outsider):
    response = outsider.client.post(reverse("couple_start"), {"role": Role.MUTUAL})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert Partnership.objects.get(user=outsider.user).role == Role.MUTUAL


def test_start_under_htmx_redirects_the_browser(outsider, htmx_headers):
    response = outsider.client.post(reverse("couple_start"), {"role": Role.HURT}, **htmx_headers)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("home")


def test_start_without_a_role_explains_and_returns_the_form_fragment(outsider, htmx_headers):
    response = outsider.client.post(reverse("couple_start"), {}, **htmx_headers)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Choose the description that fits you best." in content
    assert "<html" not in content
    assert not Couple.objects.exists()


def test_start_rejects_other_methods(outsider):
    assert outsider.client.put(reverse("couple_start")).status_code == 405


def test_unverified_users_cannot_open_the_space(make_user, client):
    user = make_user("new@example.com", "Nova", verified=False)
    client.force_login(user)
    response = client.get(reverse("couple_start"))
    assert b"Verify Your Email Address" in response.content or b"verify" in response.content.lower()
    assert client.post(reverse("couple_start"), {"role": Role.HURT}).status_code != 302
    assert not Couple.objects.exists()


# Roles


def test_role_can_be_changed_from_home(partner_a):
    response = partner_a.client.post(reverse("couple_role"), {"role": Role.MUTUAL}, follow=True)
    assert response.status_code == 200
    assert Partnership.objects.get(user=partner_a.user).role == Role.MUTUAL
    assert b"Your role is updated." in response.content


def test_role_change_rejects_get(partner_a):
    assert partner_a.client.get(reverse("couple_role")).status_code == 405


def test_role_change_rejects_an_unknown_role(partner_a):
    partner_a.client.post(reverse("couple_role"), {"role": "villain"})
    assert Partnership.objects.get(user=partner_a.user).role == Role.HURT


# Inviting


def test_invite_sends_the_email_and_home_shows_the_waiting_invitation(
    alone, django_capture_on_commit_callbacks
):
    invite(alone, django_capture_on_commit_callbacks, message="Will you try this with me?")
    assert mail.outbox[-1].to == ["erin@example.com"]
    home = alone.client.get(reverse("home")).content.decode()
    assert "Invitation waiting" in home
    assert "erin@example.com" in home
    assert 'data-hx-trigger="every 3s"' in home


def test_invite_errors_keep_what_was_typed(alone, htmx_headers):
    note = "Ünïcode note <script>alert(1)</script> " + "x" * 1000
    response = alone.client.post(
        reverse("partner_invite"), {"email": "not-an-address", "message": note}, **htmx_headers
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert "Enter a valid email address." in content
    assert "1,000 characters" in content
    assert "Ünïcode note &lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<script>alert(1)" not in content
    assert not Invitation.objects.exists()


def test_inviting_yourself_is_explained(alone):
    response = alone.client.post(reverse("partner_invite"), {"email": "drew@example.com"})
    assert response.status_code == 200
    assert b"That is your own address." in response.content


def test_invite_rejects_other_methods(alone):
    assert alone.client.delete(reverse("partner_invite")).status_code == 405


def test_panel_poll_answers_204_while_nothing_changed(
    alone, django_capture_on_commit_callbacks, htmx_headers
):
    invite(alone, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(status=Invitation.Status.PENDING)
    url = f"{reverse('couple_panel')}?waiting_on={invitation.pk}"
    assert alone.client.get(url, **htmx_headers).status_code == 204


def test_panel_poll_shows_the_partner_once_they_joined(
    alone, make_user, django_capture_on_commit_callbacks, htmx_headers
):
    path = invite(alone, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(status=Invitation.Status.PENDING)
    erin = make_user("erin@example.com", "Erin")
    alone.client.logout()
    from django.test import Client

    erin_client = Client()
    erin_client.force_login(erin)
    erin_client.post(path + "accept/", {"role": Role.BROKE_TRUST})
    alone.client.force_login(alone.user)
    response = alone.client.get(
        f"{reverse('couple_panel')}?waiting_on={invitation.pk}", **htmx_headers
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert "Erin" in content
    assert "Joined" in content
    assert "every 3s" not in content  # polling stops with the swap


def test_resend_and_cancel_reject_get(alone, django_capture_on_commit_callbacks):
    invite(alone, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    assert alone.client.get(reverse("invitation_resend", args=[invitation.pk])).status_code == 405
    assert alone.client.get(reverse("invitation_cancel", args=[invitation.pk])).status_code == 405


def test_resend_from_the_page_sends_a_new_working_link(alone, django_capture_on_commit_callbacks):
    old_path = invite(alone, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = alone.client.post(
            reverse("invitation_resend", args=[invitation.pk]), follow=True
        )
    assert b"The earlier link no longer works." in response.content
    new_path = LINK.search(mail.outbox[-1].body).group(1)
    assert new_path != old_path
    assert alone.client.get(old_path).status_code == 410


def test_cancel_from_the_page(alone, django_capture_on_commit_callbacks, htmx_headers):
    path = invite(alone, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    response = alone.client.post(reverse("invitation_cancel", args=[invitation.pk]), **htmx_headers)
    assert response["HX-Redirect"] == reverse("home")
    alone.client.logout()
    page = alone.client.get(path)
    assert page.status_code == 410
    assert b"This invitation was cancelled" in page.content


# Accepting


def test_opening_the_link_changes_nothing(alone, make_user, django_capture_on_commit_callbacks):
    path = invite(alone, django_capture_on_commit_callbacks, message="Come as you are.")
    erin = make_user("erin@example.com", "Erin")
    from django.test import Client

    client = Client()
    client.force_login(erin)
    response = client.get(path)
    assert response.status_code == 200
    assert b"Drew invited you" in response.content
    assert b"Come as you are." in response.content
    assert Invitation.objects.get().status == Invitation.Status.PENDING
    assert not Partnership.objects.filter(user=erin).exists()


def test_accepting_from_the_page_joins_and_goes_home(
    alone, make_user, django_capture_on_commit_callbacks
):
    path = invite(alone, django_capture_on_commit_callbacks)
    erin = make_user("erin@example.com", "Erin")
    from django.test import Client

    client = Client()
    client.force_login(erin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path + "accept/", {"role": Role.BROKE_TRUST}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    content = response.content.decode()
    assert "You have joined Drew" in content
    assert "Drew" in content and "Erin" in content
    assert mail.outbox[-1].to == ["drew@example.com"]


def test_accept_without_a_role_keeps_the_page_and_says_why(
    alone, make_user, django_capture_on_commit_callbacks
):
    path = invite(alone, django_capture_on_commit_callbacks)
    from django.test import Client

    client = Client()
    client.force_login(make_user("erin@example.com", "Erin"))
    response = client.post(path + "accept/", {})
    assert response.status_code == 200
    assert b"Choose the description that fits you best." in response.content
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_accept_rejects_get(alone, django_capture_on_commit_callbacks):
    path = invite(alone, django_capture_on_commit_callbacks)
    assert alone.client.get(path + "accept/").status_code == 405


def test_unknown_link_gets_a_clear_404_page(client, db):
    response = client.get(reverse("invitation", args=["nope"]))
    assert response.status_code == 404
    assert b"We do not recognise this link" in response.content


def test_logged_out_invitee_comes_back_to_the_invitation_after_logging_in(
    alone, make_user, django_capture_on_commit_callbacks
):
    path = invite(alone, django_capture_on_commit_callbacks)
    make_user("erin@example.com", "Erin")
    from django.test import Client

    client = Client()
    page = client.get(path).content.decode()
    assert "Create an account" in page
    response = client.post(
        reverse("account_login"), {"login": "erin@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == path


def sign_up_from(path: str, email: str) -> tuple:
    """A logged-out visitor opens the invitation link, then signs up with `email`."""
    from django.test import Client

    client = Client()
    client.get(path)
    signup_page = client.get(reverse("account_signup")).content.decode()
    mail.outbox.clear()
    response = client.post(
        reverse("account_signup"),
        {"email": email, "display_name": "Erin", "password1": PASSWORD, "password2": PASSWORD},
    )
    return client, signup_page, response


def test_signup_from_an_invitation_prefills_the_invited_address_and_needs_no_verification(
    alone, django_capture_on_commit_callbacks
):
    path = invite(alone, django_capture_on_commit_callbacks)
    client, signup_page, response = sign_up_from(path, "erin@example.com")

    assert 'value="erin@example.com"' in signup_page
    assert "no email to confirm" in signup_page
    # Signed in at once and straight back on the invitation; no second email to the address.
    assert response.status_code == 302
    assert response["Location"] == path
    assert mail.outbox == []
    erin = EmailAddress.objects.get(email="erin@example.com")
    assert erin.verified and erin.primary
    page = client.get(path).content.decode()
    assert "Join Drew" in page
    client.post(path + "accept/", {"role": Role.BROKE_TRUST})
    assert Partnership.objects.filter(user=erin.user).exists()


def test_signup_from_an_invitation_with_another_address_verifies_that_address_by_email(
    alone, django_capture_on_commit_callbacks
):
    path = invite(alone, django_capture_on_commit_callbacks)
    _, _, response = sign_up_from(path, "someone.else@example.com")

    assert response["Location"] == reverse("account_email_verification_sent")
    assert [message.to for message in mail.outbox] == [["someone.else@example.com"]]
    # The invited address is never added behind their back.
    addresses = EmailAddress.objects.filter(user__email="someone.else@example.com")
    assert [(a.email, a.verified) for a in addresses] == [("someone.else@example.com", False)]


def test_a_dead_invitation_link_proves_no_address(alone, django_capture_on_commit_callbacks):
    path = invite(alone, django_capture_on_commit_callbacks)
    alone.client.post(reverse("invitation_cancel", args=[Invitation.objects.get().pk]))
    _, signup_page, response = sign_up_from(path, "erin@example.com")

    assert "no email to confirm" not in signup_page
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not EmailAddress.objects.get(email="erin@example.com").verified


def test_accepting_forgets_the_invited_address(alone, django_capture_on_commit_callbacks):
    path = invite(alone, django_capture_on_commit_callbacks)
    client, _, _ = sign_up_from(path, "erin@example.com")
    client.post(path + "accept/", {"role": Role.BROKE_TRUST})
    assert "account_verified_email" not in client.session
    assert "pending_invitation_path" not in client.session


# Ending


def test_end_page_says_plainly_and_gently_what_happens(partner_a, partner_b):
    content = partner_a.client.get(reverse("couple_end")).content.decode()
    assert "The space ends for both of you" in content
    assert "Blake gets a gentle email" in content
    assert "Nothing is deleted" in content
    assert "Your private reflections stay yours" in content
    assert "choosing to stop is not a failure" in content


def test_ending_freezes_the_space_and_tells_the_partner(
    partner_a, partner_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = partner_a.client.post(reverse("couple_end"))
    assert response.status_code == 302
    assert Couple.objects.get().ended_at is not None
    assert mail.outbox[-1].to == ["blake@example.com"]
    home = partner_b.client.get(reverse("home"))
    assert home.status_code == 200
    content = home.content.decode()
    assert "This space ended on" in content
    assert "when Alex ended it" in content
    assert "Start a new space" in content
    # Read-only: roles and invitations no longer change.
    partner_b.client.post(reverse("couple_role"), {"role": "mutual"})
    assert Partnership.objects.get(user=partner_b.user).role == Role.BROKE_TRUST
    assert partner_b.client.get(reverse("partner_invite")).status_code == 302
    assert partner_b.client.get(reverse("couple_end")).status_code == 302


def test_end_rejects_other_methods(partner_a):
    assert partner_a.client.put(reverse("couple_end")).status_code == 405
