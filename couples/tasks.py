from couples import emails
from couples.models import CounselorAccess, Couple, Invitation, Partnership
from couples.selectors import is_set_aside
from trustapp.accounts.models import User
from trustapp.tasks import email_task


@email_task
def send_partner_invitation(invitation_id: int) -> None:
    invitation = Invitation.objects.select_related("invited_by").get(pk=invitation_id)
    if invitation.status != Invitation.Status.PENDING:
        # Cancelled or replaced before the worker got to it: a dead link is not worth sending.
        return
    emails.partner_invitation(invitation, token=invitation.issue_token())


@email_task
def send_partner_joined(partnership_id: int) -> None:
    joined = Partnership.objects.select_related("user", "couple").get(pk=partnership_id)
    for other in (
        Partnership.objects.active()
        .select_related("user")
        .filter(couple=joined.couple)
        .exclude(pk=joined.pk)
    ):
        emails.partner_joined(to=other.user, joined=joined)


@email_task
def send_space_ended(couple_id: int, ended_by_id: int) -> None:
    couple = Couple.objects.get(pk=couple_id)
    ended_by = User.objects.get(pk=ended_by_id)
    for partnership in couple.partnerships.select_related("user").exclude(user=ended_by):
        emails.space_ended(to=partnership.user, ended_by=ended_by)


@email_task
def send_counselor_invitation(access_id: int) -> None:
    access = CounselorAccess.objects.select_related("invited_by", "couple").get(pk=access_id)
    if access.cancelled_at is not None or access.counselor_id is not None:
        return
    emails.counselor_invitation(access, token=access.issue_token())


@email_task
def send_consent_request(access_id: int, inviter_id: int) -> None:
    access = CounselorAccess.objects.select_related("invited_by").get(pk=access_id)
    for partnership in (
        Partnership.objects.active()
        .select_related("user")
        .filter(couple_id=access.couple_id)
        .exclude(user_id=inviter_id)
    ):
        # A partner whose safety comes first is never asked to take part; the request waits
        # on their sharing page.
        if not is_set_aside(partnership):
            emails.consent_request(to=partnership.user, access=access)


@email_task
def send_counselor_access_changed(access_id: int, change: str) -> None:
    access = CounselorAccess.objects.select_related("counselor").get(pk=access_id)
    if access.counselor is not None:
        emails.counselor_access_changed(to=access.counselor, access=access, change=change)
