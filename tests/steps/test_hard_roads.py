"""The hard roads: pausing, walking alone, ending, the private safety check, and the way out
(help, "Leave quickly", a counselor). Each is a promise to people in a painful place; these tests
hold the app to it."""

import contextlib
import re
from html import escape

import pytest
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.core import mail
from django.templatetags.static import static
from django.test import Client
from django.urls import reverse

from couples.models import Partnership, Role
from couples.services import end_couple
from steps import services, tasks
from steps.models import (
    Apology,
    CheckIn,
    CheckInRound,
    Commitment,
    FocusArea,
    ForgivenessDecision,
    Journey,
    Pause,
    Question,
    QuestionEntry,
    Reflection,
    SafetyCheck,
    Understanding,
)
from tests.conftest import Persona
from tests.steps.helpers import HTMX, partnership_of, text_of

NO_CONCERN = {"afraid": "no", "pressured": "no", "harmed": "no", "self_harm": "no"}
CHECK_IN_POST = {"feeling": "3", "trust": "5", "ready": "no", "note": "A POSTED NOTE"}
CHECK_IN_FORM = 'class="check-in-form"'
PAUSE_NOTE = "We need a quiet week with the kids."


def get_page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return text_of(response)


def step_url(number: int) -> str:
    return reverse("step_detail", args=[number])


def check_in_section(page: str) -> str:
    found = re.search(r'<section id="check-in".*?</section>', page, re.S)
    assert found, "no check-in section on the page"
    return found.group(0)


def messages_on(page: str) -> str:
    found = re.search(r'<div id="messages".*?</div>', page, re.S)
    assert found
    return found.group(0)


def answer(partnership, step=1, *, trust=5, ready=False, note="") -> CheckIn:
    return services.submit_check_in(
        partnership=partnership,
        step=step,
        answer=services.CheckInAnswer(feeling=3, trust=trust, ready=ready, note=note),
    )


# Pause


@pytest.mark.parametrize(
    ("pauser", "viewer"), [("partner_a", "partner_b"), ("partner_b", "partner_a")]
)
def test_either_partner_pauses_and_both_see_it_with_the_note(request, couple_ab, pauser, viewer):
    by = request.getfixturevalue(pauser)
    other = request.getfixturevalue(viewer)
    for page in (get_page(other.client, reverse("home")), get_page(other.client, step_url(1))):
        assert 'data-testid="paused"' not in page

    response = by.client.post(reverse("journey_pause"), {"note": PAUSE_NOTE})
    assert response.status_code == 302
    assert "paused for both of you, until you resume it" in messages_on(
        get_page(by.client, reverse("home"))
    )

    for who in (by, other):
        home = get_page(who.client, reverse("home"))
        assert PAUSE_NOTE in home
        for url in (step_url(1), step_url(6)):
            page = get_page(who.client, url)
            assert 'data-testid="paused"' in page, (who.user, url)
            assert PAUSE_NOTE in page
    assert 'data-state="my_pause"' in get_page(by.client, reverse("home"))
    assert "Paused</strong> by you" in get_page(by.client, step_url(1))
    other_home = get_page(other.client, reverse("home"))
    assert 'data-state="partners_pause"' in other_home
    assert f"{by.user.display_name} paused the process" in other_home
    assert f"Paused</strong> by {by.user.display_name}" in get_page(other.client, step_url(1))


def test_pause_without_a_note_is_fine(partner_a, couple_ab):
    response = partner_a.client.post(reverse("journey_pause"), {"note": ""})
    assert response.status_code == 302
    pause = Pause.objects.get(couple=couple_ab, ended_at__isnull=True)
    assert pause.partner == partner_a.user
    assert pause.note == ""


def test_the_check_in_form_is_gone_while_paused(partner_a, partner_b, couple_ab):
    assert CHECK_IN_FORM in get_page(partner_b.client, step_url(1))
    services.pause_journey(partnership=partnership_of(partner_a), note=PAUSE_NOTE)
    for who in (partner_a, partner_b):
        section = check_in_section(get_page(who.client, step_url(1)))
        assert CHECK_IN_FORM not in section
        assert "Check-ins are paused for now" in section


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_check_in_post_while_paused_is_refused_and_creates_nothing(
    partner_a, partner_b, couple_ab, htmx
):
    services.pause_journey(partnership=partnership_of(partner_a), note=PAUSE_NOTE)
    response = partner_b.client.post(
        reverse("check_in_submit", args=[1]), CHECK_IN_POST, **(HTMX if htmx else {})
    )
    assert not CheckIn.objects.exists()
    assert not CheckInRound.objects.exists()
    assert response.status_code == 200
    assert "paused" in check_in_section(text_of(response)).lower()
    assert 'class="notice notice--problem"' in text_of(response)


