"""Both partners checking in at the same instant, on real PostgreSQL row locks."""

import pytest
from django.core import mail
from django.db import connection

from couples.models import Partnership, Role
from couples.services import start_couple
from steps.models import CheckIn, CheckInRound, StepCompletion
from steps.services import CheckInAnswer, submit_check_in
from tests.threads import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL"),
]


@pytest.mark.parametrize("attempt", range(5))
def test_simultaneous_answers_reveal_exactly_once_and_lose_nothing(make_user, attempt):
    alex = start_couple(user=make_user("alex@example.com", "Alex"), role=Role.HURT)
    blake = Partnership.objects.create(
        couple=alex.couple, user=make_user("blake@example.com", "Blake"), seat=2, role="mutual"
    )

    results = run_together(
        lambda: submit_check_in(
            partnership=alex, step=1, answer=CheckInAnswer(feeling=2, trust=3, ready=True, note="A")
        ),
        lambda: submit_check_in(
            partnership=blake,
            step=1,
            answer=CheckInAnswer(feeling=4, trust=8, ready=True, note="B"),
        ),
    )

    assert all(isinstance(result, CheckIn) for result in results), results
    (check_in_round,) = CheckInRound.objects.all()
    assert check_in_round.revealed_at is not None
    assert sorted(check_in_round.check_ins.values_list("note", flat=True)) == ["A", "B"]
    assert StepCompletion.objects.filter(couple=alex.couple, step=1).count() == 1
    # Exactly one reveal email, to the partner whose answer did not open the round: the other
    # saw the answers open on their own screen. (The first answer to commit may also have
    # nudged the other partner, if its task ran before the second committed: that is true news.)
    revealed = [m for m in mail.outbox if "revealed" in m.subject]
    assert len(revealed) == 1, [m.to for m in revealed]
    assert revealed[0].to[0] in {"alex@example.com", "blake@example.com"}
    nudges = [m for m in mail.outbox if "checked in" in m.subject]
    assert len(nudges) <= 1, [m.subject for m in mail.outbox]
