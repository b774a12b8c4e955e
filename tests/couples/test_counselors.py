import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from couples.models import AccessLogEntry, ConsentEvent, CounselorAccess, CounselorProfile
from couples.selectors import get_consent_state
from couples.services import (
    CounselorInvitationProblem,
    CounselorInvitationRefused,
    CoupleError,
    accept_counselor_invitation,
    end_couple,
    invite_counselor,
    record_consent,
    start_couple,
)
from tests.conftest import ALL_SCOPE

LINK = re.compile(r"https://trustapp\.test/counselor-invitation/([A-Za-z0-9_-]+)/")


@pytest.fixture
def counselor_user(make_user):
    user = make_user("sam@clinic.example", "Sam")
    CounselorProfile.objects.create(
        user=user, professional_name="Sam Rivera, LMFT", practice="Harbor"
    )
    return user


@pytest.fixture
def impostor(make_user):
    """A counselor account that does not hold the invited address."""
    user = make_user("eve@example.com", "Eve")
    CounselorProfile.objects.create(user=user, professional_name="Eve", practice="?")
    return user


def invite(partner, django_capture_on_commit_callbacks, *, scope=ALL_SCOPE, ends_on=None):
    with django_capture_on_commit_callbacks(execute=True):
        return invite_counselor(
            partnership=partner.user.partnerships.get(),
            email="sam@clinic.example",
            scope=scope,
            ends_on=ends_on,
        )


def counselor_link(access) -> str:
    """The token from the counselor's invitation email (sent once both partners consented)."""
    (sent,) = [m for m in mail.outbox if "sam@clinic.example" in m.to]
    return LINK.search(sent.body).group(1)


def invite_with_both_consents(
    partner_a, partner_b, django_capture_on_commit_callbacks, *, scope=ALL_SCOPE
):
    access = invite(partner_a, django_capture_on_commit_callbacks)
    consent(partner_b, access, django_capture_on_commit_callbacks, scope=scope)
    return access, counselor_link(access)


def consent(
    partner,
    access,
    django_capture_on_commit_callbacks,
    action="grant",
    scope=ALL_SCOPE,
    ends_on=None,
):
    with django_capture_on_commit_callbacks(execute=True):
        return record_consent(
            partnership=partner.user.partnerships.get(),
            access=access,
            action=action,
            scope=scope,
            ends_on=ends_on,
        )


def test_inviting_asks_the_other_partner_and_tells_the_counselor_nothing(
    partner_a, partner_b, django_capture_on_commit_callbacks
):
    access = invite(partner_a, django_capture_on_commit_callbacks)
    # Until Blake consents, nothing about the couple (not even who asked) reaches the counselor.
    assert [m for m in mail.outbox if "sam@clinic.example" in m.to] == []
    request = next(m for m in mail.outbox if "blake@example.com" in m.to)
    assert "asks whether a counselor may see your space" in request.subject
    assert "https://trustapp.test/space/sharing/" in request.body
    # The inviter consented by inviting; the other has not: nothing is shared yet.
    state = get_consent_state(access)
    assert state.consent_of(partner_a.user.pk).allows
    assert state.consent_of(partner_b.user.pk) is None
    assert state.effective_scope is None
    for partner in (partner_a, partner_b):
        sharing = " ".join(partner.client.get(reverse("sharing")).content.decode().split())
        assert "sam@clinic.example" in sharing


def test_the_counselor_is_emailed_once_the_second_partner_consents(
    partner_a, partner_b, django_capture_on_commit_callbacks
):
    access = invite(partner_a, django_capture_on_commit_callbacks)
    consent(partner_b, access, django_capture_on_commit_callbacks)
    token = counselor_link(access)
    access.refresh_from_db()
    assert access.sent_at is not None
    assert access.token_hash and token not in str(
        CounselorAccess.objects.filter(pk=access.pk).values().get()
    )
    # A later change of consent never sends a second invitation.
    consent(partner_b, access, django_capture_on_commit_callbacks, action="change", scope=[])
    consent(partner_b, access, django_capture_on_commit_callbacks, action="change")
    assert len([m for m in mail.outbox if "sam@clinic.example" in m.to]) == 1


def test_a_request_declined_by_the_second_partner_never_reaches_the_counselor(
    partner_a, partner_b, django_capture_on_commit_callbacks
):
    access = invite(partner_a, django_capture_on_commit_callbacks)
    consent(partner_b, access, django_capture_on_commit_callbacks, action="revoke")
    assert [m for m in mail.outbox if "sam@clinic.example" in m.to] == []
    access.refresh_from_db()
    assert access.sent_at is None