def test_no_check_in_emails_while_paused(partner_a, partner_b, couple_ab, mailoutbox):
    alex = partnership_of(partner_a)
    blake = partnership_of(partner_b)
    check_in = answer(alex, note="ALEX NOTE")  # outside on_commit capture: no task ran yet
    services.pause_journey(partnership=blake, note=PAUSE_NOTE)

    tasks.send_partner_checked_in.call(check_in.round_id, partner_a.user.pk)
    assert mail.outbox == []

    services.resume_journey(partnership=blake)
    tasks.send_partner_checked_in.call(check_in.round_id, partner_a.user.pk)
    assert [message.to for message in mail.outbox] == [[partner_b.user.email]]


def test_no_reveal_emails_while_paused(partner_a, partner_b, couple_ab, mailoutbox):
    answer(partnership_of(partner_a))
    revealed = answer(partnership_of(partner_b))
    revealed.round.refresh_from_db()
    assert revealed.round.is_revealed
    services.pause_journey(partnership=partnership_of(partner_a), note="")

    tasks.send_check_in_revealed.call(revealed.round_id)
    assert mail.outbox == []

    services.resume_journey(partnership=partnership_of(partner_a))
    tasks.send_check_in_revealed.call(revealed.round_id)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [partner_a.user.email, partner_b.user.email]
    )


def test_check_in_emails_sent_by_the_workflow_stay_quiet_while_paused(
    partner_a, partner_b, couple_ab, django_capture_on_commit_callbacks, mailoutbox
):
    """The same through the real workflow: whatever the check-in queues finds the pause (and a
    control, once resumed, proves the email would otherwise go out)."""
    services.pause_journey(partnership=partnership_of(partner_b), note="")
    with (
        django_capture_on_commit_callbacks(execute=True),
        contextlib.suppress(services.StepError),
    ):
        answer(partnership_of(partner_a), step=1)
    assert mail.outbox == []

    services.resume_journey(partnership=partnership_of(partner_b))
    CheckIn.objects.all().delete()
    CheckInRound.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        answer(partnership_of(partner_a))
    assert [message.to for message in mail.outbox] == [[partner_b.user.email]]


@pytest.mark.parametrize("who", ["partner_a", "partner_b"])
def test_the_partner_who_paused_resumes(request, couple_ab, who):
    by = request.getfixturevalue(who)
    services.pause_journey(partnership=partnership_of(by), note=PAUSE_NOTE)
    response = by.client.post(reverse("journey_resume"))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert not Pause.objects.filter(couple=couple_ab, ended_at__isnull=True).exists()
    home = get_page(by.client, reverse("home"))
    assert "Welcome back." in messages_on(home)
    assert 'data-testid="paused"' not in home
    assert PAUSE_NOTE not in home
    assert CHECK_IN_FORM in get_page(by.client, step_url(1))


@pytest.mark.parametrize(
    ("pauser", "other"), [("partner_a", "partner_b"), ("partner_b", "partner_a")]
)
def test_the_other_partner_cannot_end_a_pause_they_did_not_ask_for(
    request, couple_ab, pauser, other
):
    services.pause_journey(
        partnership=partnership_of(request.getfixturevalue(pauser)), note=PAUSE_NOTE
    )
    who = request.getfixturevalue(other)
    response = who.client.post(reverse("journey_resume"))
    assert response.status_code == 302
    assert response["Location"] == reverse("pause_page")
    assert Pause.objects.filter(couple=couple_ab, ended_at__isnull=True).count() == 1
    page = get_page(who.client, reverse("pause_page"))
    assert "lasts until they end it" in messages_on(page)
    assert CHECK_IN_FORM not in get_page(who.client, step_url(1))


