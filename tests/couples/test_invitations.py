import hashlib
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from couples.models import CounselorProfile, Couple, Invitation, Partnership, Role
from couples.services import (
    AlreadyInCouple,
    CoupleError,
    InvitationProblem,
    InvitationRefused,
    accept_invitation,
    cancel_invitation,
    end_couple,
    invitation_problem,
    invite_partner,
    resend_invitation,
    start_couple,
)

LINK = re.compile(r"https://trustapp\.test/invitation/([A-Za-z0-9_-]+)/")


def send_invitation(partnership, email, django_capture_on_commit_callbacks, message=""):
    """Invite through the service, run the after-commit email task, return (invitation, token)."""
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite_partner(partnership=partnership, email=email, message=message)
    token = LINK.search(mail.outbox[-1].body).group(1)
    invitation.refresh_from_db()
    return invitation, token


@pytest.fixture
def alex_partnership(partner_a):
    return partner_a.user.partnerships.get()


@pytest.fixture
def invited(make_user):
    return make_user("blake@example.com", "Blake")


def test_start_couple_makes_the_user_its_first_partner(make_user):
    user = make_user("sam@example.com", "Sam")
    partnership = start_couple(user=user, role=Role.BROKE_TRUST)
    assert partnership.seat == 1
    assert partnership.role == Role.BROKE_TRUST
    assert partnership.couple.is_active


def test_a_user_cannot_start_a_second_couple(partner_a):
    with pytest.raises(AlreadyInCouple):
        start_couple(user=partner_a.user, role=Role.HURT)
    assert Couple.objects.count() == 1


def test_token_is_32_random_bytes_stored_only_as_its_hash(
    alex_partnership, django_capture_on_commit_callbacks
):
    invitation, token = send_invitation(
        alex_partnership, "blake@example.com", django_capture_on_commit_callbacks
    )
    assert len(token) == 43  # token_urlsafe(32): 32 bytes, base64 without padding
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert token not in str(stored)


def test_an_invitation_records_when_its_email_went_out(
    alex_partnership, django_capture_on_commit_callbacks
):
    before = timezone.now()
    invitation, _ = send_invitation(
        alex_partnership, "blake@example.com", django_capture_on_commit_callbacks
    )
    assert before <= invitation.sent_at <= timezone.now()


def test_invitation_expires_after_seven_days(alex_partnership, django_capture_on_commit_callbacks):
    invitation, _ = send_invitation(
        alex_partnership, "blake@example.com", django_capture_on_commit_callbacks
    )
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)


def test_invitation_email_is_text_and_html_with_absolute_links_from_site_url(
    alex_partnership, django_capture_on_commit_callbacks
):
    send_invitation(
        alex_partnership,
        "blake@example.com",
        django_capture_on_commit_callbacks,
        message="I want to try, for real this time.",
    )
    (email,) = mail.outbox
    assert email.to == ["blake@example.com"]
    assert "Alex invited you" in email.subject
    assert "I want to try, for real this time." in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert LINK.search(html)
    assert LINK.search(email.body)


