"""Every URL of the step tools and the hard roads (pause, the private safety check, the closing
page), asked by every role. Anonymous visitors are sent to log in; people outside a couple get a
404; partners act on their own couple only, and an object of another couple is a 404 that changes
nothing. The help pages are public."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from steps import services
from steps.models import (
    Apology,
    ApologyResponse,
    CheckIn,
    CheckInRound,
    Commitment,
    CommitmentCheck,
    FocusArea,
    FocusAreaUpdate,
    ForgivenessDecision,
    Journey,
    Pause,
    Question,
    QuestionEntry,
    Reflection,
    SafetyCheck,
    StepCompletion,
    Understanding,
)
from tests.steps.helpers import HTMX, partnership_of, text_of

LOGIN = "/accounts/login/"
ROLES = ["anonymous", "outsider", "partner_a", "partner_b", "other_partner"]
PARTNERS = ["partner_a", "partner_b", "other_partner"]

NO_CONCERN = {"afraid": "no", "pressured": "no", "harmed": "no", "self_harm": "no"}
# Strings written into Alex and Blake's couple: nobody outside it may ever see them.
AB_SECRETS = [
    "AB-QUESTION",
    "AB-APOLOGY",
    "AB-HEARD",
    "AB-COMMITMENT",
    "AB-CHECK-NOTE",
    "AB-PLAN",
    "AB-NEXT",
]

MODELS = [
    Journey,
    Pause,
    SafetyCheck,
    Question,
    QuestionEntry,
    Apology,
    ApologyResponse,
    Understanding,
    Commitment,
    CommitmentCheck,
    FocusArea,
    FocusAreaUpdate,
    ForgivenessDecision,
    Reflection,
    CheckInRound,
    CheckIn,
    StepCompletion,
]


def persona(request, role):
    return request.getfixturevalue(role)


def db_snapshot() -> dict[str, list[dict]]:
    """Every row the steps app stores, to prove that a request changed nothing."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def assert_htmx_login_redirect(response):
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(LOGIN)


def assert_back_to_tool(response, number):
    assert response.status_code == 302
    assert response["Location"] == reverse("step_detail", args=[number]) + "#tool"


def assert_refused_on_step_page(response, message):
    """A rule stopped the action: the step page again, with the reason, and a 200."""
    assert response.status_code == 200
    content = text_of(response)
    assert "<html" in content
    assert 'id="tool"' in content
    assert message in content


def today():
    return timezone.localdate()


@pytest.fixture
def ab(partner_a, partner_b, couple_ab) -> SimpleNamespace:
    """One of each shared object in Alex and Blake's couple, made through the services."""
    alex = partnership_of(partner_a)
    blake = partnership_of(partner_b)
    question = services.ask_question(partnership=alex, text="AB-QUESTION")
    services.save_apology_draft(partnership=blake, text="AB-APOLOGY")
    apology = services.send_apology(partnership=blake)
    understanding = services.write_understanding(partnership=alex, text="AB-HEARD")
    commitment = services.add_commitment(
        partnership=blake, text="AB-COMMITMENT", review_on=today() + timedelta(days=30)
    )
    check = services.check_off_commitment(
        partnership=blake, commitment=commitment, on=today(), note="AB-CHECK-NOTE"
    )
    area = services.add_focus_area(
        partnership=alex, kind="money", title="", plan="AB-PLAN", next_action="AB-NEXT"
    )
    decision = services.decide_forgiveness(partnership=alex, decision="not_yet")
    return SimpleNamespace(
        couple=couple_ab,
        question=question,
        apology=apology,
        understanding=understanding,
        commitment=commitment,
        check=check,
        area=area,
        decision=decision,
    )


