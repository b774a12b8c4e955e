"""The counselor's summary shows what both partners agreed to, and provably nothing else."""

import pytest
from django.urls import reverse

from couples.services import record_consent
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
