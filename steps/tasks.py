from steps import emails
from steps.models import CheckInRound, Journey
from trustapp.accounts.models import User
from trustapp.tasks import email_task


def _quiet(check_in_round: CheckInRound) -> bool:
    """No emails while the couple has paused the process, or after the space ended."""
    couple = check_in_round.couple
    return (
        couple.ended_at is not None
        or Journey.objects.filter(couple=couple, paused_at__isnull=False).exists()
    )


@email_task
def send_partner_checked_in(round_id: int, author_id: int) -> None:
    check_in_round = CheckInRound.objects.select_related("couple").get(pk=round_id)
    if check_in_round.is_revealed or _quiet(check_in_round):
        return  # the partner answered meanwhile (the reveal email says it all), or all is paused
    author = User.objects.get(pk=author_id)
    for partnership in check_in_round.couple.partnerships.active().select_related("user"):
        if partnership.user_id != author_id and partnership.user.email_partner_updates:
            emails.partner_checked_in(to=partnership.user, partner=author, step=check_in_round.step)


@email_task
def send_check_in_revealed(round_id: int) -> None:
    check_in_round = CheckInRound.objects.select_related("couple").get(pk=round_id)
    if _quiet(check_in_round):
        return
    for partnership in check_in_round.couple.partnerships.active().select_related("user"):
        if partnership.user.email_partner_updates:
            emails.check_in_revealed(to=partnership.user, step=check_in_round.step)


@email_task
def send_partner_deleted_account(to_user_id: int, former_partner_name: str) -> None:
    recipient = User.objects.filter(pk=to_user_id).first()
    if recipient is not None:
        emails.partner_deleted_account(to=recipient, former_partner_name=former_partner_name)