def all_requests(ab) -> dict[str, tuple[str, str, dict]]:
    """Every URL of this file with a valid request for it, keyed by a readable id."""
    later = (today() + timedelta(days=60)).isoformat()
    return {
        "pause_page": ("get", reverse("pause_page"), {}),
        "journey_pause": ("post", reverse("journey_pause"), {"note": "NEW-PAUSE-NOTE"}),
        "journey_ask_to_resume": (
            "post",
            reverse("journey_ask_to_resume"),
            {"note": "NEW-RESUME-NOTE"},
        ),
        "journey_resume": ("post", reverse("journey_resume"), {}),
        "safety_check-get": ("get", reverse("safety_check"), {}),
        "safety_check-post": ("post", reverse("safety_check"), NO_CONCERN),
        "safety_support": ("get", reverse("safety_support"), {}),
        "journey_complete": ("get", reverse("journey_complete"), {}),
        "question_ask": ("post", reverse("question_ask"), {"text": "NEW-QUESTION"}),
        "ledger_status": ("get", reverse("ledger_status"), {}),
        "told_later": ("post", reverse("told_later"), {"text": "NEW-TOLD-LATER"}),
        "question_respond": (
            "post",
            reverse("question_respond", args=[ab.question.pk]),
            {"kind": "answer", "text": "NEW-ANSWER"},
        ),
        "apology_save": ("post", reverse("apology_save"), {"text": "NEW-APOLOGY", "send": "1"}),
        "apology_respond": (
            "post",
            reverse("apology_respond", args=[ab.apology.pk]),
            {"kind": "accept", "text": ""},
        ),
        "understanding_write": ("post", reverse("understanding_write"), {"text": "NEW-HEARD"}),
        "understanding_respond": (
            "post",
            reverse("understanding_respond", args=[ab.understanding.pk]),
            {"understood": "4", "clarification": "NEW-CLARIFICATION"},
        ),
        "commitment_add": (
            "post",
            reverse("commitment_add"),
            {"text": "NEW-COMMITMENT", "review_on": later},
        ),
        "commitment_check": (
            "post",
            reverse("commitment_check", args=[ab.commitment.pk]),
            {"on": today().isoformat(), "note": "NEW-CHECK"},
        ),
        "commitment_review": (
            "post",
            reverse("commitment_review", args=[ab.commitment.pk]),
            {"review_on": later},
        ),
        "commitment_acknowledge": (
            "post",
            reverse("commitment_acknowledge", args=[ab.check.pk]),
            {},
        ),
        "focus_area_add": (
            "post",
            reverse("focus_area_add"),
            {"kind": "time_together", "title": "", "plan": "NEW-PLAN", "next_action": ""},
        ),
        "focus_area_update": (
            "post",
            reverse("focus_area_update", args=[ab.area.pk]),
            {"plan": "NEW-PLAN", "next_action": "", "status": "working", "note": "NEW-NOTE"},
        ),
        "forgiveness_decide": (
            "post",
            reverse("forgiveness_decide"),
            {"decision": "forgive", "reflection": "NEW-REFLECTION"},
        ),
    }


REQUEST_IDS = [
    "pause_page",
    "journey_pause",
    "journey_ask_to_resume",
    "journey_resume",
    "safety_check-get",
    "safety_check-post",
    "safety_support",
    "journey_complete",
    "question_ask",
    "ledger_status",
    "told_later",
    "question_respond",
    "apology_save",
    "apology_respond",
    "understanding_write",
    "understanding_respond",
    "commitment_add",
    "commitment_check",
    "commitment_review",
    "commitment_acknowledge",
    "focus_area_add",
    "focus_area_update",
    "forgiveness_decide",
]
# The URLs that name an object: for Casey, every object of Alex's couple is a 404.
OBJECT_REQUEST_IDS = [
    "question_respond",
    "apology_respond",
    "understanding_respond",
    "commitment_check",
    "commitment_review",
    "commitment_acknowledge",
    "focus_area_update",
]
POST_ONLY = [
    ("journey_pause", []),
    ("journey_ask_to_resume", []),
    ("journey_resume", []),
    ("question_ask", []),
    ("told_later", []),
    ("question_respond", ["question"]),
    ("apology_save", []),
    ("apology_respond", ["apology"]),
    ("understanding_write", []),
    ("understanding_respond", ["understanding"]),
    ("commitment_add", []),
    ("commitment_check", ["commitment"]),
    ("commitment_review", ["commitment"]),
    ("commitment_acknowledge", ["check"]),
    ("focus_area_add", []),
    ("focus_area_update", ["area"]),
    ("forgiveness_decide", []),
]
GET_ONLY = [
    "pause_page",
    "safety_support",
    "journey_complete",
    "ledger_status",
    "help",
    "help_counselor",
]