def test_the_other_partner_can_ask_gently_and_the_pauser_sees_the_note(
    partner_a, partner_b, couple_ab
):
    services.pause_journey(partnership=partnership_of(partner_a), note=PAUSE_NOTE)
    page = get_page(partner_b.client, reverse("pause_page"))
    assert 'data-testid="partners-pause"' in page
    assert "It is theirs to end" in page
    response = partner_b.client.post(
        reverse("journey_ask_to_resume"), {"note": "Ready when you are, no rush."}
    )
    assert response.status_code == 302
    pause = Pause.objects.get(couple=couple_ab, ended_at__isnull=True)
    assert pause.resume_note == "Ready when you are, no rush."
    assert pause.ended_at is None  # asking never resumes
    for url in (reverse("home"), reverse("pause_page")):
        page = get_page(partner_a.client, url)
        assert 'data-testid="resume-request"' in page
        assert "Ready when you are, no rush." in page


def test_asking_to_resume_when_nobody_else_paused_is_refused_gently(partner_a, couple_ab):
    services.pause_journey(partnership=partnership_of(partner_a), note="")
    response = partner_a.client.post(reverse("journey_ask_to_resume"), {"note": "hello"})
    assert response.status_code == 302
    page = get_page(partner_a.client, reverse("pause_page"))
    assert "has not paused the process" in messages_on(page)
    assert Pause.objects.get(couple=couple_ab).resume_note == ""


def test_when_both_paused_both_must_resume(partner_a, partner_b, couple_ab):
    services.pause_journey(partnership=partnership_of(partner_a), note="mine")
    services.pause_journey(partnership=partnership_of(partner_b), note="mine too")
    response = partner_a.client.post(reverse("journey_resume"))
    assert response.status_code == 302
    home = get_page(partner_a.client, reverse("home"))
    assert "still theirs to end" in messages_on(home)
    for who in (partner_a, partner_b):
        assert "Check-ins are paused for now" in check_in_section(get_page(who.client, step_url(1)))
    with pytest.raises(services.StepError):
        answer(partnership_of(partner_a))
    partner_b.client.post(reverse("journey_resume"))
    assert "Welcome back." in messages_on(get_page(partner_b.client, reverse("home")))
    assert CHECK_IN_FORM in get_page(partner_a.client, step_url(1))


def test_the_pause_page_says_who_may_end_a_pause(partner_a, couple_ab):
    page = get_page(partner_a.client, reverse("pause_page"))
    assert "A pause lasts until the partner who asked for it ends it." in page
    assert "If you have both paused, each of you ends your own pause" in page


def test_waiting_for_you_notices_are_hidden_while_paused(partner_a, partner_b, couple_ab):
    answer(partnership_of(partner_a))
    home = get_page(partner_b.client, reverse("home"))
    step = get_page(partner_b.client, step_url(1))
    assert 'data-state="your_turn"' in home
    assert "Alex has checked in on" in home
    assert "Alex has checked in." in step

    services.pause_journey(partnership=partnership_of(partner_a), note="")
    home = get_page(partner_b.client, reverse("home"))
    step = get_page(partner_b.client, step_url(1))
    assert 'data-state="partners_pause"' in home
    assert "has checked in" not in home
    assert "has checked in" not in step


def test_a_pause_note_over_500_characters_is_refused(partner_a, couple_ab):
    response = partner_a.client.post(reverse("journey_pause"), {"note": "x" * 501})
    # The home page comes back with the error beside the note, and the note kept.
    assert response.status_code == 200
    home = response.content.decode()
    assert "Please keep this to 500 characters (it has 501 now)." in home
    assert "x" * 501 in home
    assert not Pause.objects.filter(couple=couple_ab).exists()
    assert 'data-testid="paused"' not in home


def test_a_pause_note_of_exactly_500_characters_is_kept(partner_a, couple_ab):
    partner_a.client.post(reverse("journey_pause"), {"note": "y" * 500})
    assert Pause.objects.get(couple=couple_ab).note == "y" * 500


# Walking alone: a partner whose partner has not joined (yet)

SHAMING = ["streak", "overdue", "inactive", "behind", "lazy"]


@pytest.fixture
def solo(outsider):
    """Drew starts a space alone and answers the safety check, all through the pages."""
    response = outsider.client.post(reverse("couple_start"), {"role": Role.HURT})
    assert response.status_code == 302
    assert "Before the shared parts" in get_page(outsider.client, step_url(1))
    response = outsider.client.post(reverse("safety_check"), NO_CONCERN)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert "Before the shared parts" not in get_page(outsider.client, step_url(1))
    return outsider


