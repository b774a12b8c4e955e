"""The counselor's pre-session brief: what changed in the consented scope since their last look
(summary or brief), printable, logged like every view, and never anything outside the scope."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from couples.models import AccessLogEntry
from couples.services import record_consent
from steps.services import (
    CheckInAnswer,
    add_commitment,
    add_focus_area,
    add_question_entry,
    ask_question,
    save_apology_draft,
    send_apology,
    submit_check_in,
    tell_later,
    write_reflection,
)
from tests.conftest import ALL_SCOPE
from tests.steps.helpers import partnership_of

OLD = "OLD-QUESTION-before-the-last-look"


def brief(counselor) -> str:  # type: ignore[no-untyped-def]
    response = counselor.client.get(reverse("counselor_brief", args=[counselor.access.pk]))
    assert response.status_code == 200
    return response.content.decode()


def look(counselor) -> None:  # type: ignore[no-untyped-def]
    response = counselor.client.get(reverse("counselor_summary", args=[counselor.access.pk]))
    assert response.status_code == 200


@pytest.fixture
def before_and_after(counselor, partner_a, partner_b):  # type: ignore[no-untyped-def]
    """Alex asks a question and they check in once; a week later the counselor reads a brief. Then
    more happens: a reveal with notes, an answer, something told later, an apology, a
    commitment, a plan, and Alex's private reflection."""
    alex, blake = partnership_of(partner_a), partnership_of(partner_b)
    start = timezone.now()
    with time_machine.travel(start - timedelta(days=10), tick=False):
        ask_question(partnership=alex, text=OLD)
        submit_check_in(partnership=alex, step=1, answer=CheckInAnswer(2, 3, False, "OLD-NOTE"))
        submit_check_in(partnership=blake, step=1, answer=CheckInAnswer(3, 4, False, ""))
    with time_machine.travel(start - timedelta(days=7), tick=False):
        brief(counselor)
    with time_machine.travel(start - timedelta(days=3), tick=False):
        submit_check_in(partnership=alex, step=1, answer=CheckInAnswer(4, 6, True, "NEW-NOTE"))
        submit_check_in(partnership=blake, step=1, answer=CheckInAnswer(4, 8, True, ""))
        question = ask_question(partnership=alex, text="NEW-QUESTION")
        add_question_entry(partnership=blake, question=question, kind="answer", text="NEW-ANSWER")
        tell_later(partnership=blake, text="NEW-TOLD-LATER")
        save_apology_draft(partnership=blake, text="NEW-APOLOGY")
        send_apology(partnership=blake)
        save_apology_draft(partnership=blake, text="UNSENT-DRAFT")
        add_commitment(partnership=blake, text="NEW-COMMITMENT", review_on="2099-01-01")
        add_focus_area(partnership=alex, kind="money", title="", plan="NEW-PLAN", next_action="")
        write_reflection(partnership=alex, step=1, text="ALEX-PRIVATE-REFLECTION")
    return start


def test_the_brief_shows_only_what_changed_since_the_last_look(counselor, before_and_after) -> None:
    page = brief(counselor)
    assert "What changed since your last brief" in page
    for new in ("NEW-NOTE", "NEW-QUESTION", "NEW-ANSWER", "NEW-TOLD-LATER", "NEW-APOLOGY"):
        assert new in page, new
    assert "NEW-COMMITMENT" in page and "NEW-PLAN" in page
    assert "Moved on from step 1" in page  # both were ready in the new round
    assert (
        "Alex&#x27;s trust: 3 then, 6 of 10 now." in page
        or "Alex's trust: 3 then, 6 of 10 now." in page
    )
    for old in (OLD, "OLD-NOTE"):
        assert old not in page, old
    for never in ("ALEX-PRIVATE-REFLECTION", "UNSENT-DRAFT"):
        assert never not in page


def test_opening_the_summary_on_the_way_does_not_empty_the_brief(
    counselor, before_and_after
) -> None:
    look(counselor)
    assert "NEW-QUESTION" in brief(counselor)