def test_the_request_table_covers_every_url_after_check_in_state():
    """If a tool or hard-road URL is added to steps/urls.py, this file must learn about it.
    (The data-export and counselor URLs that follow them have tests of their own, in
    tests/test_your_data.py, tests/couples/test_counselors.py and tests/test_access_matrix.py;
    hard moments, open to anyone signed in, in tests/steps/test_hard_moments.py; the daily
    question and rebuilding closeness in tests/steps/test_daily_and_closeness.py.)"""
    from steps.urls import urlpatterns

    names = [pattern.name for pattern in urlpatterns]
    after = [
        name
        for name in names[names.index("check_in_state") + 1 :]
        if not name.startswith(("counselor_", "data_export", "hard_moment", "daily", "closeness"))
        and name != "account_delete"
    ]
    covered = {request_id.split("-")[0] for request_id in REQUEST_IDS}
    assert set(after) == covered


# Anonymous visitors and people outside a couple


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("request_id", REQUEST_IDS)
def test_anonymous_is_sent_to_log_in_and_changes_nothing(anonymous, ab, request_id, htmx):
    method, url, data = all_requests(ab)[request_id]
    before = db_snapshot()
    response = getattr(anonymous.client, method)(url, data, **(HTMX if htmx else {}))
    if htmx:
        assert_htmx_login_redirect(response)
    else:
        assert_login_redirect(response)
    for secret in AB_SECRETS:
        assert secret not in text_of(response)
    assert db_snapshot() == before


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("request_id", REQUEST_IDS)
def test_outsider_gets_404_and_changes_nothing(outsider, ab, request_id, htmx):
    method, url, data = all_requests(ab)[request_id]
    before = db_snapshot()
    response = getattr(outsider.client, method)(url, data, **(HTMX if htmx else {}))
    assert response.status_code == 404
    for secret in AB_SECRETS:
        assert secret not in text_of(response)
    assert db_snapshot() == before


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("request_id", OBJECT_REQUEST_IDS)
def test_casey_gets_404_for_every_object_of_alex_couple(other_partner, ab, request_id, htmx):
    method, url, data = all_requests(ab)[request_id]
    before = db_snapshot()
    response = getattr(other_partner.client, method)(url, data, **(HTMX if htmx else {}))
    assert response.status_code == 404
    for secret in AB_SECRETS:
        assert secret not in text_of(response)
    assert db_snapshot() == before


@pytest.mark.parametrize("request_id", OBJECT_REQUEST_IDS)
def test_an_object_that_does_not_exist_is_404(partner_a, ab, request_id):
    method, url, data = all_requests(ab)[request_id]
    pk_by_request = {
        "question_respond": ab.question.pk,
        "apology_respond": ab.apology.pk,
        "understanding_respond": ab.understanding.pk,
        "commitment_check": ab.commitment.pk,
        "commitment_review": ab.commitment.pk,
        "commitment_acknowledge": ab.check.pk,
        "focus_area_update": ab.area.pk,
    }
    pk = pk_by_request[request_id]
    url = url.replace(f"/{pk}/", f"/{pk + 1000}/")
    before = db_snapshot()
    response = getattr(partner_a.client, method)(url, data)
    assert response.status_code == 404
    assert db_snapshot() == before


# Pause and resume


def open_pauses(couple) -> list[Pause]:
    return list(Pause.objects.filter(couple=couple, ended_at__isnull=True))