def test_solo_partner_reads_every_step_with_the_check_in_open(solo):
    for number in range(1, 12):
        page = get_page(solo.client, step_url(number))
        assert f"Step {number}" in page
        assert "Its check-in opens once" not in page
        assert CHECK_IN_FORM in check_in_section(page), number


@pytest.mark.parametrize("number", [1, 5, 11])
def test_solo_partner_writes_reflections_on_any_step(solo, number):
    response = solo.client.post(
        reverse("reflection_create", args=[number]), {"text": f"ALONE-{number}", "prompt": ""}
    )
    assert response.status_code == 302
    reflection = Reflection.objects.get(author=solo.user)
    assert (reflection.step, reflection.text) == (number, f"ALONE-{number}")
    assert f"ALONE-{number}" in get_page(solo.client, step_url(number))


@pytest.mark.parametrize("number", [1, 5, 11])
def test_solo_partner_checks_in_on_any_step(solo, number):
    response = solo.client.post(reverse("check_in_submit", args=[number]), CHECK_IN_POST)
    assert response.status_code == 302
    assert response["Location"] == step_url(number) + "#check-in"
    check_in = CheckIn.objects.select_related("round").get(author=solo.user)
    assert check_in.round.step == number
    assert check_in.round.couple == partnership_of(solo).couple
    section = check_in_section(get_page(solo.client, step_url(number)))
    assert "You have checked in." in section
    assert "your partner to join" in section


def test_solo_pages_carry_no_shaming_words(solo):
    services.write_reflection(partnership=partnership_of(solo), step=1, text="a first line")
    answer(partnership_of(solo))
    urls = [reverse("home")] + [step_url(number) for number in range(1, 12)]
    for url in urls:
        page = get_page(solo.client, url)
        # The guidance quotes authors ("the fear behind the question"): only the app's own words
        # around it are checked for "behind".
        ours = re.sub(
            r'<section aria-labelledby="guidance-title".*?</section>', "", page, flags=re.S
        )
        for word in SHAMING:
            text = ours if word == "behind" else page
            assert not re.search(rf"\b{word}", text, re.I), (url, word)


# Ending the shared space


@pytest.fixture
def ended(partner_a, partner_b, couple_ab):
    """Alex and Blake's space, with a little in it, ended by Alex."""
    alex = partnership_of(partner_a)
    blake = partnership_of(partner_b)
    services.write_reflection(partnership=alex, step=1, text="ALEX-PRIVATE")
    services.write_reflection(partnership=blake, step=1, text="BLAKE-PRIVATE")
    question = services.ask_question(partnership=alex, text="A SHARED QUESTION")
    services.save_apology_draft(partnership=blake, text="AN APOLOGY")
    apology = services.send_apology(partnership=blake)
    answer(alex, note="OPEN ROUND")
    end_couple(partnership=alex)
    return {"question": question, "apology": apology}


def shared_rows():
    return [
        list(model.objects.order_by("pk").values())
        for model in (
            CheckInRound,
            CheckIn,
            Question,
            QuestionEntry,
            Apology,
            Understanding,
            Commitment,
            FocusArea,
            ForgivenessDecision,
            Journey,
            Pause,
            Reflection,
        )
    ]


@pytest.mark.parametrize("number", range(1, 12))
def test_after_ending_both_partners_still_read_every_page(partner_a, partner_b, ended, number):
    for who in (partner_a, partner_b):
        home = get_page(who.client, reverse("home"))
        assert "This space ended on" in home
        page = get_page(who.client, step_url(number))
        assert "This space ended on" in page
        assert CHECK_IN_FORM not in page
        assert "Your check-ins are here to read." in check_in_section(page)
    assert "when you ended it" in get_page(partner_a.client, reverse("home"))
    assert "when Alex ended it" in get_page(partner_b.client, reverse("home"))


def test_after_ending_shared_things_stay_readable(partner_a, partner_b, ended):
    for who in (partner_a, partner_b):
        assert "A SHARED QUESTION" in get_page(who.client, step_url(6))
        assert "AN APOLOGY" in get_page(who.client, step_url(7))


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("role", ["partner_a", "partner_b"])
def test_after_ending_check_ins_are_refused(request, ended, role, htmx):
    who = request.getfixturevalue(role)
    before = shared_rows()
    response = who.client.post(
        reverse("check_in_submit", args=[1]), CHECK_IN_POST, **(HTMX if htmx else {})
    )
    assert response.status_code == 200
    assert "This space has ended. What you shared is still here to read." in text_of(response)
    assert shared_rows() == before


