"""The couple home and the step page remember what they read of a couple's shared steps under
the couple's revision (CoupleReads). Every change to it must give the couple a new revision, so
that no page ever shows what was true before."""

import pytest
from django.apps import apps
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from couples.models import Couple, Role
from couples.services import end_couple, start_couple
from steps import signals
from steps.models import Reflection
from steps.services import (
    CheckInAnswer,
    add_commitment,
    add_focus_area,
    add_question_entry,
    ask_question,
    delete_account,
    pause_journey,
    resume_journey,
    submit_check_in,
    write_understanding,
)
from tests.steps.helpers import HTMX, partnership_of, text_of

SAFE = {"afraid": "no", "pressured": "no", "harmed": "no", "self_harm": "no"}


def revision_of(couple: Couple) -> str:
    return Couple.objects.values_list("revision", flat=True).get(pk=couple.pk)


def test_every_step_model_but_reflections_gives_its_couple_a_new_revision() -> None:
    # A model added to the steps later must be connected too, or its changes would not show.
    remembered = set(apps.get_app_config("steps").get_models()) - {Reflection}
    connected = set(signals.OF_A_COUPLE) | set(signals.THROUGH_PARENT)
    assert remembered == connected


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda a, b: pause_journey(partnership=a, note="a break"), id="pause"),
        pytest.param(
            lambda a, b: submit_check_in(
                partnership=a, step=1, answer=CheckInAnswer(3, 5, True, "")
            ),
            id="check-in",
        ),
        pytest.param(lambda a, b: ask_question(partnership=a, text="Why?"), id="question"),
    ],
)
def test_a_shared_change_gives_a_new_revision(partner_a, partner_b, couple_ab, change) -> None:
    before = revision_of(couple_ab)
    change(partnership_of(partner_a), partnership_of(partner_b))
    assert revision_of(couple_ab) != before


def test_the_reveal_gives_a_new_revision(partner_a, partner_b, couple_ab) -> None:
    # The reveal marks its round with a queryset update(), which sends no signal.
    submit_check_in(
        partnership=partnership_of(partner_a), step=1, answer=CheckInAnswer(3, 5, True, "")
    )
    before = revision_of(couple_ab)
    submit_check_in(
        partnership=partnership_of(partner_b), step=1, answer=CheckInAnswer(4, 6, True, "")
    )
    assert revision_of(couple_ab) != before


def test_an_answer_to_a_question_gives_a_new_revision(partner_a, partner_b, couple_ab) -> None:
    question = ask_question(partnership=partnership_of(partner_a), text="Where were you?")
    before = revision_of(couple_ab)
    add_question_entry(
        partnership=partnership_of(partner_b), question=question, kind="answer", text="At work."
    )
    assert revision_of(couple_ab) != before


def test_a_deleted_account_gives_its_couple_a_new_revision(partner_a, partner_b, couple_ab) -> None:
    before = revision_of(couple_ab)
    delete_account(user=partner_b.user)
    assert revision_of(couple_ab) != before


def test_saving_an_older_copy_of_the_couple_keeps_the_new_revision(partner_a, couple_ab) -> None:
    older_copy = Couple.objects.get(pk=couple_ab.pk)
    pause_journey(partnership=partnership_of(partner_a))
    touched = revision_of(couple_ab)
    older_copy.save()
    assert revision_of(couple_ab) == touched


def test_ending_the_space_keeps_the_revision_it_has(partner_a, partner_b, couple_ab) -> None:
    before = revision_of(couple_ab)
    end_couple(partnership=partnership_of(partner_a))
    assert revision_of(couple_ab) == before


def test_partner_sees_a_pause_on_the_next_visit(partner_a, partner_b) -> None:
    paused = 'data-state="partners_pause"'
    assert paused not in text_of(partner_b.client.get(reverse("home")))
    pause_journey(partnership=partnership_of(partner_a), note="I need a week.")
    home = text_of(partner_b.client.get(reverse("home")))
    assert paused in home
    assert "Alex paused the process" in home
    assert "I need a week." in home
    resume_journey(partnership=partnership_of(partner_a))
    assert paused not in text_of(partner_b.client.get(reverse("home")))


def test_pause_shows_the_current_name_of_who_paused(partner_a, partner_b) -> None:
    pause_journey(partnership=partnership_of(partner_a))
    assert "Alex paused the process" in text_of(partner_b.client.get(reverse("home")))
    partner_a.user.display_name = "Alexandra"
    partner_a.user.save(update_fields=["display_name"])
    assert "Alexandra paused the process" in text_of(partner_b.client.get(reverse("home")))


def test_partner_sees_a_check_in_and_the_reveal_on_the_next_visit(partner_a, partner_b) -> None:
    step_page = reverse("step_detail", args=[1])
    assert "has checked in" not in text_of(partner_b.client.get(step_page))
    partner_a.client.post(
        reverse("check_in_submit", args=[1]),
        {"feeling": "3", "trust": "6", "ready": "no", "note": "Slowly."},
    )
    assert "Alex has checked in" in text_of(partner_b.client.get(step_page))
    assert "Alex has checked in" in text_of(partner_b.client.get(reverse("home")))
    partner_b.client.post(
        reverse("check_in_submit", args=[1]),
        {"feeling": "4", "trust": "5", "ready": "no", "note": "Me too."},
    )
    revealed = text_of(partner_a.client.get(step_page))
    assert "Slowly." in revealed and "Me too." in revealed


def test_htmx_answer_shows_the_answer_just_given(partner_a, partner_b) -> None:
    step_page = reverse("step_detail", args=[1])
    partner_a.client.get(step_page)  # remembers the state before the answer
    response = partner_a.client.post(
        reverse("check_in_submit", args=[1]),
        {"feeling": "3", "trust": "6", "ready": "no", "note": "Just now."},
        **HTMX,
    )
    assert "You have checked in." in text_of(response)
    assert "Just now." in text_of(response)


