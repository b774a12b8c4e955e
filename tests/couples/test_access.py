"""Every couples URL, asked by every role. Anonymous visitors are sent to log in; people outside
the couple get a 404 (never a hint of what exists); partners act only on their own couple."""

import pytest
from django.urls import reverse

from couples.models import Invitation

LOGIN = "/accounts/login/"
ROLES = ["anonymous", "outsider", "partner_a", "partner_b", "other_partner"]


@pytest.fixture
def linked(partner_a, partner_b):
    """A and B linked through an invitation that A sent and B accepted."""
    couple = partner_a.user.partnerships.get().couple
    return Invitation.objects.create(
        couple=couple,
        invited_by=partner_a.user,
        email=partner_b.user.email,
        status=Invitation.Status.ACCEPTED,
        accepted_by=partner_b.user,
    )


@pytest.fixture
def casey_invitation(other_partner):
    """A live invitation in the other couple, to an address none of the personas holds."""
    invitation = Invitation.objects.create(
        couple=other_partner.user.partnerships.get().couple,
        invited_by=other_partner.user,
        email="eve@example.com",
        message="Casey's private note to Eve",
    )
    return invitation, invitation.issue_token()


def persona(request, role):
    return request.getfixturevalue(role)


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize(
    ("role", "status", "location"),
    [
        ("anonymous", 302, LOGIN),
        ("outsider", 302, "/space/start/"),
        ("partner_a", 200, None),
        ("partner_b", 200, None),
        ("other_partner", 200, None),
    ],
)
def test_home_access(request, linked, role, status, location):
    response = persona(request, role).client.get(reverse("home"))
    assert response.status_code == status
    if location:
        assert response["Location"].startswith(location)
    if role == "other_partner":
        # Casey sees Casey's own space, and nothing of Alex and Blake's.
        assert b"Alex" not in response.content
        assert b"Blake" not in response.content
    if role in ("partner_a", "partner_b"):
        assert b"Alex" in response.content
        assert b"Blake" in response.content


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("outsider", 200),
        ("partner_a", 302),
        ("partner_b", 302),
        ("other_partner", 302),
    ],
)
def test_couple_start_page_access(request, linked, role, status):
    response = persona(request, role).client.get(reverse("couple_start"))
    assert response.status_code == status
    if role == "anonymous":
        assert_login_redirect(response)
    elif status == 302:
        assert response["Location"] == reverse("home")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("partner_a", 302),
        ("partner_b", 302),
        ("other_partner", 302),
    ],
)
def test_couple_role_access(request, linked, role, status):
    response = persona(request, role).client.post(reverse("couple_role"), {"role": "mutual"})
    assert response.status_code == status
    if role == "anonymous":
        assert_login_redirect(response)


@pytest.mark.parametrize(
    ("role", "status"),
    # A and B are linked, so their invite page sends them home; Casey's partner has not joined.
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("partner_a", 302),
        ("partner_b", 302),
        ("other_partner", 200),
    ],
)
def test_partner_invite_access(request, linked, role, status):
    response = persona(request, role).client.get(reverse("partner_invite"))
    assert response.status_code == status
    if role == "anonymous":
        assert_login_redirect(response)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("partner_a", 200),
        ("partner_b", 200),
        ("other_partner", 200),
    ],
)
def test_couple_panel_access(request, linked, casey_invitation, role, status):
    response = persona(request, role).client.get(reverse("couple_panel"))
    assert response.status_code == status
    if role == "anonymous":
        assert_login_redirect(response)
    if role in ("partner_a", "partner_b"):
        assert b"eve@example.com" not in response.content
    if role == "other_partner":
        assert b"eve@example.com" in response.content
        assert b"Alex" not in response.content


@pytest.mark.parametrize("action", ["invitation_resend", "invitation_cancel"])
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("partner_a", 404),
        ("partner_b", 404),
        ("other_partner", 302),
    ],
)
def test_invitation_actions_only_for_the_inviting_couple(
    request, linked, casey_invitation, action, role, status
):
    invitation, _ = casey_invitation
    response = persona(request, role).client.post(reverse(action, args=[invitation.pk]))
    assert response.status_code == status
    if role == "anonymous":
        assert_login_redirect(response)
    invitation.refresh_from_db()
    if role == "other_partner":
        assert invitation.status != Invitation.Status.PENDING
    else:
        assert invitation.status == Invitation.Status.PENDING


@pytest.mark.parametrize("action", ["invitation_resend", "invitation_cancel"])
@pytest.mark.parametrize("role", ["partner_a", "partner_b"])
def test_both_partners_may_act_on_their_couples_invitations(request, linked, action, role):
    # The accepted invitation is no longer waiting: the action is allowed, and politely refused.
    response = persona(request, role).client.post(reverse(action, args=[linked.pk]), follow=True)
    assert response.status_code == 200
    assert b"no longer waiting" in response.content
    linked.refresh_from_db()
    assert linked.status == Invitation.Status.ACCEPTED


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("partner_a", 200),
        ("partner_b", 200),
        ("other_partner", 200),
    ],
)
def test_couple_end_page_access(request, linked, role, status):
    response = persona(request, role).client.get(reverse("couple_end"))
    assert response.status_code == status
    if role == "anonymous":
        assert_login_redirect(response)


@pytest.mark.parametrize(
    ("role", "heading"),
    [
        ("anonymous", b"Casey invited you"),
        ("outsider", b"sent to a different address"),
        ("partner_a", b"already in a shared space"),
        ("partner_b", b"already in a shared space"),
        ("other_partner", b"your own invitation"),
    ],
)
def test_invitation_page_access(request, linked, casey_invitation, role, heading):
    _, token = casey_invitation
    response = persona(request, role).client.get(reverse("invitation", args=[token]))
    assert response.status_code == 200
    assert heading in response.content
    # The personal note is only for the invited account, which none of these is.
    assert b"Casey&#x27;s private note" not in response.content
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("outsider", 409),
        ("partner_a", 409),
        ("partner_b", 409),
        ("other_partner", 409),
    ],
)
def test_invitation_accept_access(request, linked, casey_invitation, role, status):
    invitation, token = casey_invitation
    response = persona(request, role).client.post(
        reverse("invitation_accept", args=[token]), {"role": "mutual"}
    )
    assert response.status_code == status
    if role == "anonymous":
        assert_login_redirect(response)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING
    assert invitation.couple.partnerships.active().count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_public_pages_open_to_everyone(request, role):
    client = persona(request, role).client
    assert client.get(reverse("help")).status_code == 200
    landing = client.get(reverse("landing"))
    assert landing.status_code == (200 if role == "anonymous" else 302)