def ended_tool_posts(ended):
    return [
        ("question_ask", [], {"text": "LATE"}),
        ("question_respond", [ended["question"].pk], {"kind": "answer", "text": "LATE"}),
        ("apology_save", [], {"text": "LATE", "send": "1"}),
        ("apology_respond", [ended["apology"].pk], {"kind": "accept", "text": ""}),
        ("understanding_write", [], {"text": "LATE"}),
        ("commitment_add", [], {"text": "LATE", "review_on": "2999-01-01"}),
        ("focus_area_add", [], {"kind": "money", "title": "", "plan": "", "next_action": ""}),
        ("forgiveness_decide", [], {"decision": "forgive", "reflection": ""}),
    ]


@pytest.mark.parametrize("role", ["partner_a", "partner_b"])
def test_after_ending_tools_are_refused(request, ended, role):
    who = request.getfixturevalue(role)
    before = shared_rows()
    for name, args, data in ended_tool_posts(ended):
        response = who.client.post(reverse(name, args=args), data)
        assert response.status_code == 200, name
        assert "This space has ended" in text_of(response), name
    assert shared_rows() == before


@pytest.mark.parametrize("role", ["partner_a", "partner_b"])
def test_after_ending_no_tool_forms_are_offered(request, ended, role):
    who = request.getfixturevalue(role)
    for number in range(6, 12):
        tool = re.search(
            r'<section id="tool".*?</section>', get_page(who.client, step_url(number)), re.S
        )
        assert tool, number
        assert "<form" not in tool.group(0), number


@pytest.mark.parametrize("name", ["journey_pause", "journey_resume"])
def test_after_ending_pause_and_resume_are_refused(partner_a, ended, name):
    before = shared_rows()
    response = partner_a.client.post(reverse(name), {"note": "late"})
    assert response.status_code == 302
    assert "This space has ended." in messages_on(get_page(partner_a.client, reverse("home")))
    assert shared_rows() == before


def test_after_ending_private_reflections_stay_with_their_author(partner_a, partner_b, ended):
    alex_step = get_page(partner_a.client, step_url(1))
    blake_step = get_page(partner_b.client, step_url(1))
    assert "ALEX-PRIVATE" in alex_step
    assert "BLAKE-PRIVATE" not in alex_step
    assert "BLAKE-PRIVATE" in blake_step
    assert "ALEX-PRIVATE" not in blake_step
    reflection = Reflection.objects.get(author=partner_a.user)
    assert "ALEX-PRIVATE" in get_page(
        partner_a.client, reverse("reflection_edit", args=[reflection.pk])
    )
    assert partner_b.client.get(reverse("reflection_edit", args=[reflection.pk])).status_code == 404


def test_after_ending_a_new_space_becomes_home(partner_a, partner_b, couple_ab, ended):
    assert 'name="role"' in get_page(partner_a.client, reverse("couple_start"))
    response = partner_a.client.post(reverse("couple_start"), {"role": Role.MUTUAL})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")

    new = partnership_of(partner_a)
    assert new.couple != couple_ab
    assert new.couple.ended_at is None
    old = Partnership.objects.get(user=partner_a.user, couple=couple_ab)
    assert old.left_at is not None

    home = get_page(partner_a.client, reverse("home"))
    assert "This space ended on" not in home
    assert "Blake" not in home
    assert "Before you begin together" in home  # a new space, a new private check
    step = get_page(partner_a.client, step_url(6))
    assert "This space ended on" not in step
    assert "A SHARED QUESTION" not in step
    # Alex's private writing came along.
    assert "ALEX-PRIVATE" in get_page(partner_a.client, step_url(1))
    # Blake is still in the ended space, which is still Blake's home.
    assert "This space ended on" in get_page(partner_b.client, reverse("home"))


# The private safety check


@pytest.fixture
def newcomer(make_user):
    """Jordan, who starts a space through the page and has not answered the safety check."""
    user = make_user("jordan@example.com", "Jordan")
    client = Client()
    client.force_login(user)
    response = client.post(reverse("couple_start"), {"role": Role.HURT})
    assert response.status_code == 302
    return Persona(user=user, client=client)