def test_the_brief_opened_again_in_the_same_sitting_shows_the_same(
    counselor, before_and_after
) -> None:
    first = brief(counselor)
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        again = brief(counselor)
    assert "NEW-QUESTION" in first and "NEW-QUESTION" in again


def test_the_next_sittings_brief_starts_from_this_one(counselor, before_and_after) -> None:
    brief(counselor)
    with time_machine.travel(timezone.now() + timedelta(hours=4)):
        page = brief(counselor)
    assert "Nothing new since your last brief." in page
    assert "NEW-QUESTION" not in page


def test_the_first_look_shows_everything_shared(counselor, partner_a, partner_b) -> None:
    ask_question(partnership=partnership_of(partner_a), text=OLD)
    page = brief(counselor)
    assert "This is your first brief" in page
    assert OLD in page


@pytest.mark.parametrize(
    "left_out", ["check_in_notes", "questions", "apology", "commitments", "plans"]
)
def test_what_is_out_of_scope_is_never_in_the_brief(
    counselor, partner_b, before_and_after, left_out
) -> None:
    record_consent(
        partnership=partnership_of(partner_b),
        access=counselor.access,
        action="change",
        scope=[item for item in ALL_SCOPE if item != left_out],
    )
    page = brief(counselor)
    hidden = {
        "check_in_notes": ["NEW-NOTE"],
        "questions": ["NEW-QUESTION", "NEW-ANSWER", "NEW-TOLD-LATER"],
        "apology": ["NEW-APOLOGY"],
        "commitments": ["NEW-COMMITMENT"],
        "plans": ["NEW-PLAN"],
    }[left_out]
    for text in hidden:
        assert text not in page, text


def test_every_brief_is_logged_for_the_partners_to_see(
    counselor, partner_a, before_and_after
) -> None:
    brief(counselor)
    entry = AccessLogEntry.objects.filter(access=counselor.access).first()
    assert entry.path == f"/counselor/couples/{counselor.access.pk}/brief/" and entry.allowed
    sharing = partner_a.client.get(reverse("sharing")).content.decode()
    assert f"/counselor/couples/{counselor.access.pk}/brief/" in sharing or "Dr. Morgan" in sharing


def test_without_both_consents_the_brief_is_closed_and_the_refusal_logged(
    counselor_without_consent,
) -> None:
    url = reverse("counselor_brief", args=[counselor_without_consent.access.pk])
    response = counselor_without_consent.client.get(url)
    assert response.status_code == 403
    entry = AccessLogEntry.objects.get(access=counselor_without_consent.access)
    assert entry.allowed is False


def test_a_refused_look_does_not_move_the_starting_point(
    counselor, partner_b, before_and_after
) -> None:
    record_consent(
        partnership=partnership_of(partner_b), access=counselor.access, action="revoke", scope=[]
    )
    assert (
        counselor.client.get(reverse("counselor_brief", args=[counselor.access.pk])).status_code
        == 403
    )
    record_consent(
        partnership=partnership_of(partner_b),
        access=counselor.access,
        action="grant",
        scope=ALL_SCOPE,
    )
    assert "NEW-QUESTION" in brief(counselor)


def test_the_brief_prints_and_links_from_the_summary(counselor, before_and_after) -> None:
    page = brief(counselor)
    assert "data-print" in page and 'class="breadcrumb no-print"' in page
    summary = counselor.client.get(reverse("counselor_summary", args=[counselor.access.pk]))
    assert reverse("counselor_brief", args=[counselor.access.pk]) in summary.content.decode()


def test_others_can_not_open_a_counselors_brief(partner_a, outsider, counselor) -> None:
    url = reverse("counselor_brief", args=[counselor.access.pk])
    for who in (partner_a, outsider):
        assert who.client.get(url).status_code == 404
    assert counselor.client.post(url).status_code == 405
