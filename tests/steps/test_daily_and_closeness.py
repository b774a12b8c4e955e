"""The daily two-minute question (off by default, no counts) and the exercises in rebuilding
closeness: each answered privately or shared, shared answers shown once both have shared."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from couples.models import Partnership, Role
from couples.services import start_couple
from steps.content import get_steps
from steps.models import PromptAnswer, SafetyCheck
from steps.selectors import get_daily_question
from steps.services import CheckInAnswer, pause_journey, submit_check_in
from tests.steps.helpers import HTMX, partnership_of

TODAY = "/space/today/"
EXERCISE = "/space/closeness/three-things/"


def turn_on(*personas) -> None:  # type: ignore[no-untyped-def]
    for persona in personas:
        persona.user.daily_practice = True
        persona.user.save(update_fields=["daily_practice"])


def answer(persona, url: str, text: str, share: bool = False, **extra):  # type: ignore[no-untyped-def]
    data = {"text": text, **({"share": "on"} if share else {})}
    return persona.client.post(url, data, **extra)


def test_the_daily_question_is_off_until_turned_on(partner_a) -> None:
    page = partner_a.client.get(TODAY).content.decode()
    assert "It is off unless you turn it on" in page
    assert "nothing ever counts the days" in page
    assert answer(partner_a, TODAY, "x").status_code == 200
    assert not PromptAnswer.objects.exists()


def test_both_partners_get_the_same_question_from_their_step_each_day(partner_a, partner_b) -> None:
    turn_on(partner_a, partner_b)
    seat = partnership_of(partner_a)
    day = date(2026, 12, 7)
    question = get_daily_question(seat, day)
    assert question in get_steps()[0].daily
    assert question == get_daily_question(partnership_of(partner_b), day)
    following = {get_daily_question(seat, day + timedelta(days=n)) for n in range(4)}
    assert len(following) == 4  # a new one each day through the step's list
    with time_machine.travel("2026-12-07 10:00", tick=False):
        assert question in partner_a.client.get(TODAY).content.decode()


def test_a_private_answer_is_its_authors_alone_and_encrypted(partner_a, partner_b) -> None:
    turn_on(partner_a, partner_b)
    response = answer(partner_a, TODAY, "ALEX-DAILY-PRIVATE")
    assert response.status_code == 302
    assert "ALEX-DAILY-PRIVATE" in partner_a.client.get(TODAY).content.decode()
    answer(partner_b, TODAY, "BLAKE-DAILY", share=True)
    assert "ALEX-DAILY-PRIVATE" not in partner_b.client.get(TODAY).content.decode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM steps_promptanswer")
        assert all("DAILY" not in row[0] for row in cursor.fetchall())


def test_shared_answers_open_to_both_only_once_both_have_shared(partner_a, partner_b) -> None:
    turn_on(partner_a, partner_b)
    answer(partner_a, TODAY, "ALEX-SHARED", share=True)
    alex = partner_a.client.get(TODAY).content.decode()
    assert "You shared yours. If Blake shares theirs too" in alex
    assert "ALEX-SHARED" not in partner_b.client.get(TODAY).content.decode()
    answer(partner_b, TODAY, "BLAKE-SHARED", share=True)
    for persona in (partner_a, partner_b):
        page = persona.client.get(TODAY).content.decode()
        assert "ALEX-SHARED" in page and "BLAKE-SHARED" in page
    # Then both stay as they were.
    response = answer(partner_a, TODAY, "ALEX-CHANGED", share=True, **HTMX)
    assert "ALEX-CHANGED" not in partner_b.client.get(TODAY).content.decode()
    assert response.status_code == 200


def test_a_private_answer_does_not_open_the_partners_shared_one(partner_a, partner_b) -> None:
    turn_on(partner_a, partner_b)
    answer(partner_b, TODAY, "BLAKE-SHARED", share=True)
    answer(partner_a, TODAY, "ALEX-PRIVATE")
    assert "BLAKE-SHARED" not in partner_a.client.get(TODAY).content.decode()


def test_missing_days_are_never_counted_or_mentioned(partner_a, partner_b) -> None:
    turn_on(partner_a)
    with time_machine.travel("2026-12-01 10:00", tick=False):
        answer(partner_a, TODAY, "FIRST-DAY")
    with time_machine.travel("2026-12-07 10:00", tick=False):
        page = partner_a.client.get(TODAY).content.decode().lower()
    assert "first-day" in page  # the earlier answer is there to read
    for word in ("streak", "missed", "in a row", "days ago", "you skipped"):
        assert word not in page


@pytest.mark.parametrize("why", ["alone", "paused", "set aside"])
def test_sharing_is_not_offered_when_it_can_not_happen(partner_a, make_user, why, request) -> None:
    turn_on(partner_a)
    if why != "alone":
        partner_b = request.getfixturevalue("partner_b")
        if why == "paused":
            pause_journey(partnership=partnership_of(partner_b))
        else:
            SafetyCheck.objects.create(
                user=partner_a.user,
                couple=partnership_of(partner_a).couple,
                afraid=True,
                pressured=False,
                harmed=False,
            )
    page = partner_a.client.get(TODAY).content.decode()
    assert "Share it with your partner" not in page
    assert "Sharing is not open right now" in page
    answer(partner_a, TODAY, "kept", share=True)
    assert PromptAnswer.objects.get().shared is False


def test_an_answer_too_long_is_refused_and_kept(partner_a, partner_b) -> None:
    turn_on(partner_a)
    response = answer(partner_a, TODAY, "kept words " * 300, share=True, **HTMX)
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<section id="answer"')
    assert "2,000 characters" in fragment and "kept words kept words" in fragment
    assert not PromptAnswer.objects.exists()


def test_closeness_lists_every_exercise_by_kind(partner_a, partner_b) -> None:
    page = partner_a.client.get("/space/closeness/").content.decode()
    for heading in ("Appreciation", "Curiosity about each other", "Rituals of connection"):
        assert heading in page
    assert page.count('data-testid="exercise"') == 9
    assert "Gottman" in page


def test_an_exercise_follows_the_same_rules(partner_a, partner_b) -> None:
    answer(partner_a, EXERCISE, "ALEX-THREE-THINGS", share=True)
    assert "ALEX-THREE-THINGS" not in partner_b.client.get(EXERCISE).content.decode()
    answer(partner_b, EXERCISE, "BLAKE-THREE-THINGS", share=True)
    page = partner_a.client.get(EXERCISE).content.decode()
    assert "ALEX-THREE-THINGS" in page and "BLAKE-THREE-THINGS" in page
    listing = partner_a.client.get("/space/closeness/").content.decode()
    assert "You have both shared." in listing


def test_an_exercise_that_does_not_exist_is_not_found(partner_a) -> None:
    assert partner_a.client.get("/space/closeness/no-such-thing/").status_code == 404


def test_saving_under_htmx_redirects_and_wrong_methods_are_refused(partner_a, partner_b) -> None:
    response = answer(partner_a, EXERCISE, "x", **HTMX)
    assert response["HX-Redirect"] == EXERCISE
    assert partner_a.client.put(EXERCISE).status_code == 405
    assert partner_a.client.post("/space/closeness/").status_code == 405


def test_the_export_holds_the_answers(partner_a, partner_b) -> None:
    answer(partner_a, EXERCISE, "ALEX-EXPORTED")
    data = partner_a.client.get(reverse("data_export_json")).json()
    assert [a["text"] for a in data["answers_to_prompts"]] == ["ALEX-EXPORTED"]


def test_the_days_question_stays_once_answered_though_the_step_moves_on(
    partner_a, partner_b
) -> None:
    turn_on(partner_a, partner_b)
    with time_machine.travel("2026-12-07 09:00", tick=False):
        answer(partner_a, TODAY, "ALEX-MORNING", share=True)
        asked = PromptAnswer.objects.get().prompt
        # Both finish step 1 during the day: the question the partners answer stays the same.
        for persona in (partner_a, partner_b):
            submit_check_in(
                partnership=partnership_of(persona), step=1, answer=CheckInAnswer(3, 5, True, "")
            )
        assert get_daily_question(partnership_of(partner_b), date(2026, 12, 7)) == asked
        answer(partner_b, TODAY, "BLAKE-EVENING", share=True)
    assert {a.prompt for a in PromptAnswer.objects.all()} == {asked}


def test_a_former_partners_shared_answer_never_reaches_who_comes_next(
    partner_a, partner_b, make_user
) -> None:
    answer(partner_b, EXERCISE, "BLAKE-BEFORE-LEAVING", share=True)
    Partnership.objects.filter(user=partner_b.user).update(left_at=timezone.now())
    newcomer = make_user("sam@example.com", "Sam")
    Partnership.objects.create(
        couple=partnership_of(partner_a).couple, user=newcomer, seat=2, role=Role.MUTUAL
    )
    answer(partner_a, EXERCISE, "ALEX-SHARED", share=True)
    assert "BLAKE-BEFORE-LEAVING" not in partner_a.client.get(EXERCISE).content.decode()


def test_an_answer_belongs_to_the_couple_it_was_written_in(partner_a, partner_b, make_user) -> None:
    answer(partner_a, EXERCISE, "ALEX-WITH-BLAKE", share=True)
    answer(partner_b, EXERCISE, "BLAKE-WITH-ALEX", share=True)
    Partnership.objects.filter(user=partner_a.user).update(left_at=timezone.now())
    start_couple(user=partner_a.user, role=Role.HURT)
    page = partner_a.client.get(EXERCISE).content.decode()
    assert "ALEX-WITH-BLAKE" not in page  # a fresh start in the new space
    answer(partner_a, EXERCISE, "ALEX-ANEW")
    assert PromptAnswer.objects.filter(author=partner_a.user).count() == 2
    # Blake keeps their own answer; Alex's, once Alex has left, is Alex's alone again.
    blake = partner_b.client.get(EXERCISE).content.decode()
    assert "BLAKE-WITH-ALEX" in blake and "ALEX-WITH-BLAKE" not in blake


def test_when_sharing_closes_the_page_says_an_edit_keeps_it_private(partner_a, partner_b) -> None:
    answer(partner_a, EXERCISE, "ALEX-SHARED", share=True)
    pause_journey(partnership=partnership_of(partner_b))
    note = partner_a.client.get(EXERCISE).content.decode()
    assert "saving a change now makes your answer yours alone again" in note


def test_a_partner_set_aside_is_not_invited_to_the_shared_exercises(partner_a, partner_b) -> None:
    SafetyCheck.objects.create(
        user=partner_a.user,
        couple=partnership_of(partner_a).couple,
        afraid=True,
        pressured=False,
        harmed=False,
    )
    home = partner_a.client.get("/space/").content.decode()
    assert "/space/closeness/" not in home and "/space/today/" not in home
    page = partner_a.client.get("/space/closeness/").content.decode()
    assert "Sharing is not open right now" in page