def test_a_new_partner_is_asked_before_the_shared_parts(newcomer):
    home = get_page(newcomer.client, reverse("home"))
    assert "Before you begin together" in home
    assert reverse("safety_check") in home
    for number in (1, 6, 9):
        page = get_page(newcomer.client, step_url(number))
        assert "Before the shared parts" in page
        assert CHECK_IN_FORM not in page
        assert 'id="tool"' not in page

    response = newcomer.client.post(reverse("safety_check"), NO_CONCERN)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = get_page(newcomer.client, reverse("home"))
    assert "Before you begin together" not in home
    assert "You can change these answers at any time." in messages_on(home)
    step = get_page(newcomer.client, step_url(1))
    assert "Before the shared parts" not in step
    assert CHECK_IN_FORM in check_in_section(step)
    assert 'id="tool"' in get_page(newcomer.client, step_url(6))


@pytest.fixture
def jordan_with_alex(make_user, partner_a):
    """Jordan joins Alex's space and has not answered the safety check yet."""
    user = make_user("jordan@example.com", "Jordan")
    Partnership.objects.create(
        couple=partnership_of(partner_a).couple, user=user, seat=2, role=Role.BROKE_TRUST
    )
    client = Client()
    client.force_login(user)
    return Persona(user=user, client=client)


def normalised(page: str) -> str:
    """The page without what changes on every request (CSRF tokens, the CSP nonce)."""
    page = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1", page)
    page = re.sub(r'("X-CSRFToken": ")[^"]+', r"\1", page)
    return re.sub(r'nonce="[^"]+"', 'nonce=""', page)


ALEX_PAGES = [reverse("home"), step_url(1), step_url(6), step_url(7), step_url(9), step_url(11)]
HINTS = ["safety", "safe", "afraid", "concern", "pressured", "harmed", "support"]


def alex_view(partner_a) -> dict[str, str]:
    return {url: normalised(get_page(partner_a.client, url)) for url in ALEX_PAGES}


@pytest.mark.parametrize(
    "answers",
    [
        {"afraid": "yes", "pressured": "no", "harmed": "no", "self_harm": "no"},
        {"afraid": "no", "pressured": "yes", "harmed": "no", "self_harm": "no"},
        {"afraid": "no", "pressured": "no", "harmed": "yes", "self_harm": "no"},
        {"afraid": "yes", "pressured": "yes", "harmed": "yes", "self_harm": "yes"},
    ],
    ids=["afraid", "pressured", "harmed", "all"],
)
def test_a_concern_sets_the_shared_parts_aside_for_that_person_alone(
    partner_a, jordan_with_alex, answers
):
    jordan = jordan_with_alex
    alex_before = alex_view(partner_a)

    response = jordan.client.post(reverse("safety_check"), answers)
    assert response.status_code == 302
    assert response["Location"] == reverse("safety_support")
    support = get_page(jordan.client, reverse("safety_support"))
    assert "Your safety comes first" in support
    assert reverse("help") in support

    home = get_page(jordan.client, reverse("home"))
    assert "Your safety comes first" in home
    assert "Before you begin together" not in home
    for number in range(1, 12):
        page = get_page(jordan.client, step_url(number))
        assert "Your safety comes first" in page, number
        assert CHECK_IN_FORM not in page, number
        assert 'id="check-in"' not in page, number
        assert 'id="tool"' not in page, number
        for name in ("question_ask", "apology_save", "commitment_add", "forgiveness_decide"):
            assert reverse(name) not in page, (number, name)
        # Reading and private writing stay open.
        assert reverse("reflection_create", args=[number]) in page

    # Alex's pages are the same, byte for byte, as before Jordan answered.
    alex_after = alex_view(partner_a)
    for url in ALEX_PAGES:
        assert alex_after[url] == alex_before[url], url
        for hint in HINTS:
            assert alex_after[url].lower().count(hint) == alex_before[url].lower().count(hint)
    assert check_in_section(alex_after[step_url(1)]) == check_in_section(alex_before[step_url(1)])


