"""Step 6, "trickle truth": a partner puts on the table something that had not come out before.
It is marked as told later for both of them, waits for the other's response like a question,
and the page says what that does to the process without shaming either of them."""

from django.urls import reverse

from couples.services import end_couple
from steps.models import Question, QuestionEntry, SafetyCheck
from steps.selectors import get_ledger_status
from steps.services import add_question_entry, ask_question, tell_later
from tests.steps.helpers import HTMX, partnership_of

TOLD = "There was one more time, in March, that I never told you about."
STEP_6 = "/space/steps/6/"


def test_the_partner_who_tells_sees_the_guidance_first(partner_a, partner_b) -> None:
    page = partner_b.client.get(STEP_6).content.decode()
    assert "Something that has not come out before" in page
    assert "better told by you, now, than found out later" in page
    assert "It is not the beginning" in page


def test_what_is_told_later_is_marked_for_both_and_waits_for_a_response(
    partner_a, partner_b
) -> None:
    before = get_ledger_status(partnership_of(partner_a).couple)
    response = partner_b.client.post(reverse("told_later"), {"text": TOLD})
    assert response.status_code == 302
    told = Question.objects.get()
    assert (told.asked_by, told.told_later) == (partner_b.user, True)

    after = get_ledger_status(partnership_of(partner_a).couple)
    assert after.fingerprint != before.fingerprint  # Alex's open step 6 page hears of it
    assert after.unanswered == 1
    alex = partner_a.client.get(STEP_6).content.decode()
    assert TOLD in alex
    assert "Blake told" in alex and "Told later" in alex
    assert "It is all right to feel shaken" in alex
    assert ">Respond</summary>" in alex
    blake = partner_b.client.get(STEP_6).content.decode()
    assert "You told" in blake and ">Add to what you told</summary>" in blake
    assert "It is all right to feel shaken" not in blake


def test_the_response_and_additions_follow_the_questions_rules(partner_a, partner_b) -> None:
    told = tell_later(partnership=partnership_of(partner_b), text=TOLD)
    response = partner_a.client.post(
        reverse("question_respond", args=[told.pk]),
        {"kind": "answer", "text": "Thank you for telling me."},
    )
    assert response.status_code == 302
    told.refresh_from_db()
    assert get_ledger_status(told.couple).unanswered == 0
    alex = partner_a.client.get(STEP_6).content.decode()
    assert "Responded to" in alex and "It is all right to feel shaken" not in alex
    add_question_entry(
        partnership=partnership_of(partner_b),
        question=told,
        kind="follow_up",
        text="And once more.",
    )
    assert "Added to it" in partner_a.client.get(STEP_6).content.decode()
    # Only the one who told adds to it; only the other responds.
    page = partner_a.client.post(
        reverse("question_respond", args=[told.pk]), {"kind": "follow_up", "text": "x"}, **HTMX
    ).content.decode()
    assert "Only the partner who asked can ask again." in page
    assert QuestionEntry.objects.filter(question=told).count() == 2


def test_an_empty_or_too_long_telling_is_refused_and_the_words_kept(partner_a, partner_b) -> None:
    response = partner_b.client.post(reverse("told_later"), {"text": "   "}, **HTMX)
    assert "Write something first." in response.content.decode()
    long = "kept words " * 400
    response = partner_b.client.post(reverse("told_later"), {"text": long}, **HTMX)
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<section id="tool"')
    assert "4,000 characters" in fragment and "kept words kept words" in fragment
    assert '<details class="told-later" open' in fragment
    assert not Question.objects.exists()


def test_under_htmx_the_tool_is_drawn_again_with_it(partner_a, partner_b) -> None:
    response = partner_b.client.post(reverse("told_later"), {"text": TOLD}, **HTMX)
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<section id="tool"')
    assert TOLD in fragment and "Told later" in fragment


def test_a_partner_set_aside_for_safety_can_not_tell_through_the_app(partner_a, partner_b) -> None:
    seat = partnership_of(partner_b)
    SafetyCheck.objects.create(
        user=partner_b.user, couple=seat.couple, afraid=True, pressured=False, harmed=False
    )
    response = partner_b.client.post(reverse("told_later"), {"text": TOLD}, **HTMX)
    assert "set aside for you" in response.content.decode()
    assert not Question.objects.exists()


def test_after_the_end_nothing_more_is_told(partner_a, partner_b) -> None:
    tell_later(partnership=partnership_of(partner_b), text=TOLD)
    end_couple(partnership=partnership_of(partner_a))
    page = partner_b.client.get(STEP_6).content.decode()
    assert TOLD in page and "Something that has not come out before" not in page
    response = partner_b.client.post(reverse("told_later"), {"text": "more"}, **HTMX)
    assert "This space has ended." in response.content.decode()


def test_a_counselor_with_the_ledger_in_scope_sees_it_marked(
    partner_a, partner_b, counselor
) -> None:
    tell_later(partnership=partnership_of(partner_b), text=TOLD)
    ask_question(partnership=partnership_of(partner_a), text="Why now?")
    page = counselor.client.get(
        reverse("counselor_summary", args=[counselor.access.pk])
    ).content.decode()
    assert TOLD in page and "Told later" in page


def test_the_export_says_what_was_told_later(partner_a, partner_b) -> None:
    tell_later(partnership=partnership_of(partner_b), text=TOLD)
    data = partner_a.client.get(reverse("data_export_json")).json()
    (question,) = data["spaces"][0]["questions"]
    assert (question["text"], question["told_later"]) == (TOLD, True)
