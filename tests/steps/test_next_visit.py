"""What one partner changes in the shared steps shows on the other's very next visit: the couple
home and the step page read what they show for each request (CoupleReads reads each thing once
per request)."""

import pytest
from django.urls import reverse

from steps.services import (
    add_commitment,
    add_focus_area,
    ask_question,
    pause_journey,
    resume_journey,
    write_understanding,
)
from tests.steps.helpers import HTMX, partnership_of, text_of

SAFE = {"afraid": "no", "pressured": "no", "harmed": "no", "self_harm": "no"}


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
    partner_a.client.get(step_page)
    response = partner_a.client.post(
        reverse("check_in_submit", args=[1]),
        {"feeling": "3", "trust": "6", "ready": "no", "note": "Just now."},
        **HTMX,
    )
    assert "You have checked in." in text_of(response)
    assert "Just now." in text_of(response)


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