def test_thoughts_of_self_harm_bring_the_crisis_lines_first(partner_a, jordan_with_alex):
    jordan = jordan_with_alex
    alex_before = alex_view(partner_a)

    response = jordan.client.post(reverse("safety_check"), {**NO_CONCERN, "self_harm": "yes"})
    assert response["Location"] == reverse("safety_support")
    support = get_page(jordan.client, reverse("safety_support"))
    crisis = support.index('data-testid="crisis-lines"')
    # The crisis lines come before anything else on the page's body.
    assert crisis < support.index('class="lead"')
    assert 'href="tel:988"' in support
    assert 'href="tel:116123"' in support
    assert "findahelpline.com" in support
    # Not a concern about the partner: the shared parts stay open to Jordan.
    assert CHECK_IN_FORM in check_in_section(get_page(jordan.client, step_url(1)))
    # And nothing of it reaches Alex.
    assert alex_view(partner_a) == alex_before

    jordan.client.post(reverse("safety_check"), NO_CONCERN)
    assert 'data-testid="crisis-lines"' not in get_page(jordan.client, reverse("safety_support"))


def test_alex_sees_the_same_whatever_jordan_answers(partner_a, jordan_with_alex):
    """No concern, or a concern: nothing on Alex's side tells the two apart."""
    jordan = jordan_with_alex
    jordan.client.post(reverse("safety_check"), NO_CONCERN)
    after_no = alex_view(partner_a)
    jordan.client.post(
        reverse("safety_check"),
        {"afraid": "yes", "pressured": "no", "harmed": "no", "self_harm": "no"},
    )
    after_yes = alex_view(partner_a)
    assert after_yes == after_no
    assert "You and Jordan started on" in after_yes[reverse("home")]


def test_a_concern_can_be_changed_later(partner_a, jordan_with_alex):
    jordan = jordan_with_alex
    jordan.client.post(
        reverse("safety_check"),
        {"afraid": "no", "pressured": "yes", "harmed": "no", "self_harm": "no"},
    )
    assert CHECK_IN_FORM not in get_page(jordan.client, step_url(1))

    response = jordan.client.post(reverse("safety_check"), NO_CONCERN)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = get_page(jordan.client, reverse("home"))
    assert "Your safety comes first" not in home
    step = get_page(jordan.client, step_url(1))
    assert "Your safety comes first" not in step
    assert CHECK_IN_FORM in check_in_section(step)
    assert reverse("question_ask") in get_page(jordan.client, step_url(6))
    # Both answers are kept; the latest one counts.
    assert SafetyCheck.objects.filter(user=jordan.user).count() == 2


def test_safety_checks_are_not_in_the_admin(make_user, partner_a):
    assert not admin.site.is_registered(SafetyCheck)
    staff = make_user("admin@example.com", "Admin")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    # Staff reach the admin only with two-factor sign-in set up.
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client = Client()
    client.force_login(staff)
    assert client.get("/admin/steps/safetycheck/").status_code == 404
    assert "safetycheck" not in get_page(client, "/admin/").lower()


# Help and safety on every page


@pytest.fixture
def leave_url(settings):
    settings.LEAVE_QUICKLY_URL = "https://neutral.example/weather?city=x&y=1"
    return settings.LEAVE_QUICKLY_URL


def every_page_type(anonymous, partner_a):
    return [
        (anonymous.client, reverse("landing")),
        (anonymous.client, reverse("help")),
        (anonymous.client, reverse("help_counselor")),
        (partner_a.client, reverse("home")),
        (partner_a.client, step_url(1)),
        (partner_a.client, step_url(7)),
        (partner_a.client, reverse("help")),
    ]


def test_every_page_has_leave_quickly_and_the_counselor_link(anonymous, partner_a, leave_url):
    for client, url in every_page_type(anonymous, partner_a):
        page = get_page(client, url)
        links = re.findall(r"<a\b[^>]*\bdata-quick-exit\b[^>]*>(.*?)</a>", page, re.S)
        assert links == ["Leave quickly"], url
        tag = re.search(r"<a\b[^>]*\bdata-quick-exit\b[^>]*>", page).group(0)
        assert f'href="{escape(leave_url)}"' in tag, url
        assert 'rel="noreferrer"' in tag, url
        assert f'href="{reverse("help_counselor")}"' in page, url
        assert f'href="{reverse("help")}"' in page, url


def test_every_page_loads_app_js_with_the_csp_nonce(anonymous, partner_a):
    assert finders.find("js/app.js")
    for client, url in every_page_type(anonymous, partner_a):
        response = client.get(url)
        page = text_of(response)
        found = re.search(rf'<script src="{re.escape(static("js/app.js"))}" nonce="([^"]+)"', page)
        assert found, url
        nonce = found.group(1)
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"], url
        # No inline script: every script tag has a src.
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url