def test_no_email_is_sent_if_the_transaction_rolls_back(
    alex_partnership, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                invite_partner(partnership=alex_partnership, email="blake@example.com")
                raise RuntimeError("something later in the request failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mail.outbox == []
    assert not Invitation.objects.exists()


def test_inviting_your_own_address_is_refused(alex_partnership):
    with pytest.raises(CoupleError, match="your own address"):
        invite_partner(partnership=alex_partnership, email="ALEX@example.com")


def test_a_new_invitation_retires_the_earlier_link(
    alex_partnership, invited, django_capture_on_commit_callbacks
):
    first, first_token = send_invitation(
        alex_partnership, "blak@example.com", django_capture_on_commit_callbacks
    )
    send_invitation(alex_partnership, "blake@example.com", django_capture_on_commit_callbacks)
    first.refresh_from_db()
    assert first.status == Invitation.Status.CANCELLED
    with pytest.raises(InvitationRefused) as refused:
        accept_invitation(token=first_token, user=invited, role=Role.MUTUAL)
    assert refused.value.problem == InvitationProblem.CANCELLED


def test_accepting_links_the_two_accounts_and_emails_the_inviter(
    alex_partnership, invited, django_capture_on_commit_callbacks
):
    invitation, token = send_invitation(
        alex_partnership, "blake@example.com", django_capture_on_commit_callbacks
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        partnership = accept_invitation(token=token, user=invited, role=Role.BROKE_TRUST)
    assert partnership.couple == alex_partnership.couple
    assert partnership.seat == 2
    assert partnership.role == Role.BROKE_TRUST
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.accepted_by == invited
    (email,) = mail.outbox
    assert email.to == ["alex@example.com"]
    assert "Blake joined" in email.subject
    assert "https://trustapp.test/space/" in email.body


def test_a_token_works_only_once(
    alex_partnership, invited, make_user, django_capture_on_commit_callbacks
):
    _, token = send_invitation(
        alex_partnership, "blake@example.com", django_capture_on_commit_callbacks
    )
    accept_invitation(token=token, user=invited, role=Role.MUTUAL)
    with pytest.raises(InvitationRefused) as refused:
        accept_invitation(token=token, user=invited, role=Role.MUTUAL)
    assert refused.value.problem == InvitationProblem.ALREADY_JOINED
    stranger = make_user("eve@example.com", "Eve")
    with pytest.raises(InvitationRefused) as refused:
        accept_invitation(token=token, user=stranger, role=Role.MUTUAL)
    assert refused.value.problem == InvitationProblem.USED


def test_an_expired_link_is_refused(alex_partnership, invited, django_capture_on_commit_callbacks):
    invitation, token = send_invitation(
        alex_partnership, "blake@example.com", django_capture_on_commit_callbacks
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    with pytest.raises(InvitationRefused) as refused:
        accept_invitation(token=token, user=invited, role=Role.MUTUAL)
    assert refused.value.problem == InvitationProblem.EXPIRED
    assert not Partnership.objects.filter(user=invited).exists()


def test_resend_sends_a_new_link_and_kills_the_old_one(
    alex_partnership, invited, django_capture_on_commit_callbacks
):
    invitation, old_token = send_invitation(
        alex_partnership, "blake@example.com", django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=True):
        new = resend_invitation(invitation=invitation)
    new_token = LINK.search(mail.outbox[-1].body).group(1)
    assert new_token != old_token
    with pytest.raises(InvitationRefused) as refused:
        accept_invitation(token=old_token, user=invited, role=Role.MUTUAL)
    assert refused.value.problem == InvitationProblem.REPLACED
    assert accept_invitation(token=new_token, user=invited, role=Role.MUTUAL).couple_id == (
        new.couple_id
    )


def test_cancel_kills_the_link(alex_partnership, invited, django_capture_on_commit_callbacks):
    invitation, token = send_invitation(
        alex_partnership, "blake@example.com", django_capture_on_commit_callbacks
    )
    cancel_invitation(invitation=invitation)
    with pytest.raises(InvitationRefused) as refused:
        accept_invitation(token=token, user=invited, role=Role.MUTUAL)
    assert refused.value.problem == InvitationProblem.CANCELLED


def test_a_cancelled_invitation_is_never_sent_by_a_late_worker(
    alex_partnership, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = invite_partner(partnership=alex_partnership, email="blake@example.com")
    cancel_invitation(invitation=invitation)
    for callback in callbacks:
        callback()
    assert mail.outbox == []
    invitation.refresh_from_db()
    assert invitation.token_hash is None


def test_a_forwarded_link_is_useless_to_another_account(
    alex_partnership, make_user, django_capture_on_commit_callbacks
):
    _, token = send_invitation(
        alex_partnership, "blake@example.com", django_capture_on_commit_callbacks
    )
    someone_else = make_user("eve@example.com", "Eve")
    with pytest.raises(InvitationRefused) as refused:
        accept_invitation(token=token, user=someone_else, role=Role.MUTUAL)
    assert refused.value.problem == InvitationProblem.WRONG_ACCOUNT


def test_the_invited_address_must_be_verified(
    alex_partnership, make_user, django_capture_on_commit_callbacks
):
    _, token = send_invitation(
        alex_partnership, "blake@example.com", django_capture_on_commit_callbacks
    )
    unverified = make_user("blake@example.com", "Blake", verified=False)
    with pytest.raises(InvitationRefused) as refused:
        accept_invitation(token=token, user=unverified, role=Role.MUTUAL)
    assert refused.value.problem == InvitationProblem.WRONG_ACCOUNT


def test_an_invitee_can_accept_with_a_second_verified_address(
    alex_partnership, make_user, django_capture_on_commit_callbacks
):
    from allauth.account.models import EmailAddress

    _, token = send_invitation(
        alex_partnership, "blake.work@example.com", django_capture_on_commit_callbacks
    )
    blake = make_user("blake@example.com", "Blake")
    EmailAddress.objects.create(user=blake, email="Blake.Work@example.com", verified=True)
    assert accept_invitation(token=token, user=blake, role=Role.HURT).seat == 2


def test_own_invitation_is_refused(alex_partnership, partner_a, django_capture_on_commit_callbacks):
    invitation, token = send_invitation(
        alex_partnership, "blake@example.com", django_capture_on_commit_callbacks
    )
    assert invitation_problem(invitation, partner_a.user) == InvitationProblem.OWN
    with pytest.raises(InvitationRefused):
        accept_invitation(token=token, user=partner_a.user, role=Role.MUTUAL)


def test_someone_already_in_a_couple_is_refused(
    alex_partnership, make_user, django_capture_on_commit_callbacks
):
    _, token = send_invitation(
        alex_partnership, "blake@example.com", django_capture_on_commit_callbacks
    )
    blake = make_user("blake@example.com", "Blake")
    start_couple(user=blake, role=Role.HURT)
    with pytest.raises(InvitationRefused) as refused:
        accept_invitation(token=token, user=blake, role=Role.MUTUAL)
    assert refused.value.problem == InvitationProblem.IN_ANOTHER_COUPLE


def test_an_unknown_token_is_refused(invited):
    with pytest.raises(InvitationRefused) as refused:
        accept_invitation(token="not-a-real-token", user=invited, role=Role.MUTUAL)
    assert refused.value.problem == InvitationProblem.NOT_FOUND


def test_a_full_couple_takes_no_third_partner(
    alex_partnership, partner_b, make_user, django_capture_on_commit_callbacks
):
    # An invitation left pending from before B joined (built directly: the service retires it).
    invitation = Invitation.objects.create(
        couple=alex_partnership.couple, invited_by=alex_partnership.user, email="eve@example.com"
    )
    token = invitation.issue_token()
    eve = make_user("eve@example.com", "Eve")
    with pytest.raises(InvitationRefused) as refused:
        accept_invitation(token=token, user=eve, role=Role.MUTUAL)
    assert refused.value.problem == InvitationProblem.SPACE_FULL
    assert alex_partnership.couple.partnerships.active().count() == 2


def test_database_refuses_a_third_seat(alex_partnership, partner_b, make_user):
    eve = make_user("eve@example.com", "Eve")
    with pytest.raises(IntegrityError), transaction.atomic():
        Partnership.objects.create(couple=alex_partnership.couple, user=eve, seat=3, role="hurt")
    with pytest.raises(IntegrityError), transaction.atomic():
        Partnership.objects.create(couple=alex_partnership.couple, user=eve, seat=2, role="hurt")


def test_database_refuses_a_second_active_couple_for_one_user(partner_a):
    other = Couple.objects.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        Partnership.objects.create(couple=other, user=partner_a.user, seat=1, role="hurt")


def test_ending_freezes_the_space_for_both_and_tells_the_partner(
    partner_a, partner_b, django_capture_on_commit_callbacks
):
    partnership = partner_b.user.partnerships.get()
    with django_capture_on_commit_callbacks(execute=True):
        end_couple(partnership=partnership)
    couple = Couple.objects.get(pk=partnership.couple_id)
    assert couple.ended_at is not None
    assert couple.ended_by == partner_b.user
    # Both still belong to the ended space, to read it, until they move on.
    assert Partnership.objects.active().filter(couple=couple).count() == 2
    (email,) = mail.outbox
    assert email.to == ["alex@example.com"]
    assert "Blake ended your shared space" in email.subject
    assert "Nothing has been deleted" in email.body
    # Either can start again; starting closes their place in the ended space.
    start_couple(user=partner_a.user, role=Role.HURT)
    start_couple(user=partner_b.user, role=Role.BROKE_TRUST)
    assert not Partnership.objects.active().filter(couple=couple).exists()


def test_someone_in_an_ended_space_can_accept_a_new_invitation(
    partner_a, partner_b, make_user, django_capture_on_commit_callbacks
):
    end_couple(partnership=partner_a.user.partnerships.get())
    other = start_couple(user=make_user("casey@example.com", "Casey"), role=Role.HURT)
    _, token = send_invitation(other, "blake@example.com", django_capture_on_commit_callbacks)
    joined = accept_invitation(token=token, user=partner_b.user, role=Role.MUTUAL)
    assert joined.couple == other.couple
    assert Partnership.objects.active().get(user=partner_b.user) == joined


def test_leaving_cancels_a_waiting_invitation(
    alex_partnership, invited, django_capture_on_commit_callbacks
):
    _, token = send_invitation(
        alex_partnership, "blake@example.com", django_capture_on_commit_callbacks
    )
    end_couple(partnership=alex_partnership)
    with pytest.raises(InvitationRefused) as refused:
        accept_invitation(token=token, user=invited, role=Role.MUTUAL)
    assert refused.value.problem == InvitationProblem.CANCELLED


def test_role_can_be_changed(alex_partnership):
    alex_partnership.change_role(Role.MUTUAL)
    alex_partnership.refresh_from_db()
    assert alex_partnership.role == Role.MUTUAL


def test_a_counselor_opening_a_partner_invitation_is_told_why_it_cannot_join(
    alex_partnership, make_user, client, django_capture_on_commit_callbacks
):
    _, token = send_invitation(
        alex_partnership, "dr.rivera@example.com", django_capture_on_commit_callbacks
    )
    counselor = make_user("dr.rivera@example.com", "Dr Rivera")
    CounselorProfile.objects.create(user=counselor, professional_name="Dr Rivera", practice="P")
    client.force_login(counselor)
    page = client.get(f"/invitation/{token}/").content.decode()
    assert "<h1>This account is a counselor's account</h1>" in page
    assert "stays apart from any couple" in page


def test_long_links_in_the_html_email_wrap_on_a_phone(
    alex_partnership, django_capture_on_commit_callbacks
):
    """An invitation link is one long word: without a break opportunity it widens the email
    past a phone's screen, and the reader has to scroll sideways to read the note."""
    send_invitation(alex_partnership, "blake@example.com", django_capture_on_commit_callbacks)
    (email,) = mail.outbox
    html, _ = email.alternatives[0]
    card = re.search(r'<div style="max-width:560px[^"]*"', html)
    assert card, html
    assert "overflow-wrap:anywhere" in card.group(0)
