"""The counselor's summary shows what both partners agreed to, and provably nothing else."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from couples.models import Partnership, Role
from couples.services import invite_counselor, record_consent, start_couple
from steps.services import (
    CheckInAnswer,
    add_commitment,
    add_focus_area,
    ask_question,
    save_apology_draft,
    send_apology,
    submit_check_in,
    write_reflection,
)
from tests.conftest import ALL_SCOPE

ITEMS = {
    "check_in_notes": "NOTE-FOR-PARTNER-7f3a",
    "questions": "QUESTION-TEXT-91bc",
    "apology": "SENT-APOLOGY-TEXT-2d4e",
    "commitments": "COMMITMENT-TEXT-5a6b",
    "plans": "PLAN-TEXT-8c9d",
}
NEVER = ["ALEX-PRIVATE-REFLECTION-3e1f", "BLAKE-UNSENT-DRAFT-0a0b"]


@pytest.fixture
def shared_history(partner_a, partner_b):
    alex = partner_a.user.partnerships.get()
    blake = partner_b.user.partnerships.get()
    submit_check_in(
        partnership=alex,
        step=1,
        answer=CheckInAnswer(feeling=2, trust=3, ready=True, note=ITEMS["check_in_notes"]),
    )
    submit_check_in(partnership=blake, step=1, answer=CheckInAnswer(feeling=4, trust=7, ready=True))
    ask_question(partnership=alex, text=ITEMS["questions"])
    save_apology_draft(partnership=blake, text=ITEMS["apology"])
    send_apology(partnership=blake)
    save_apology_draft(partnership=blake, text=NEVER[1])  # a newer draft, never sent
    add_commitment(partnership=blake, text=ITEMS["commitments"], review_on="2099-01-01")
    add_focus_area(partnership=alex, kind="money", title="", plan=ITEMS["plans"], next_action="")
    write_reflection(partnership=alex, step=1, text=NEVER[0])
    return alex, blake


def summary_html(counselor) -> str:
    response = counselor.client.get(reverse("counselor_summary", args=[counselor.access.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_full_scope_shows_every_shared_item_and_never_private_writing(counselor, shared_history):
    content = summary_html(counselor)
    for text in ITEMS.values():
        assert text in content
    for text in NEVER:
        assert text not in content
    assert "Alex" in content and "Blake" in content
    assert "3 of 10" in content and "7 of 10" in content
    assert "Trust over time" in content


@pytest.mark.parametrize("left_out", list(ITEMS))
def test_each_item_left_out_of_scope_is_absent(counselor, partner_b, shared_history, left_out):
    record_consent(
        partnership=partner_b.user.partnerships.get(),
        access=counselor.access,
        action="change",
        scope=[item for item in ALL_SCOPE if item != left_out],
    )
    content = summary_html(counselor)
    assert ITEMS[left_out] not in content
    for item, text in ITEMS.items():
        if item != left_out:
            assert text in content
    for text in NEVER:
        assert text not in content


def test_the_minimum_scope_shows_progress_and_ratings_only(counselor, partner_a, shared_history):
    record_consent(
        partnership=partner_a.user.partnerships.get(),
        access=counselor.access,
        action="change",
        scope=[],
    )
    content = summary_html(counselor)
    assert "3 of 10" in content  # ratings are the minimum
    assert "Done" in content  # step 1 was completed: both were ready
    for text in [*ITEMS.values(), *NEVER]:
        assert text not in content


def test_the_summary_prints_cleanly(counselor, shared_history):
    content = summary_html(counselor)
    assert 'class="breadcrumb no-print"' in content
    css = (counselor.client.get("/static/css/app.css").getvalue()).decode()
    assert "@media print" in css


def _another_couple_for(counselor, make_user, number: int, *, both_consent: bool):  # type: ignore[no-untyped-def]
    """A couple of two partners who invited the counselor; the second consents or not."""
    first = make_user(f"first{number}@example.com", f"First{number}")
    second = make_user(f"second{number}@example.com", f"Second{number}")
    seat = start_couple(user=first, role=Role.HURT)
    Partnership.objects.create(couple=seat.couple, user=second, seat=2, role=Role.BROKE_TRUST)
    access = invite_counselor(
        partnership=seat, email=counselor.user.email, scope=ALL_SCOPE, ends_on=None
    )
    access.counselor = counselor.user
    access.accepted_at = access.created_at
    access.save(update_fields=["counselor", "accepted_at"])
    if both_consent:
        record_consent(
            partnership=second.partnerships.get(), access=access, action="grant", scope=ALL_SCOPE
        )
    return seat


def _dashboard_queries(counselor) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        response = counselor.client.get(reverse("counselor_dashboard"))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_dashboard_queries_do_not_grow_with_the_number_of_couples(
    counselor, partner_a, partner_b, make_user
):
    submit_check_in(
        partnership=partner_a.user.partnerships.get(), step=1, answer=CheckInAnswer(3, 5, True, "")
    )
    submit_check_in(
        partnership=partner_b.user.partnerships.get(), step=1, answer=CheckInAnswer(3, 5, True, "")
    )
    one, _ = _dashboard_queries(counselor)
    second = _another_couple_for(counselor, make_user, 2, both_consent=True)
    ask_question(partnership=second, text="Where were you?")
    _another_couple_for(counselor, make_user, 3, both_consent=False)
    three, content = _dashboard_queries(counselor)
    assert three == one
    # Each couple shows its own facts, and the one without both consents shows none.
    assert content.count('data-testid="counselor-couple"') == 3
    assert "On step 2" in content and "On step 1" in content
    assert "First2 and Second2" in content
    assert "Second3" not in content and "Waiting for both partners' consent" in content
