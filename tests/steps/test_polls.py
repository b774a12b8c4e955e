"""The pages' polls answer "nothing changed" with a 204 and the fewest reads: a partner's page
polls every four seconds for as long as it stays open, so most of the app's requests are these."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from couples.models import Partnership
from steps.models import CheckInRound
from steps.selectors import get_ledger_status
from steps.services import CheckInAnswer, add_question_entry, ask_question, submit_check_in
from tests.steps.helpers import HTMX, partnership_of

# The session, the user, and one indexed read of the poll's own state in the asker's own couple:
# no reflections, no steps, no tools, nothing that grows with the couple's history.
CHECK_IN_POLL_QUERIES = 3
LEDGER_POLL_QUERIES = 3


def tables_read(queries: CaptureQueriesContext) -> set[str]:
    # The main table of each query: the last FROM (the user's query has a subquery before it).
    return {query["sql"].rsplit(" FROM ", 1)[1].split()[0].strip('"') for query in queries}


@pytest.fixture
def waiting_poll(partner_a, partner_b) -> str:
    """Alex has checked in on step 1 and waits for Blake: the URL Alex's step page polls."""
    submit_check_in(
        partnership=partnership_of(partner_a), step=1, answer=CheckInAnswer(3, 5, False, "")
    )
    round_pk = CheckInRound.objects.get().pk
    return f"{reverse('check_in_state', args=[1])}?waiting_on={round_pk}"


def test_a_waiting_partners_poll_reads_only_who_asks_and_the_open_round(
    partner_a, waiting_poll
) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = partner_a.client.get(waiting_poll, **HTMX)
    assert response.status_code == 204
    assert len(queries) == CHECK_IN_POLL_QUERIES
    assert tables_read(queries) == {"trustapp_session_cache", "accounts_user", "steps_checkinround"}


def test_a_poll_with_another_couples_open_round_is_not_answered_for_them(
    partner_a, other_partner, waiting_poll
) -> None:
    # Casey polls with Alex's open round: no 204 that would tell Casey it is still open.
    response = other_partner.client.get(waiting_poll, **HTMX)
    assert response.status_code == 200
    assert "Alex" not in response.content.decode()


def test_a_poll_after_leaving_the_couple_is_not_answered(partner_a, waiting_poll) -> None:
    Partnership.objects.filter(user=partner_a.user).update(left_at=timezone.now())
    assert partner_a.client.get(waiting_poll, **HTMX).status_code != 204


@pytest.mark.parametrize("waiting_on", ["", "abc", "99999999999999999999999", "-1", " 1"])
def test_a_poll_for_no_open_round_draws_the_check_in(partner_a, waiting_poll, waiting_on) -> None:
    response = partner_a.client.get(
        reverse("check_in_state", args=[1]), {"waiting_on": waiting_on}, **HTMX
    )
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<section id="check-in"')


def test_the_poll_draws_the_reveal_once_the_partner_answers(
    partner_a, partner_b, waiting_poll
) -> None:
    submit_check_in(
        partnership=partnership_of(partner_b), step=1, answer=CheckInAnswer(4, 6, False, "hi")
    )
    response = partner_a.client.get(waiting_poll, **HTMX)
    assert response.status_code == 200
    assert "hi" in response.content.decode()


def test_an_unchanged_ledger_poll_is_one_read_and_a_204(partner_a, partner_b) -> None:
    ask_question(partnership=partnership_of(partner_b), text="Where were you?")
    seen = get_ledger_status(partnership_of(partner_a).couple).fingerprint
    url = f"{reverse('ledger_status')}?seen={seen}"
    with CaptureQueriesContext(connection) as queries:
        response = partner_a.client.get(url, **HTMX)
    assert response.status_code == 204
    assert len(queries) == LEDGER_POLL_QUERIES
    assert tables_read(queries) == {
        "trustapp_session_cache",
        "accounts_user",
        "couples_partnership",
    }
    assert "steps_question" in queries[-1]["sql"]


def test_an_empty_ledgers_poll_is_a_204_too(partner_a, partner_b) -> None:
    seen = get_ledger_status(partnership_of(partner_a).couple).fingerprint
    response = partner_a.client.get(reverse("ledger_status"), {"seen": seen}, **HTMX)
    assert response.status_code == 204


def test_a_ledger_poll_with_another_couples_fingerprint_draws_their_own_status(
    partner_a, partner_b, other_partner
) -> None:
    ask_question(partnership=partnership_of(partner_b), text="Where were you?")
    seen = get_ledger_status(partnership_of(partner_a).couple).fingerprint
    response = other_partner.client.get(reverse("ledger_status"), {"seen": seen}, **HTMX)
    assert response.status_code == 200
    assert "Where were you?" not in response.content.decode()


@pytest.mark.parametrize("seen", ["0-0", "1-0", ""])
def test_a_ledger_poll_from_someone_outside_a_couple_is_not_found(outsider, seen) -> None:
    response = outsider.client.get(reverse("ledger_status"), {"seen": seen}, **HTMX)
    assert response.status_code == 404


def test_a_ledger_poll_after_leaving_the_couple_is_not_answered(partner_a, partner_b) -> None:
    seen = get_ledger_status(partnership_of(partner_a).couple).fingerprint
    Partnership.objects.filter(user=partner_a.user).update(left_at=timezone.now())
    response = partner_a.client.get(reverse("ledger_status"), {"seen": seen}, **HTMX)
    assert response.status_code == 404


def test_a_ledger_poll_after_a_new_question_draws_the_status(partner_a, partner_b) -> None:
    seen = get_ledger_status(partnership_of(partner_a).couple).fingerprint
    ask_question(partnership=partnership_of(partner_b), text="Where were you?")
    response = partner_a.client.get(reverse("ledger_status"), {"seen": seen}, **HTMX)
    assert response.status_code == 200
    assert "1 unanswered" in response.content.decode()
    assert "Something changed" in response.content.decode()


def test_the_step_6_page_polls_with_the_fingerprint_the_poll_knows(partner_a, partner_b) -> None:
    # The page works its status out from the ledger it shows; the poll asks the database. If they
    # ever disagreed, every open step 6 page would see "Something changed" on its first poll.
    question = ask_question(partnership=partnership_of(partner_b), text="Where were you?")
    ask_question(partnership=partnership_of(partner_a), text="Why then?")
    add_question_entry(
        partnership=partnership_of(partner_a), question=question, kind="answer", text="At work."
    )
    page = partner_a.client.get(reverse("step_detail", args=[6])).content.decode()
    seen = re.search(re.escape(reverse("ledger_status")) + r'\?seen=([^"&]+)', page)
    assert seen is not None
    fingerprint = seen.group(1)
    assert fingerprint == get_ledger_status(partnership_of(partner_a).couple).fingerprint
    response = partner_a.client.get(reverse("ledger_status"), {"seen": fingerprint}, **HTMX)
    assert response.status_code == 204