def test_remembered_state_never_holds_the_partners_unrevealed_answer(partner_a, partner_b) -> None:
    submit_check_in(
        partnership=partnership_of(partner_b),
        step=1,
        answer=CheckInAnswer(2, 3, False, "blake-unrevealed-note"),
    )
    assert partner_a.client.get(reverse("step_detail", args=[1])).status_code == 200
    # Each remembered value is kept pickled: any text in it is in its bytes as written.
    remembered = caches["shared_reads"]._cache  # type: ignore[attr-defined]
    assert remembered, "the step page remembered nothing"
    for value in remembered.values():
        assert b"blake-unrevealed-note" not in value


def test_private_writing_is_never_remembered(partner_a, partner_b) -> None:
    partner_a.client.post(
        reverse("reflection_create", args=[1]), {"text": "alex-private-words", "prompt": ""}
    )
    partner_a.client.get(reverse("step_detail", args=[1]))
    partner_a.client.get(reverse("home"))
    for value in caches["shared_reads"]._cache.values():  # type: ignore[attr-defined]
        assert b"alex-private-words" not in value


@pytest.mark.parametrize("page", ["home", "step_detail"])
def test_a_safety_concern_sets_the_shared_parts_aside_at_once(partner_a, partner_b, page) -> None:
    url = reverse(page, args=[1] if page == "step_detail" else [])
    assert "Your safety comes first" not in text_of(partner_a.client.get(url))
    partner_a.client.post(reverse("safety_check"), SAFE | {"afraid": "yes"})
    assert "Your safety comes first" in text_of(partner_a.client.get(url))
    # The partner's pages change in nothing.
    assert "Your safety comes first" not in text_of(partner_b.client.get(url))
    partner_a.client.post(reverse("safety_check"), SAFE)
    assert "Your safety comes first" not in text_of(partner_a.client.get(url))


def test_only_whether_there_is_a_concern_is_remembered(partner_a, partner_b) -> None:
    partner_a.client.post(reverse("safety_check"), SAFE | {"afraid": "yes"})
    partner_a.client.get(reverse("home"))
    remembered = b"".join(caches["shared_reads"]._cache.values())  # type: ignore[attr-defined]
    assert b"SafetyAnswer" in remembered
    assert b"SafetyCheck" not in remembered and b"afraid" not in remembered


@pytest.mark.parametrize(
    ("page", "args", "tables"),
    [
        (
            "home",
            [],
            {"django_session", "accounts_user", "couples_partnership"},
        ),
        (
            "step_detail",
            [1],
            {
                "django_session",
                "accounts_user",
                "couples_partnership",
                "steps_reflection",
            },
        ),
    ],
)
def test_a_second_visit_reads_only_who_is_asking_and_their_reflections(
    partner_a, partner_b, page, args, tables
) -> None:
    submit_check_in(
        partnership=partnership_of(partner_a), step=1, answer=CheckInAnswer(3, 5, True, "")
    )
    url = reverse(page, args=args)
    partner_a.client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert partner_a.client.get(url).status_code == 200
    # The main table of each query: the last FROM (the user's query has a subquery before it).
    read = {query["sql"].rsplit(" FROM ", 1)[1].split()[0].strip('"') for query in queries}
    assert read == tables


@pytest.mark.parametrize(
    ("step", "change", "shown"),
    [
        (6, lambda b: ask_question(partnership=b, text="blake-asks-this"), "blake-asks-this"),
        (
            8,
            lambda b: write_understanding(partnership=b, text="blake-heard-this"),
            "blake-heard-this",
        ),
        (
            9,
            lambda b: add_commitment(partnership=b, text="blake-commits", review_on="2099-01-01"),
            "blake-commits",
        ),
        (
            10,
            lambda b: add_focus_area(
                partnership=b, kind="own", title="blake-area", plan="", next_action=""
            ),
            "blake-area",
        ),
    ],
)
def test_partner_sees_a_new_tool_entry_on_the_next_visit(
    partner_a, partner_b, step, change, shown
) -> None:
    url = reverse("step_detail", args=[step])
    assert shown not in text_of(partner_a.client.get(url))
    change(partnership_of(partner_b))
    assert shown in text_of(partner_a.client.get(url))


def test_deleting_a_user_anyhow_gives_each_of_their_couples_a_new_revision(
    partner_a, partner_b, couple_ab
) -> None:
    # The admin deletes with user.delete(), not the account page's service: the authors set to
    # NULL by update() must still give every couple the person was ever in a new revision.
    end_couple(partnership=partnership_of(partner_b))
    new_space = start_couple(user=partner_b.user, role=Role.MUTUAL).couple
    before = {couple_ab.pk: revision_of(couple_ab), new_space.pk: revision_of(new_space)}
    partner_b.user.delete()
    assert revision_of(couple_ab) != before[couple_ab.pk]
    assert revision_of(new_space) != before[new_space.pk]


def test_deleting_a_couple_does_not_touch_it_once_per_row(partner_a, partner_b, couple_ab) -> None:
    for trust in range(3):
        submit_check_in(
            partnership=partnership_of(partner_a), step=1, answer=CheckInAnswer(3, trust, False, "")
        )
        submit_check_in(
            partnership=partnership_of(partner_b), step=1, answer=CheckInAnswer(3, trust, False, "")
        )
    with CaptureQueriesContext(connection) as queries:
        couple_ab.delete()
    assert not [q for q in queries if q["sql"].startswith('UPDATE "couples_couple"')]