def test_access_is_live_only_once_the_counselor_accepted_and_both_consented(
    partner_a, partner_b, counselor_user, django_capture_on_commit_callbacks
):
    access, token = invite_with_both_consents(
        partner_a, partner_b, django_capture_on_commit_callbacks, scope=["questions"]
    )
    access.refresh_from_db()
    assert get_consent_state(access).live_scope is None
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        accept_counselor_invitation(token=token, user=counselor_user)
    access.refresh_from_db()
    state = get_consent_state(access)
    # The effective scope is what both agreed to: the minimum plus the overlap.
    assert state.live_scope == ["progress", "questions"]


def test_the_sharing_page_never_says_both_consented_before_both_did(
    partner_a, partner_b, counselor_without_consent
):
    for partner in (partner_a, partner_b):
        content = partner.client.get(reverse("sharing")).content.decode()
        assert "Cannot see anything" in content
        assert "You have both consented" not in content
        assert "Can see your summary" not in content
    assert "Blake: has not answered yet" in " ".join(
        partner_a.client.get(reverse("sharing")).content.decode().split()
    )


def test_either_partner_can_narrow_and_the_counselor_is_told(
    counselor, partner_b, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    consent(
        partner_b, counselor.access, django_capture_on_commit_callbacks, action="change", scope=[]
    )
    assert get_consent_state(counselor.access).live_scope == ["progress"]
    (narrowed,) = mail.outbox
    assert "has changed" in narrowed.subject
    assert "narrowed" in narrowed.body


def test_revoking_ends_access_at_once_and_tells_the_counselor(
    counselor, partner_a, django_capture_on_commit_callbacks
):
    url = reverse("counselor_summary", args=[counselor.access.pk])
    assert counselor.client.get(url).status_code == 200
    mail.outbox.clear()
    consent(partner_a, counselor.access, django_capture_on_commit_callbacks, action="revoke")
    assert counselor.client.get(url).status_code == 403
    (ended,) = mail.outbox
    assert "has ended" in ended.subject


def test_consent_lapses_by_itself_after_its_end_date(
    counselor, partner_a, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    consent(
        partner_a,
        counselor.access,
        django_capture_on_commit_callbacks,
        action="change",
        scope=ALL_SCOPE,
        ends_on=today,
    )
    url = reverse("counselor_summary", args=[counselor.access.pk])
    assert counselor.client.get(url).status_code == 200
    ConsentEvent.objects.filter(partner=partner_a.user).update(ends_on=today - timedelta(days=1))
    assert counselor.client.get(url).status_code == 403
    content = " ".join(partner_a.client.get(reverse("sharing")).content.decode().split())
    assert "You: consent lapsed on" in content


def test_ending_the_space_closes_every_counselor(counselor, partner_a):
    end_couple(partnership=partner_a.user.partnerships.get())
    assert (
        counselor.client.get(reverse("counselor_summary", args=[counselor.access.pk])).status_code
        == 403
    )


def test_every_view_and_refusal_is_logged_and_both_partners_see_it(
    counselor, partner_a, partner_b, django_capture_on_commit_callbacks
):
    url = reverse("counselor_summary", args=[counselor.access.pk])
    counselor.client.get(url)
    consent(partner_b, counselor.access, django_capture_on_commit_callbacks, action="revoke")
    counselor.client.get(url)
    log = list(AccessLogEntry.objects.order_by("viewed_at", "pk"))
    assert [entry.allowed for entry in log] == [True, False]
    assert log[0].path == url
    for partner in (partner_a, partner_b):
        content = partner.client.get(reverse("sharing")).content.decode()
        assert "Dr. Morgan" in content
        assert "Viewed" in content and "Refused: no consent" in content
        assert "withdrew consent" in content  # the consent history says who changed what


def test_a_counselor_can_never_be_a_partner(
    counselor_user, partner_a, django_capture_on_commit_callbacks
):
    with pytest.raises(CoupleError):
        start_couple(user=counselor_user, role="hurt")
    from django.test import Client

    client = Client()
    client.force_login(counselor_user)
    assert client.get(reverse("couple_start"))["Location"] == reverse("counselor_dashboard")
    assert client.get(reverse("home"))["Location"] == reverse("counselor_dashboard")
    assert client.get(reverse("step_detail", args=[1])).status_code == 404
    assert (
        client.post(
            reverse("check_in_submit", args=[1]), {"feeling": 3, "trust": 5, "ready": "yes"}
        ).status_code
        == 404
    )
    assert client.post(reverse("reflection_create", args=[1]), {"text": "x"}).status_code == 404


def test_a_partner_account_cannot_become_a_counselor(partner_a):
    response = partner_a.client.post(
        reverse("counselor_profile"), {"professional_name": "X", "practice": "Y"}
    )
    assert b"A counselor needs an account of their own" in response.content
    assert not CounselorProfile.objects.exists()


def test_counselor_invitation_link_works_only_for_the_invited_address(
    partner_a, partner_b, impostor, django_capture_on_commit_callbacks
):
    _, token = invite_with_both_consents(partner_a, partner_b, django_capture_on_commit_callbacks)
    with pytest.raises(CounselorInvitationRefused) as refused:
        accept_counselor_invitation(token=token, user=impostor)
    assert refused.value.problem == CounselorInvitationProblem.WRONG_ACCOUNT


def assert_accept_refused(client, access: CounselorAccess, token: str, why: str) -> None:
    response = client.post(reverse("counselor_invitation_accept", args=[token]))
    assert response.status_code == 409
    assert why in response.content.decode()
    access.refresh_from_db()
    assert access.counselor is None


def test_an_expired_counselor_link_is_gone_and_says_so(
    partner_a, partner_b, counselor_user, django_capture_on_commit_callbacks, client
):
    access, token = invite_with_both_consents(
        partner_a, partner_b, django_capture_on_commit_callbacks
    )
    CounselorAccess.objects.filter(pk=access.pk).update(expires_at=timezone.now())
    path = reverse("counselor_invitation", args=[token])

    page = client.get(path)
    assert page.status_code == 410
    assert "This invitation has expired" in page.content.decode()
    client.force_login(counselor_user)
    assert_accept_refused(client, access, token, "This invitation has expired")


def test_a_withdrawn_counselor_link_is_gone_and_says_so(
    partner_a, partner_b, django_capture_on_commit_callbacks, client
):
    access, token = invite_with_both_consents(
        partner_a, partner_b, django_capture_on_commit_callbacks
    )
    CounselorAccess.objects.filter(pk=access.pk).update(cancelled_at=timezone.now())

    page = client.get(reverse("counselor_invitation", args=[token]))
    assert page.status_code == 410
    assert "This invitation is closed" in page.content.decode()


def test_accepting_from_the_wrong_account_shows_why_and_joins_nothing(
    partner_a, partner_b, impostor, django_capture_on_commit_callbacks, client
):
    access, token = invite_with_both_consents(
        partner_a, partner_b, django_capture_on_commit_callbacks
    )
    client.force_login(impostor)

    assert_accept_refused(client, access, token, "This invitation was sent to a different address")


def test_a_new_counselor_signs_up_completes_a_profile_and_accepts(
    partner_a, partner_b, make_user, django_capture_on_commit_callbacks, client
):
    _, token = invite_with_both_consents(partner_a, partner_b, django_capture_on_commit_callbacks)
    path = f"/counselor-invitation/{token}/"
    page = client.get(path)
    assert b"Alex invited you as their counselor" in page.content
    sam = make_user("sam@clinic.example", "Sam")
    client.force_login(sam)
    assert b"Complete your counselor profile" in client.get(path).content
    response = client.post(
        reverse("counselor_profile"),
        {
            "professional_name": "Sam Rivera, LMFT",
            "practice": "Harbor Counseling",
            "credentials": "",
        },
    )
    assert response["Location"] == path
    response = client.post(path + "accept/")
    assert response["Location"] == reverse("counselor_dashboard")
    dashboard = client.get(reverse("counselor_dashboard")).content.decode()
    # Both partners consented before the link was sent, so the couple is open at once.
    assert "Alex and Blake" in dashboard
    # The link is single use.
    assert client.get(path).status_code == 200
    assert b"already been accepted" in client.get(path).content


def test_dashboard_lists_live_couples_with_step_and_activity_and_others_without_data(
    counselor, counselor_without_consent
):
    live = counselor.client.get(reverse("counselor_dashboard")).content.decode()
    assert "Alex and Blake" in live
    assert "On step 1" in live
    pending = counselor_without_consent.client.get(reverse("counselor_dashboard")).content.decode()
    assert "Waiting for both partners" in pending
    assert "Blake" not in pending
    assert "On step" not in pending


def test_consent_form_errors_keep_the_page(partner_a, counselor_without_consent):
    response = partner_a.client.post(
        reverse("consent_update", args=[counselor_without_consent.access.pk]),
        {"scope": ["questions"], "ends_on": "2001-01-01"},
    )
    assert response.status_code == 200
    assert b"Choose today or a later date." in response.content
