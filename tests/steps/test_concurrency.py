"""Both partners checking in at the same instant, on real PostgreSQL row locks."""

import threading
import time

import pytest
from django.core import mail
from django.db import connection, transaction

from couples.models import Couple, Partnership, Role
from couples.services import start_couple
from steps.models import CheckIn, CheckInRound, Pause, SafetyCheck, StepCompletion
from steps.services import CheckInAnswer, StepError, submit_check_in
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


def _wait_for_a_statement_waiting_on_a_lock() -> None:
    for _ in range(250):
        with connection.cursor() as cursor:
            # Inside a transaction PostgreSQL keeps showing the activity it saw first.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)
    raise AssertionError("no statement came to wait on the couple's lock")


def _while_alex_waits_for_the_lock(alex: Partnership, change) -> object:  # type: ignore[no-untyped-def]
    """Blake holds the couple's lock (as every shared change does) while Alex's check-in comes
    to wait on it; Blake then makes `change` and commits. Returns what Alex's check-in gave."""
    locked = threading.Event()

    def blake() -> None:
        with transaction.atomic():
            Couple.objects.select_for_update().get(pk=alex.couple_id)
            locked.set()
            _wait_for_a_statement_waiting_on_a_lock()
            change()

    def alex_checks_in() -> object:
        assert locked.wait(timeout=10)
        return submit_check_in(
            partnership=alex, step=1, answer=CheckInAnswer(feeling=2, trust=3, ready=True)
        )

    blakes, alexs = run_together(blake, alex_checks_in)
    assert blakes is None, blakes
    return alexs


def test_a_check_in_that_waited_for_the_lock_sees_the_pause_made_meanwhile(make_user):
    alex = start_couple(user=make_user("alex@example.com", "Alex"), role=Role.HURT)
    blake = Partnership.objects.create(
        couple=alex.couple, user=make_user("blake@example.com", "Blake"), seat=2, role="mutual"
    )

    result = _while_alex_waits_for_the_lock(
        alex, lambda: Pause.objects.create(couple=alex.couple, partner=blake.user)
    )

    assert isinstance(result, StepError), result
    assert "paused" in str(result)
    assert not CheckIn.objects.exists()


def test_a_check_in_that_waited_for_the_lock_sees_a_safety_concern_raised_meanwhile(make_user):
    alex = start_couple(user=make_user("alex@example.com", "Alex"), role=Role.HURT)
    Partnership.objects.create(
        couple=alex.couple, user=make_user("blake@example.com", "Blake"), seat=2, role="mutual"
    )

    # Alex's own safety answer, sent from another tab while the check-in was on its way.
    result = _while_alex_waits_for_the_lock(
        alex,
        lambda: SafetyCheck.objects.create(
            user=alex.user, couple=alex.couple, afraid=True, pressured=False, harmed=False
        ),
    )

    assert isinstance(result, StepError), result
    assert "safety" in str(result)
    assert not CheckIn.objects.exists()