@pytest.mark.parametrize("role", PARTNERS)
def test_journey_pause_by_a_partner_pauses_their_own_couple(request, couple_ab, role):
    who = persona(request, role)
    response = who.client.post(reverse("journey_pause"), {"note": "NEW-PAUSE-NOTE"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    [pause] = open_pauses(partnership_of(who).couple)
    assert pause.partner == who.user
    assert pause.note == "NEW-PAUSE-NOTE"
    if role == "other_partner":
        assert open_pauses(couple_ab) == []


@pytest.mark.parametrize("role", PARTNERS)
def test_journey_resume_by_a_partner_ends_their_own_pause(
    request, partner_a, partner_b, other_partner, couple_ab, role
):
    services.pause_journey(partnership=partnership_of(partner_a), note="AB-PAUSE")
    services.pause_journey(partnership=partnership_of(other_partner), note="CASEY-PAUSE")
    who = persona(request, role)
    response = who.client.post(reverse("journey_resume"))
    assert response.status_code == 302
    if role == "partner_b":
        # Alex's pause is Alex's to end: Blake is told so, and the pause stands.
        assert response["Location"] == reverse("pause_page")
        [pause] = open_pauses(couple_ab)
        assert pause.note == "AB-PAUSE"
        return
    assert response["Location"] == reverse("home")
    assert open_pauses(partnership_of(who).couple) == []
    if role == "other_partner":
        [pause] = open_pauses(couple_ab)
        assert pause.note == "AB-PAUSE"
    else:
        assert open_pauses(couple_ab) == []


@pytest.mark.parametrize("name", ["journey_pause", "journey_resume"])
@pytest.mark.parametrize("role", PARTNERS)
def test_htmx_pause_and_resume_send_the_browser_home(request, couple_ab, name, role):
    response = persona(request, role).client.post(reverse(name), {"note": ""}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("home")


# The private safety check


@pytest.mark.parametrize("role", PARTNERS)
def test_safety_check_page_is_open_to_partners(request, couple_ab, role):
    response = persona(request, role).client.get(reverse("safety_check"))
    assert response.status_code == 200
    content = text_of(response)
    assert 'action="/space/safety-check/"' in content
    assert 'name="afraid"' in content
    assert 'name="pressured"' in content
    assert 'name="harmed"' in content


@pytest.mark.parametrize(
    ("answers", "location", "concern"),
    [
        (NO_CONCERN, "home", False),
        ({**NO_CONCERN, "pressured": "yes"}, "safety_support", True),
        # Thoughts of self-harm bring the crisis lines first, and set nothing shared aside.
        ({**NO_CONCERN, "self_harm": "yes"}, "safety_support", False),
    ],
    ids=["no-concern", "concern", "self-harm"],
)
@pytest.mark.parametrize("role", PARTNERS)
def test_safety_check_answers_are_recorded_for_the_person_alone(
    request, couple_ab, role, answers, location, concern
):
    who = persona(request, role)
    earlier = set(SafetyCheck.objects.values_list("pk", flat=True))
    response = who.client.post(reverse("safety_check"), answers)
    assert response.status_code == 302
    assert response["Location"] == reverse(location)
    new = SafetyCheck.objects.exclude(pk__in=earlier)
    assert new.count() == 1
    check = new.get()
    assert check.user == who.user
    assert check.couple == partnership_of(who).couple
    assert check.has_concern is concern
    assert check.self_harm is (answers["self_harm"] == "yes")


@pytest.mark.parametrize("role", PARTNERS)
def test_safety_check_with_no_answers_is_the_form_again(request, couple_ab, role):
    client = persona(request, role).client
    before = db_snapshot()
    response = client.post(reverse("safety_check"), {})
    assert response.status_code == 200
    assert 'action="/space/safety-check/"' in text_of(response)
    assert db_snapshot() == before


@pytest.mark.parametrize("role", PARTNERS)
def test_safety_support_is_open_to_partners(request, couple_ab, role):
    response = persona(request, role).client.get(reverse("safety_support"))
    assert response.status_code == 200
    assert "Your safety comes first" in text_of(response)
    assert reverse("help") in text_of(response)


# The closing page


@pytest.mark.parametrize("role", PARTNERS)
def test_journey_complete_sends_home_until_both_forgive(request, couple_ab, role):
    response = persona(request, role).client.get(reverse("journey_complete"))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize(("role", "status"), [("partner_a", 200), ("partner_b", 200)])
def test_journey_complete_opens_once_both_partners_forgive(
    request, partner_a, partner_b, other_partner, role, status
):
    for who in (partner_a, partner_b):
        services.decide_forgiveness(partnership=partnership_of(who), decision="forgive")
    response = persona(request, role).client.get(reverse("journey_complete"))
    assert response.status_code == status
    assert "Your journey together" in text_of(response)
    assert "You both chose to forgive" in text_of(response)
    # Casey's couple is not complete: another couple's ending is not Casey's.
    casey = other_partner.client.get(reverse("journey_complete"))
    assert casey.status_code == 302
    assert casey["Location"] == reverse("home")


# Step 6: the question ledger


@pytest.mark.parametrize("role", PARTNERS)
def test_question_ask_adds_to_their_own_ledger(request, ab, role):
    who = persona(request, role)
    response = who.client.post(reverse("question_ask"), {"text": "NEW-QUESTION"})
    assert_back_to_tool(response, 6)
    question = Question.objects.get(text="NEW-QUESTION")
    assert question.couple == partnership_of(who).couple
    assert question.asked_by == who.user


@pytest.mark.parametrize("role", PARTNERS)
def test_told_later_adds_to_their_own_ledger(request, ab, role):
    who = persona(request, role)
    response = who.client.post(reverse("told_later"), {"text": "NEW-TOLD-LATER"})
    assert_back_to_tool(response, 6)
    told = Question.objects.get(text="NEW-TOLD-LATER")
    assert (told.couple, told.asked_by, told.told_later) == (
        partnership_of(who).couple,
        who.user,
        True,
    )


@pytest.mark.parametrize(
    ("role", "count"), [("partner_a", 1), ("partner_b", 1), ("other_partner", 0)]
)
def test_ledger_status_counts_their_own_unanswered_questions(request, ab, role, count):
    response = persona(request, role).client.get(reverse("ledger_status"), **HTMX)
    assert response.status_code == 200
    content = text_of(response)
    assert "<html" not in content
    assert 'id="ledger-status"' in content
    assert f"<strong>{count} unanswered</strong>" in content
    assert "AB-QUESTION" not in content


def test_question_respond_by_the_partner_who_was_asked(partner_b, ab):
    response = partner_b.client.post(
        reverse("question_respond", args=[ab.question.pk]), {"kind": "answer", "text": "AN-ANSWER"}
    )
    assert_back_to_tool(response, 6)
    entry = QuestionEntry.objects.get(question=ab.question)
    assert (entry.author, entry.kind, entry.text) == (partner_b.user, "answer", "AN-ANSWER")
    ab.question.refresh_from_db()
    assert ab.question.status == "answered"


def test_question_respond_by_the_asker_is_only_asking_again(partner_a, ab):
    before = db_snapshot()
    refused = partner_a.client.post(
        reverse("question_respond", args=[ab.question.pk]), {"kind": "answer", "text": "MINE"}
    )
    assert_refused_on_step_page(refused, "This is your own question: your partner answers it.")
    assert db_snapshot() == before
    response = partner_a.client.post(
        reverse("question_respond", args=[ab.question.pk]), {"kind": "follow_up", "text": "MORE"}
    )
    assert_back_to_tool(response, 6)
    entry = QuestionEntry.objects.get(question=ab.question)
    assert (entry.author, entry.kind) == (partner_a.user, "follow_up")


# Step 7: the apology


def test_apology_save_by_the_partner_who_broke_the_trust(partner_b, ab):
    response = partner_b.client.post(reverse("apology_save"), {"text": "A-DRAFT", "save": "1"})
    assert_back_to_tool(response, 7)
    draft = Apology.objects.get(author=partner_b.user, sent_at=None)
    assert draft.text == "A-DRAFT"
    assert draft.couple == ab.couple

    response = partner_b.client.post(reverse("apology_save"), {"text": "A-SENT", "send": "1"})
    assert_back_to_tool(response, 7)
    assert not Apology.objects.filter(author=partner_b.user, sent_at=None).exists()
    assert Apology.objects.get(pk=draft.pk).text == "A-SENT"
    assert Apology.objects.get(pk=draft.pk).sent_at is not None


def test_apology_save_by_the_hurt_partner_is_refused(partner_a, ab):
    before = db_snapshot()
    response = partner_a.client.post(reverse("apology_save"), {"text": "NOT-MINE", "send": "1"})
    assert_refused_on_step_page(
        response, "In this step the apology comes from the partner who broke the trust."
    )
    assert db_snapshot() == before


def test_apology_save_by_casey_stays_in_casey_couple(other_partner, ab):
    before = db_snapshot()
    response = other_partner.client.post(reverse("apology_save"), {"text": "CASEY-DRAFT"})
    assert_back_to_tool(response, 7)
    draft = Apology.objects.get(author=other_partner.user)
    assert draft.couple == partnership_of(other_partner).couple
    assert draft.sent_at is None
    assert list(Apology.objects.filter(couple=ab.couple).values()) == [
        row for row in before["Apology"] if row["couple_id"] == ab.couple.pk
    ]


def test_apology_respond_by_the_partner_it_was_sent_to(partner_a, ab):
    response = partner_a.client.post(
        reverse("apology_respond", args=[ab.apology.pk]), {"kind": "accept", "text": ""}
    )
    assert_back_to_tool(response, 7)
    answer = ApologyResponse.objects.get(apology=ab.apology)
    assert (answer.author, answer.kind) == (partner_a.user, "accept")


def test_apology_respond_by_its_author_is_refused(partner_b, ab):
    before = db_snapshot()
    response = partner_b.client.post(
        reverse("apology_respond", args=[ab.apology.pk]), {"kind": "accept", "text": ""}
    )
    assert_refused_on_step_page(response, "You can answer only an apology your partner sent you.")
    assert db_snapshot() == before


# Step 8: feeling understood


@pytest.mark.parametrize("role", ["partner_a", "partner_b"])
def test_understanding_write_by_either_partner(request, ab, role):
    who = persona(request, role)
    response = who.client.post(reverse("understanding_write"), {"text": "NEW-HEARD"})
    assert_back_to_tool(response, 8)
    written = Understanding.objects.get(text="NEW-HEARD")
    assert (written.couple, written.listener) == (ab.couple, who.user)


def test_understanding_write_by_casey_alone_waits_for_a_partner(other_partner, ab):
    before = db_snapshot()
    response = other_partner.client.post(reverse("understanding_write"), {"text": "NEW-HEARD"})
    assert_refused_on_step_page(response, "This exercise needs your partner in the space.")
    assert db_snapshot() == before


def test_understanding_respond_by_the_partner_who_was_heard(partner_b, ab):
    response = partner_b.client.post(
        reverse("understanding_respond", args=[ab.understanding.pk]),
        {"understood": "4", "clarification": "A-CLARIFICATION"},
    )
    assert_back_to_tool(response, 8)
    ab.understanding.refresh_from_db()
    assert ab.understanding.understood == 4
    assert ab.understanding.clarification == "A-CLARIFICATION"
    assert ab.understanding.responded_at is not None


def test_understanding_respond_by_the_listener_is_refused(partner_a, ab):
    before = db_snapshot()
    response = partner_a.client.post(
        reverse("understanding_respond", args=[ab.understanding.pk]),
        {"understood": "5", "clarification": ""},
    )
    assert_refused_on_step_page(response, "Your partner says how understood they feel.")
    assert db_snapshot() == before


# Step 9: commitments


@pytest.mark.parametrize("role", ["partner_b", "other_partner"])
def test_commitment_add_by_a_partner_who_may_commit(request, ab, role):
    who = persona(request, role)
    review_on = today() + timedelta(days=14)
    response = who.client.post(
        reverse("commitment_add"), {"text": "NEW-COMMITMENT", "review_on": review_on.isoformat()}
    )
    assert_back_to_tool(response, 9)
    commitment = Commitment.objects.get(text="NEW-COMMITMENT")
    assert (commitment.couple, commitment.owner) == (partnership_of(who).couple, who.user)
    assert commitment.review_on == review_on


def test_commitment_add_by_the_hurt_partner_is_refused(partner_a, ab):
    before = db_snapshot()
    response = partner_a.client.post(
        reverse("commitment_add"),
        {"text": "NOT-MINE", "review_on": (today() + timedelta(days=14)).isoformat()},
    )
    assert_refused_on_step_page(
        response, "Commitments here come from the partner who broke the trust."
    )
    assert db_snapshot() == before


def test_commitment_check_by_its_owner(partner_b, ab):
    response = partner_b.client.post(
        reverse("commitment_check", args=[ab.commitment.pk]),
        {"on": today().isoformat(), "note": "KEPT-AGAIN"},
    )
    assert_back_to_tool(response, 9)
    assert ab.commitment.checks.filter(note="KEPT-AGAIN").count() == 1


def test_commitment_check_by_the_other_partner_is_refused(partner_a, ab):
    before = db_snapshot()
    response = partner_a.client.post(
        reverse("commitment_check", args=[ab.commitment.pk]),
        {"on": today().isoformat(), "note": "NOT-MINE"},
    )
    assert_refused_on_step_page(response, "Only the partner who made a commitment checks it off.")
    assert db_snapshot() == before


@pytest.mark.parametrize("role", ["partner_a", "partner_b"])
def test_commitment_review_by_either_partner_renews_it(request, ab, role):
    later = today() + timedelta(days=90)
    response = persona(request, role).client.post(
        reverse("commitment_review", args=[ab.commitment.pk]), {"review_on": later.isoformat()}
    )
    assert_back_to_tool(response, 9)
    ab.commitment.refresh_from_db()
    assert ab.commitment.review_on == later
    assert ab.commitment.closed_at is None


@pytest.mark.parametrize("role", ["partner_a", "partner_b"])
def test_commitment_review_by_either_partner_closes_it(request, ab, role):
    response = persona(request, role).client.post(
        reverse("commitment_review", args=[ab.commitment.pk]), {"close": "1"}
    )
    assert_back_to_tool(response, 9)
    ab.commitment.refresh_from_db()
    assert ab.commitment.closed_at is not None


def test_commitment_acknowledge_by_the_other_partner(partner_a, ab):
    response = partner_a.client.post(reverse("commitment_acknowledge", args=[ab.check.pk]))
    assert_back_to_tool(response, 9)
    ab.check.refresh_from_db()
    assert ab.check.acknowledged_at is not None


def test_commitment_acknowledge_by_its_owner_is_refused(partner_b, ab):
    before = db_snapshot()
    response = partner_b.client.post(reverse("commitment_acknowledge", args=[ab.check.pk]))
    assert_refused_on_step_page(response, "Your partner acknowledges your check-offs.")
    assert db_snapshot() == before


# Step 10: focus areas


@pytest.mark.parametrize("role", PARTNERS)
def test_focus_area_add_to_their_own_couple(request, ab, role):
    who = persona(request, role)
    response = who.client.post(
        reverse("focus_area_add"),
        {"kind": "time_together", "title": "", "plan": "NEW-PLAN", "next_action": ""},
    )
    assert_back_to_tool(response, 10)
    area = FocusArea.objects.get(plan="NEW-PLAN")
    assert (area.couple, area.kind) == (partnership_of(who).couple, "time_together")


def test_focus_area_add_twice_is_refused(partner_b, ab):
    before = db_snapshot()
    response = partner_b.client.post(
        reverse("focus_area_add"), {"kind": "money", "title": "", "plan": "", "next_action": ""}
    )
    assert_refused_on_step_page(response, "You already have this area; update it below.")
    assert db_snapshot() == before


@pytest.mark.parametrize("role", ["partner_a", "partner_b"])
def test_focus_area_update_by_either_partner(request, ab, role):
    who = persona(request, role)
    response = who.client.post(
        reverse("focus_area_update", args=[ab.area.pk]),
        {"plan": "NEW-PLAN", "next_action": "NEW-NEXT", "status": "working", "note": "NEW-NOTE"},
    )
    assert_back_to_tool(response, 10)
    ab.area.refresh_from_db()
    assert (ab.area.plan, ab.area.next_action, ab.area.status) == (
        "NEW-PLAN",
        "NEW-NEXT",
        "working",
    )
    update = ab.area.updates.get()
    assert (update.author, update.status, update.note) == (who.user, "working", "NEW-NOTE")


# Step 11: forgiveness


@pytest.mark.parametrize("role", PARTNERS)
def test_forgiveness_decide_in_their_own_couple(request, ab, role):
    who = persona(request, role)
    response = who.client.post(
        reverse("forgiveness_decide"), {"decision": "not_yet", "reflection": "PRIVATE-BESIDE"}
    )
    assert_back_to_tool(response, 11)
    decision = ForgivenessDecision.objects.get(author=who.user, pk__gt=ab.decision.pk)
    assert (decision.couple, decision.decision) == (partnership_of(who).couple, "not_yet")
    reflection = Reflection.objects.get(author=who.user)
    assert (reflection.step, reflection.text) == (11, "PRIVATE-BESIDE")


# HTMX: a tool answers with its own section


@pytest.mark.parametrize(
    "request_id",
    [
        "question_ask",
        "told_later",
        "question_respond",
        "apology_save",
        "apology_respond",
        "understanding_write",
        "understanding_respond",
        "commitment_add",
        "commitment_check",
        "commitment_review",
        "commitment_acknowledge",
        "focus_area_add",
        "focus_area_update",
        "forgiveness_decide",
    ],
)
def test_htmx_tool_actions_answer_with_the_tool_section(partner_b, ab, request_id):
    method, url, data = all_requests(ab)[request_id]
    response = getattr(partner_b.client, method)(url, data, **HTMX)
    assert response.status_code == 200
    content = text_of(response)
    assert "<html" not in content
    assert content.lstrip().startswith('<section id="tool"')


# Wrong methods


@pytest.mark.parametrize(("name", "args"), POST_ONLY, ids=[name for name, _ in POST_ONLY])
@pytest.mark.parametrize("role", ROLES)
def test_get_on_a_post_only_url_is_405(request, ab, role, name, args):
    client = persona(request, role).client
    before = db_snapshot()
    url = reverse(name, args=[getattr(ab, arg).pk for arg in args])
    response = client.get(url)
    assert response.status_code == 405
    assert db_snapshot() == before


@pytest.mark.parametrize("name", GET_ONLY)
@pytest.mark.parametrize("role", ROLES)
def test_post_on_a_get_only_url_is_405(request, ab, role, name):
    client = persona(request, role).client
    before = db_snapshot()
    response = client.post(reverse(name), {"x": "y"})
    assert response.status_code == 405
    assert db_snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_put_on_the_safety_check_is_405(request, ab, role):
    client = persona(request, role).client
    before = db_snapshot()
    response = client.put(reverse("safety_check"))
    assert response.status_code == 405
    assert db_snapshot() == before


# Help pages: public, for everyone


@pytest.mark.parametrize("name", ["help", "help_counselor"])
@pytest.mark.parametrize("role", ROLES)
def test_help_pages_are_public(request, couple_ab, role, name):
    response = persona(request, role).client.get(reverse(name))
    assert response.status_code == 200
    assert "Leave quickly" in text_of(response)