def test_the_quick_exit_script_leaves_by_replacing_the_page():
    with open(finders.find("js/app.js")) as script:
        source = script.read()
    assert "[data-quick-exit]" in source
    assert "location.replace" in source
    assert '"Escape"' in source


def test_the_help_page_has_the_hotlines_and_says_who_the_process_is_not_for(anonymous):
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", get_page(anonymous.client, reverse("help"))))
    assert "National Domestic Violence Hotline" in page
    assert "1-800-799-7233" in page
    assert "National Domestic Abuse Helpline" in page
    assert "0808 2000 247" in page
    assert "not for relationships with abuse or coercion" in page
    raw = get_page(anonymous.client, reverse("help"))
    assert 'href="tel:+18007997233"' in raw
    assert 'href="tel:08082000247"' in raw


def test_the_counselor_page_says_what_a_counselor_can_and_can_never_see(anonymous):
    page = re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", "", get_page(anonymous.client, reverse("help_counselor")))
    )
    assert "counselor can see" in page.lower()
    assert "can never see your private reflections" in page
    assert "a month" in page
    assert "three years" in page


def test_a_partner_with_a_safety_concern_is_refused_the_shared_exercises_on_the_server(
    partner_a, partner_b
):
    from steps.models import CheckIn, Question, SafetyCheck

    SafetyCheck.objects.create(
        user=partner_a.user,
        couple=partner_a.user.partnerships.get().couple,
        afraid=True,
        pressured=False,
        harmed=False,
    )
    response = partner_a.client.post(
        reverse("check_in_submit", args=[1]), {"feeling": 3, "trust": 5, "ready": "yes"}
    )
    assert "set aside for you" in response.content.decode()
    partner_a.client.post(reverse("question_ask"), {"text": "Why?"})
    assert not CheckIn.objects.exists()
    assert not Question.objects.exists()
    # Pausing is not an exercise: it stays open to them.
    partner_a.client.post(reverse("journey_pause"), {"note": ""})
    assert 'data-state="partners_pause"' in partner_b.client.get(reverse("home")).content.decode()


@pytest.mark.parametrize(
    ("afraid", "pressured", "harmed", "self_harm"),
    [
        (a, p, h, s)
        for a in (False, True)
        for p in (False, True)
        for h in (False, True)
        for s in (False, True)
    ],
)
def test_the_couple_read_and_the_lock_see_a_safety_concern_as_the_check_itself_does(
    partner_a, partner_b, afraid, pressured, harmed, self_harm
):
    """The seats' read (get_couple_reads) and the couple's lock answer "set aside?" in SQL; they
    must agree with SafetyCheck.has_concern for every answer, and take only the latest one."""
    from steps.models import SafetyCheck
    from steps.selectors import get_couple_reads

    couple = partnership_of(partner_a).couple
    latest = SafetyCheck.objects.create(
        user=partner_a.user,
        couple=couple,
        afraid=afraid,
        pressured=pressured,
        harmed=harmed,
        self_harm=self_harm,
    )
    reads = get_couple_reads(partner_a.user)
    assert reads.safety().has_concern is latest.has_concern
    # The partner's own (earlier, concern-free) answer is theirs alone.
    assert get_couple_reads(partner_b.user).safety().has_concern is False
    refused = partner_a.client.post(
        reverse("check_in_submit", args=[1]), {"feeling": 3, "trust": 5, "ready": "no"}
    )
    assert ("set aside for you" in refused.content.decode()) is latest.has_concern


def test_the_couple_read_knows_a_person_who_has_not_answered_the_safety_check(make_user):
    from couples.services import start_couple
    from steps.selectors import get_couple_reads

    user = make_user("sam@example.com", "Sam")
    start_couple(user=user, role=Role.HURT)
    assert get_couple_reads(user).safety() is None


def test_the_couple_read_brings_an_open_pause_with_who_took_it(partner_a, partner_b):
    from steps.selectors import get_couple_reads

    journey = get_couple_reads(partner_a.user).journey()
    assert not journey.is_paused and journey.completed_at is None
    services.pause_journey(partnership=partnership_of(partner_b), note="A week, please.")
    journey = get_couple_reads(partner_a.user).journey()
    assert journey.is_paused and journey.partners_pause.note == "A week, please."
    assert journey.partners_pause.partner == partner_b.user
