"""The couple home in each of its states, as the person it is for sees it, at 390 and 1280 px, in
light and in dark: it leads with the one next action for that state, nothing scrolls sideways, and
a screenshot of each goes to test-artifacts/screenshots/home-<state>-<width>-<scheme>.png."""

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Browser, expect

from couples.models import Partnership, Role
from couples.services import end_couple, invite_partner, start_couple
from steps import services
from tests.conftest import Persona, _answer_safety_check, _persona
from tests.e2e.conftest import ARTIFACTS, sign_in

CHECK_IN = services.CheckInAnswer(feeling=3, trust=5, ready=False, note="")


def _ours(persona: Persona) -> Partnership:
    return persona.user.partnerships.get(left_at__isnull=True)


def _check_in(persona: Persona) -> None:
    services.submit_check_in(partnership=_ours(persona), step=1, answer=CHECK_IN)


def _quiet(a: Persona, b: Persona) -> Persona:
    with time_machine.travel(timezone.now() - timedelta(days=4)):
        _check_in(a)
    return a


def _alone(make_user, *, safety_check: bool = True, invited: bool = False) -> Persona:  # type: ignore[no-untyped-def]
    user = make_user("jordan@example.com", "Jordan")
    partnership = start_couple(user=user, role=Role.HURT)
    if safety_check:
        _answer_safety_check(user)
    if invited:
        invite_partner(partnership=partnership, email="sky@example.com")
    return _persona(user)


def _concern(a: Persona, b: Persona) -> Persona:
    services.record_safety_check(
        partnership=_ours(b), afraid=True, pressured=False, harmed=False, self_harm=False
    )
    return b


def _complete(a: Persona, b: Persona) -> Persona:
    for persona in (a, b):
        services.decide_forgiveness(partnership=_ours(persona), decision="forgive")
    return a


# state -> who looks, once the couple (Alex and Blake, linked, both past the safety check) or a
# person alone is put in that state.
TOGETHER: dict[str, Callable[[Persona, Persona], Persona]] = {
    "continue": lambda a, b: a,
    "your_turn": lambda a, b: (_check_in(b), a)[1],
    "waiting": lambda a, b: (_check_in(a), a)[1],
    "partner_quiet": _quiet,
    "my_pause": lambda a, b: (services.pause_journey(partnership=_ours(a), note=""), a)[1],
    "partners_pause": lambda a, b: (services.pause_journey(partnership=_ours(b), note=""), a)[1],
    "safety_first": _concern,
    "complete": _complete,
    "ended": lambda a, b: (end_couple(partnership=_ours(b)), a)[1],
}
ALONE = {
    "safety_check": {"safety_check": False},
    "invite": {},
    "waiting_to_join": {"invited": True},
}


@pytest.mark.parametrize("state", [*ALONE, *TOGETHER])
def test_home_leads_with_the_next_action_for_each_state(
    request, site, browser: Browser, make_user, state
):
    if state in ALONE:
        viewer = _alone(make_user, **ALONE[state])
    else:
        a, b = request.getfixturevalue("partner_a"), request.getfixturevalue("partner_b")
        viewer = TOGETHER[state](a, b)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    for width, height in ((390, 844), (1280, 900)):
        for scheme in ("light", "dark"):
            context = browser.new_context(
                viewport={"width": width, "height": height}, color_scheme=scheme
            )
            try:
                sign_in(context, viewer.user)
                page = context.new_page()
                page.on("pageerror", lambda error: errors.append(str(error)))
                page.goto(f"{site}/space/")
                next_action = page.get_by_test_id("next-action")
                expect(next_action).to_have_attribute("data-state", state)
                expect(next_action).to_be_in_viewport()
                scroll_width, client_width = page.evaluate(
                    "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
                )
                assert scroll_width <= client_width, (state, width)
                page.screenshot(
                    path=str(ARTIFACTS / f"home-{state}-{width}-{scheme}.png"),
                    full_page=True,
                    caret="initial",
                )
            finally:
                context.close()
    assert errors == []
