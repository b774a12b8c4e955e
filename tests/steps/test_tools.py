"""The shared tools of steps 6 to 11, through the views as the partners use them: the question
ledger, the apology, feeling understood, commitments, focus areas and forgiveness. Who may do
what, what each partner sees, the space turning read-only once it ends, and another couple's
partner never reaching any of it."""

import html
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from couples.models import Partnership, Role
from couples.services import end_couple
from steps import services
from steps.models import (
    Apology,
    ApologyResponse,
    Commitment,
    CommitmentCheck,
    FocusArea,
    FocusAreaUpdate,
    ForgivenessDecision,
    Journey,
    Question,
    QuestionEntry,
    QuestionStatus,
    Reflection,
    Understanding,
)
from steps.selectors import get_ledger_status
from tests.steps.helpers import HTMX, partnership_of

QUESTION = "ALEX-QUESTION: where were you on the night of the 14th?"
ANSWER = "BLAKE-ANSWER: I was at the hotel bar"
REVISED = "BLAKE-REVISED: I was at the hotel bar, and I stayed until two"
DRAFT = "BLAKE-DRAFT: I am sorry, I lied to you for months"
SENT = "BLAKE-APOLOGY: I lied to you, and I broke your trust. I am sorry."
HEARD = "ALEX-HEARD: you felt lonely and unseen for a long time"
COMMITMENT = "BLAKE-COMMITMENT: I tell you when plans change"
PRIVATE = "ALEX-PRIVATE-FORGIVENESS-REFLECTION"


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def page(persona, step: int) -> str:
    response = persona.client.get(reverse("step_detail", args=[step]))
    assert response.status_code == 200
    return text_of(response)


def post(persona, name: str, data=None, *args, htmx: bool = False):
    extra = HTMX if htmx else {}
    return persona.client.post(reverse(name, args=args), data or {}, **extra)


def later(days: int = 30):
    return timezone.localdate() + timedelta(days=days)


def earlier(days: int = 1):
    return timezone.localdate() - timedelta(days=days)


TOOL_TITLES = {
    6: "Questions and answers",
    7: "A genuine apology",
    8: "Feeling understood",
    9: "Commitments, and the record of keeping them",
    10: "What we can improve",
    11: "Choosing to forgive",
}


def assert_tool_fragment(response, step: int):
    """An HTMX answer is the step's tool section alone, never the whole page."""
    assert response.status_code == 200
    content = text_of(response)
    assert content.lstrip().startswith('<section id="tool"')
    assert f'<h2 id="tool-title">{TOOL_TITLES[step]}</h2>' in content
    assert "<html" not in content
    return content


def assert_back_to_tool(response, step: int):
    assert response.status_code == 302
    assert response["Location"] == reverse("step_detail", args=[step]) + "#tool"


def snapshot():
    """Everything the step tools store, to prove that a request changed nothing."""
    return (
        sorted(Question.objects.values_list("pk", "couple_id", "text", "status", "updated_at")),
        sorted(QuestionEntry.objects.values_list("pk", "question_id", "author_id", "kind", "text")),
        sorted((a.pk, a.author_id, a.text, a.sent_at, a.updated_at) for a in Apology.objects.all()),
        sorted(ApologyResponse.objects.values_list("pk", "apology_id", "author_id", "kind")),
        sorted(
            Understanding.objects.values_list(
                "pk", "listener_id", "text", "understood", "clarification", "responded_at"
            )
        ),
        sorted(Commitment.objects.values_list("pk", "owner_id", "text", "review_on", "closed_at")),
        sorted(
            CommitmentCheck.objects.values_list(
                "pk", "commitment_id", "on", "note", "acknowledged_at"
            )
        ),
        sorted(
            FocusArea.objects.values_list(
                "pk", "couple_id", "kind", "title", "plan", "next_action", "status", "updated_at"
            )
        ),
        sorted(FocusAreaUpdate.objects.values_list("pk", "area_id", "status", "note")),
        sorted(ForgivenessDecision.objects.values_list("pk", "author_id", "decision")),
        sorted(Journey.objects.values_list("couple_id", "completed_at")),
        sorted(Reflection.objects.values_list("pk", "author_id", "step")),
    )


@pytest.fixture
def couple(partner_a, partner_b):
    return partnership_of(partner_a).couple


@pytest.fixture
def alex(partner_a, couple) -> Partnership:
    return partnership_of(partner_a)


@pytest.fixture
def blake(partner_b, couple) -> Partnership:
    return partnership_of(partner_b)


@pytest.fixture
def question(alex) -> Question:
    return services.ask_question(partnership=alex, text=QUESTION)


@pytest.fixture
def sent_apology(blake) -> Apology:
    services.save_apology_draft(partnership=blake, text=SENT)
    return services.send_apology(partnership=blake)


@pytest.fixture
def understanding(alex, blake) -> Understanding:
    return services.write_understanding(partnership=alex, text=HEARD)


@pytest.fixture
def commitment(blake) -> Commitment:
    return services.add_commitment(partnership=blake, text=COMMITMENT, review_on=later())


@pytest.fixture
def check(blake, commitment) -> CommitmentCheck:
    return services.check_off_commitment(
        partnership=blake, commitment=commitment, on=timezone.localdate(), note="kept it today"
    )


@pytest.fixture
def area(alex) -> FocusArea:
    return services.add_focus_area(
        partnership=alex, kind="money", title="", plan="A shared budget", next_action="Meet Sunday"
    )


# Step 6: the question ledger.


def test_either_partner_asks_and_both_see_every_question(partner_a, partner_b, couple):
    assert_back_to_tool(post(partner_a, "question_ask", {"text": QUESTION}), 6)
    fragment = assert_tool_fragment(
        post(
            partner_b, "question_ask", {"text": "BLAKE-QUESTION: do you want to stay?"}, htmx=True
        ),
        6,
    )
    assert QUESTION in fragment
    assert "BLAKE-QUESTION" in fragment
    assert sorted(Question.objects.values_list("asked_by_id", "status")) == sorted(
        [(partner_a.user.pk, QuestionStatus.OPEN), (partner_b.user.pk, QuestionStatus.OPEN)]
    )
    for persona in (partner_a, partner_b):
        content = page(persona, 6)
        assert QUESTION in content and "BLAKE-QUESTION" in content
        assert content.count("Waiting for an answer") == 2


def test_only_the_other_partner_answers_and_the_question_becomes_answered(
    partner_a, partner_b, question
):
    refused = assert_tool_fragment(
        post(
            partner_a,
            "question_respond",
            {"kind": "answer", "text": "I answer myself"},
            question.pk,
            htmx=True,
        ),
        6,
    )
    assert "This is your own question: your partner answers it." in refused
    assert not QuestionEntry.objects.exists()

    assert_back_to_tool(
        post(partner_b, "question_respond", {"kind": "answer", "text": ANSWER}, question.pk), 6
    )
    question.refresh_from_db()
    assert question.status == QuestionStatus.ANSWERED
    (entry,) = question.entries.all()
    assert (entry.author_id, entry.kind, entry.text) == (partner_b.user.pk, "answer", ANSWER)
    content = page(partner_a, 6)
    assert ANSWER in content
    assert "Answered" in content


def test_the_answering_partner_can_say_they_need_time(partner_a, partner_b, question):
    refused = text_of(
        post(partner_a, "question_respond", {"kind": "needs_time"}, question.pk, htmx=True)
    )
    assert "This is your own question: your partner answers it." in refused
    assert not QuestionEntry.objects.exists()

    assert_tool_fragment(
        post(partner_b, "question_respond", {"kind": "needs_time"}, question.pk, htmx=True), 6
    )
    question.refresh_from_db()
    assert question.status == QuestionStatus.NEEDS_TIME
    assert question.entries.get().kind == QuestionEntry.Kind.NEEDS_TIME
    content = page(partner_a, 6)
    assert "Needs time to answer" in content
    assert "1 unanswered" in content


def test_only_the_partner_who_asked_can_ask_again(partner_a, partner_b, question):
    services.add_question_entry(
        partnership=partnership_of(partner_b), question=question, kind="answer", text=ANSWER
    )
    refused = text_of(
        post(
            partner_b,
            "question_respond",
            {"kind": "follow_up", "text": "again?"},
            question.pk,
            htmx=True,
        )
    )
    assert "Only the partner who asked can ask again." in refused
    assert question.entries.count() == 1

    assert_back_to_tool(
        post(
            partner_a,
            "question_respond",
            {"kind": "follow_up", "text": "ALEX-FOLLOW-UP: who was there?"},
            question.pk,
        ),
        6,
    )
    question.refresh_from_db()
    assert question.status == QuestionStatus.ASKED_AGAIN
    assert question.entries.last().kind == QuestionEntry.Kind.FOLLOW_UP
    content = page(partner_b, 6)
    assert "ALEX-FOLLOW-UP: who was there?" in content
    assert "Asked again / needs follow-up" in content


def test_revised_answer_keeps_the_earlier_version_visible_to_both(partner_a, partner_b, question):
    post(partner_b, "question_respond", {"kind": "answer", "text": ANSWER}, question.pk)
    post(partner_b, "question_respond", {"kind": "answer", "text": REVISED}, question.pk)
    assert list(question.entries.values_list("kind", "text")) == [
        ("answer", ANSWER),
        ("answer", REVISED),
    ]
    question.refresh_from_db()
    assert question.status == QuestionStatus.ANSWERED
    for persona in (partner_a, partner_b):
        content = page(persona, 6)
        assert ANSWER in content and REVISED in content
        assert content.count("(an earlier version)") == 1
        # The mark sits on the first answer, and the revision follows it.
        assert (
            content.index("(an earlier version)") < content.index(ANSWER) < content.index(REVISED)
        )


def test_unanswered_count_shows_on_the_step_the_status_poll_and_home(
    partner_a, partner_b, alex, blake
):
    assert "unanswered question" not in text_of(partner_a.client.get(reverse("home")))
    first = services.ask_question(partnership=alex, text="first?")
    services.ask_question(partnership=alex, text="second?")
    services.ask_question(partnership=blake, text="third?")
    services.add_question_entry(partnership=blake, question=first, kind="answer", text="yes")

    for persona in (partner_a, partner_b):
        assert "2 unanswered" in page(persona, 6)
        status = persona.client.get(reverse("ledger_status"), **HTMX)
        assert status.status_code == 200
        assert "2 unanswered" in text_of(status)
        assert "2 unanswered questions" in text_of(persona.client.get(reverse("home")))

    services.add_question_entry(
        partnership=blake, question=Question.objects.get(text="second?"), kind="answer", text="no"
    )
    assert "1 unanswered question</a>" in text_of(partner_b.client.get(reverse("home")))
    assert "1 unanswered" in text_of(partner_b.client.get(reverse("ledger_status")))


def test_ledger_status_shows_something_changed_only_after_a_change(
    partner_a, partner_b, couple, question
):
    seen = get_ledger_status(couple).fingerprint
    assert f"?seen={seen}" in page(partner_a, 6)
    url = f"{reverse('ledger_status')}?seen={seen}"

    # Nothing changed: no content, so htmx leaves the status as it is.
    assert partner_a.client.get(url, **HTMX).status_code == 204

    post(partner_b, "question_respond", {"kind": "answer", "text": ANSWER}, question.pk)
    changed = text_of(partner_a.client.get(url, **HTMX))
    assert "Something changed" in changed
    assert "0 unanswered" in changed
    assert ANSWER not in changed  # the poll never replaces the ledger itself

    now_seen = get_ledger_status(couple).fingerprint
    assert now_seen != seen
    current = partner_a.client.get(f"{reverse('ledger_status')}?seen={now_seen}", **HTMX)
    assert current.status_code == 204


def test_a_new_question_from_the_partner_also_counts_as_a_change(partner_a, partner_b, couple):
    seen = get_ledger_status(couple).fingerprint
    post(partner_b, "question_ask", {"text": "BLAKE-QUESTION"})
    changed = text_of(partner_a.client.get(f"{reverse('ledger_status')}?seen={seen}"))
    assert "Something changed" in changed
    assert "1 unanswered" in changed


@pytest.mark.parametrize("htmx", [True, False])
def test_an_empty_answer_is_refused_with_a_message(partner_b, question, htmx):
    response = post(
        partner_b, "question_respond", {"kind": "answer", "text": "   "}, question.pk, htmx=htmx
    )
    assert response.status_code == 200
    content = text_of(response)
    assert "Write your answer first." in content
    assert ("<html" in content) is not htmx
    assert not QuestionEntry.objects.exists()
    question.refresh_from_db()
    assert question.status == QuestionStatus.OPEN


@pytest.mark.parametrize("htmx", [True, False])
def test_a_too_long_question_is_refused_naming_the_limit_and_keeping_the_text(
    partner_a, couple, htmx
):
    typed = "KEEP-THIS " + "x" * 1991
    assert len(typed) == 2001
    response = post(partner_a, "question_ask", {"text": typed}, htmx=htmx)
    assert response.status_code == 200
    content = text_of(response)
    assert "Please keep this to 2,000 characters (it has 2001 now)" in content
    assert typed in content
    assert ("<html" in content) is not htmx
    assert not Question.objects.exists()


def test_a_too_long_answer_is_refused_and_kept_in_its_own_form(partner_b, question):
    typed = "KEEP-ANSWER " + "y" * 4990
    content = assert_tool_fragment(
        post(
            partner_b, "question_respond", {"kind": "answer", "text": typed}, question.pk, htmx=True
        ),
        6,
    )
    assert "Please keep this to 5,000 characters" in content
    assert typed in content
    assert not QuestionEntry.objects.exists()


# Step 7: the apology.


def test_the_hurt_partner_cannot_draft_an_apology(partner_a, couple):
    assert "Save my draft" not in page(partner_a, 7)
    content = assert_tool_fragment(
        post(partner_a, "apology_save", {"text": "ALEX-APOLOGY", "send": "1"}, htmx=True), 7
    )
    assert "the apology comes from the partner who broke the trust" in content
    assert not Apology.objects.exists()


def test_a_draft_is_private_to_its_author_and_encrypted_at_rest(partner_a, partner_b, couple):
    assert_back_to_tool(post(partner_b, "apology_save", {"text": DRAFT, "save": "1"}), 7)
    draft = Apology.objects.get()
    assert draft.sent_at is None
    assert DRAFT in page(partner_b, 7)

    alex_sees = page(partner_a, 7)
    assert DRAFT not in alex_sees
    assert "No apology has been sent yet." in alex_sees
    alex_fragment = text_of(post(partner_a, "apology_save", {"text": "x"}, htmx=True))
    assert DRAFT not in alex_fragment

    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM steps_apology WHERE id = %s", [draft.pk])
        (raw,) = cursor.fetchone()
    assert raw
    assert "BLAKE-DRAFT" not in raw
    assert "lied" not in raw


def test_saving_again_revises_the_one_draft(partner_b, couple):
    post(partner_b, "apology_save", {"text": "first words"})
    post(partner_b, "apology_save", {"text": DRAFT})
    (draft,) = Apology.objects.all()
    assert draft.text == DRAFT


def test_sending_makes_the_apology_visible_to_the_partner(partner_a, partner_b, couple):
    post(partner_b, "apology_save", {"text": DRAFT})
    fragment = assert_tool_fragment(
        post(partner_b, "apology_save", {"text": SENT, "send": "1"}, htmx=True), 7
    )
    assert SENT in fragment
    (apology,) = Apology.objects.all()
    assert apology.sent_at is not None
    assert apology.text == SENT
    alex_sees = page(partner_a, 7)
    assert SENT in alex_sees
    assert "Blake sent this on" in alex_sees
    assert "Send my response" in alex_sees
    assert DRAFT not in alex_sees


@pytest.mark.parametrize(
    ("kind", "label"),
    [("accept", "I accept it"), ("not_ready", "I'm not ready yet")],
)
def test_the_partner_responds_with_a_choice(partner_a, partner_b, sent_apology, kind, label):
    assert_back_to_tool(post(partner_a, "apology_respond", {"kind": kind}, sent_apology.pk), 7)
    response = sent_apology.responses.get()
    assert (response.author_id, response.kind) == (partner_a.user.pk, kind)
    assert label in page(partner_b, 7).split(SENT, 1)[1]


def test_a_written_response_needs_words(partner_a, partner_b, sent_apology):
    refused = assert_tool_fragment(
        post(
            partner_a,
            "apology_respond",
            {"kind": "written", "text": " "},
            sent_apology.pk,
            htmx=True,
        ),
        7,
    )
    assert "Write your response first." in refused
    assert not ApologyResponse.objects.exists()

    post(
        partner_a,
        "apology_respond",
        {"kind": "written", "text": "ALEX-WORDS: thank you"},
        sent_apology.pk,
    )
    assert sent_apology.responses.get().text == "ALEX-WORDS: thank you"
    assert "ALEX-WORDS: thank you" in page(partner_b, 7)


def test_a_response_needs_a_kind(partner_a, sent_apology):
    content = text_of(post(partner_a, "apology_respond", {"text": "hm"}, sent_apology.pk))
    assert "Choose how you receive it." in content
    assert not ApologyResponse.objects.exists()


def test_the_author_cannot_respond_to_their_own_apology(partner_b, sent_apology):
    assert "Send my response" not in page(partner_b, 7)
    refused = text_of(
        post(partner_b, "apology_respond", {"kind": "accept"}, sent_apology.pk, htmx=True)
    )
    assert "You can answer only an apology your partner sent you." in refused
    assert not ApologyResponse.objects.exists()


def test_nobody_can_respond_to_an_unsent_draft(partner_a, blake):
    draft = services.save_apology_draft(partnership=blake, text=DRAFT)
    refused = text_of(post(partner_a, "apology_respond", {"kind": "accept"}, draft.pk, htmx=True))
    assert "You can answer only an apology your partner sent you." in refused
    assert DRAFT not in refused
    assert not ApologyResponse.objects.exists()


def test_a_revised_apology_can_be_sent_later_and_both_stay_listed(
    partner_a, partner_b, sent_apology
):
    post(partner_a, "apology_respond", {"kind": "not_ready"}, sent_apology.pk)
    post(partner_b, "apology_save", {"text": "BLAKE-REVISED-APOLOGY", "send": "1"})
    assert Apology.objects.filter(sent_at__isnull=False).count() == 2
    for persona in (partner_a, partner_b):
        content = page(persona, 7)
        assert SENT in content and "BLAKE-REVISED-APOLOGY" in content
        assert content.index("BLAKE-REVISED-APOLOGY") < content.index(SENT)
        assert content.count("(an earlier apology)") == 1


def test_with_mutual_roles_both_partners_may_apologize(partner_a, partner_b, couple):
    Partnership.objects.filter(couple=couple).update(role=Role.MUTUAL)
    assert "Save my draft" in page(partner_a, 7)
    post(partner_a, "apology_save", {"text": "ALEX-APOLOGY", "send": "1"})
    post(partner_b, "apology_save", {"text": "BLAKE-DRAFT-MUTUAL"})
    assert sorted((a.author_id, a.sent_at is None) for a in Apology.objects.all()) == sorted(
        [(partner_a.user.pk, False), (partner_b.user.pk, True)]
    )
    blake_sees = page(partner_b, 7)
    assert "ALEX-APOLOGY" in blake_sees
    assert "BLAKE-DRAFT-MUTUAL" in blake_sees
    assert "BLAKE-DRAFT-MUTUAL" not in page(partner_a, 7)


# Step 8: feeling understood.


def test_the_other_partner_says_how_understood_they_feel(partner_a, partner_b, couple):
    assert_back_to_tool(post(partner_a, "understanding_write", {"text": HEARD}), 8)
    item = Understanding.objects.get()
    assert item.listener_id == partner_a.user.pk
    assert HEARD in page(partner_b, 8)

    fragment = assert_tool_fragment(
        post(
            partner_b,
            "understanding_respond",
            {"understood": "4", "clarification": "BLAKE-CLARIFIES: and tired"},
            item.pk,
            htmx=True,
        ),
        8,
    )
    assert "Mostly understood" in fragment
    item.refresh_from_db()
    assert (item.understood, item.clarification) == (4, "BLAKE-CLARIFIES: and tired")
    assert item.responded_at is not None
    alex_sees = page(partner_a, 8)
    assert "Mostly understood" in alex_sees
    assert "BLAKE-CLARIFIES: and tired" in alex_sees


@pytest.mark.parametrize(
    ("understood", "message"),
    [
        ("0", "Select a valid choice. 0 is not one of the available choices."),
        ("6", "Select a valid choice. 6 is not one of the available choices."),
        ("", "Choose how understood you feel."),
    ],
)
def test_how_understood_is_one_to_five(partner_b, understanding, understood, message):
    content = text_of(
        post(partner_b, "understanding_respond", {"understood": understood}, understanding.pk)
    )
    assert message in content
    understanding.refresh_from_db()
    assert understanding.understood is None
    assert understanding.responded_at is None


def test_the_writer_cannot_rate_their_own_understanding(partner_a, understanding):
    refused = text_of(
        post(partner_a, "understanding_respond", {"understood": "5"}, understanding.pk, htmx=True)
    )
    assert "Your partner says how understood they feel." in refused
    understanding.refresh_from_db()
    assert understanding.understood is None


def test_a_partner_alone_is_told_the_exercise_needs_their_partner(other_partner):
    assert "it opens when your partner is in the space" in page(other_partner, 8)
    refused = text_of(
        post(other_partner, "understanding_write", {"text": "CASEY-ALONE"}, htmx=True)
    )
    assert "This exercise needs your partner in the space." in refused
    assert not Understanding.objects.exists()


# Step 9: commitments.


def test_only_the_partner_who_broke_trust_adds_commitments(partner_a, partner_b, couple):
    alex_page = page(partner_a, 9)
    assert "Add this commitment" not in alex_page
    refused = text_of(
        post(partner_a, "commitment_add", {"text": "ALEX-COMMITS", "review_on": later()}, htmx=True)
    )
    assert "Commitments here come from the partner who broke the trust." in refused
    assert not Commitment.objects.exists()

    assert "Add this commitment" in page(partner_b, 9)
    assert_back_to_tool(
        post(partner_b, "commitment_add", {"text": COMMITMENT, "review_on": later()}), 9
    )
    commitment = Commitment.objects.get()
    assert (commitment.owner_id, commitment.review_on) == (partner_b.user.pk, later())
    assert COMMITMENT in page(partner_a, 9)


@pytest.mark.parametrize("days_ahead", [0, -3])
def test_a_review_date_must_be_after_today(partner_b, couple, days_ahead):
    content = text_of(
        post(
            partner_b,
            "commitment_add",
            {"text": COMMITMENT, "review_on": later(days_ahead)},
            htmx=True,
        )
    )
    assert "Choose a date after today." in content
    assert COMMITMENT in content  # what was typed is kept
    assert not Commitment.objects.exists()


def test_the_owner_checks_off_and_the_partner_acknowledges(partner_a, partner_b, commitment):
    assert "Check it off" not in page(partner_a, 9)
    refused = text_of(
        post(partner_a, "commitment_check", {"on": timezone.localdate()}, commitment.pk, htmx=True)
    )
    assert "Only the partner who made a commitment checks it off." in refused

    future = text_of(
        post(partner_b, "commitment_check", {"on": later(1)}, commitment.pk, htmx=True)
    )
    assert "A check-off can't be in the future." in future
    assert not CommitmentCheck.objects.exists()

    assert_back_to_tool(
        post(
            partner_b,
            "commitment_check",
            {"on": earlier(1), "note": "BLAKE-KEPT-IT"},
            commitment.pk,
        ),
        9,
    )
    check = CommitmentCheck.objects.get()
    assert (check.commitment_id, check.on, check.note) == (
        commitment.pk,
        earlier(1),
        "BLAKE-KEPT-IT",
    )
    assert "BLAKE-KEPT-IT" in page(partner_a, 9)

    own = text_of(post(partner_b, "commitment_acknowledge", {}, check.pk, htmx=True))
    assert "Your partner acknowledges your check-offs." in own
    check.refresh_from_db()
    assert check.acknowledged_at is None

    acknowledged = assert_tool_fragment(
        post(partner_a, "commitment_acknowledge", {}, check.pk, htmx=True), 9
    )
    assert "Acknowledged" in acknowledged
    check.refresh_from_db()
    assert check.acknowledged_at is not None
    assert "Acknowledged" in page(partner_b, 9)


def test_a_commitment_is_not_reviewed_before_its_date(partner_a, commitment):
    assert not commitment.is_due_for_review
    assert "Time to review this together" not in page(partner_a, 9)


def test_a_commitment_past_its_review_date_is_reviewed_and_renewed(
    partner_a, partner_b, commitment
):
    Commitment.objects.filter(pk=commitment.pk).update(review_on=earlier(1))
    for persona in (partner_a, partner_b):
        assert "Time to review this together" in page(persona, 9)

    assert_back_to_tool(
        post(partner_a, "commitment_review", {"review_on": later(60)}, commitment.pk), 9
    )
    commitment.refresh_from_db()
    assert commitment.review_on == later(60)
    assert commitment.closed_at is None
    assert "Time to review this together" not in page(partner_b, 9)


def test_a_review_needs_a_new_date_or_closing(partner_a, commitment):
    Commitment.objects.filter(pk=commitment.pk).update(review_on=earlier(1))
    content = text_of(post(partner_a, "commitment_review", {}, commitment.pk, htmx=True))
    assert "Choose a new review date, or close it." in content
    commitment.refresh_from_db()
    assert (commitment.review_on, commitment.closed_at) == (earlier(1), None)


def test_a_commitment_cannot_be_renewed_to_a_date_already_past(partner_a, commitment):
    Commitment.objects.filter(pk=commitment.pk).update(review_on=earlier(3))
    content = text_of(
        post(partner_a, "commitment_review", {"review_on": earlier(1)}, commitment.pk, htmx=True)
    )
    commitment.refresh_from_db()
    assert commitment.review_on == earlier(3)
    assert "Choose a date after today." in content


def test_a_closed_commitment_cannot_be_checked_off(partner_a, partner_b, commitment):
    Commitment.objects.filter(pk=commitment.pk).update(review_on=timezone.localdate())
    assert "Time to review this together" in page(partner_b, 9)
    assert_tool_fragment(
        post(partner_b, "commitment_review", {"close": "1"}, commitment.pk, htmx=True), 9
    )
    commitment.refresh_from_db()
    assert commitment.closed_at is not None

    blake_sees = page(partner_b, 9)
    assert "Closed after your review" in blake_sees
    assert "Check it off" not in blake_sees
    assert "Time to review this together" not in blake_sees

    refused = text_of(
        post(partner_b, "commitment_check", {"on": timezone.localdate()}, commitment.pk, htmx=True)
    )
    assert "This commitment was closed after your review together." in refused
    assert not CommitmentCheck.objects.exists()


# Step 10: focus areas.


def test_an_area_of_each_kind_is_added_once(partner_a, partner_b, couple):
    data = {"kind": "money", "plan": "ALEX-PLAN: a shared budget", "next_action": "Meet Sunday"}
    assert_back_to_tool(post(partner_a, "focus_area_add", data), 10)
    refused = text_of(post(partner_b, "focus_area_add", {"kind": "money"}, htmx=True))
    assert "You already have this area; update it below." in refused
    area = FocusArea.objects.get()
    assert (area.kind, area.plan, area.next_action) == ("money", data["plan"], "Meet Sunday")
    blake_sees = page(partner_b, 10)
    assert "ALEX-PLAN: a shared budget" in blake_sees
    assert "Meet Sunday" in blake_sees

    post(partner_b, "focus_area_add", {"kind": "communication"})
    assert FocusArea.objects.count() == 2


def test_an_area_of_our_own_needs_a_name_and_may_be_added_more_than_once(partner_a, couple):
    refused = text_of(post(partner_a, "focus_area_add", {"kind": "own", "title": "  "}, htmx=True))
    assert "Give your own area a name." in refused
    assert not FocusArea.objects.exists()

    post(partner_a, "focus_area_add", {"kind": "own", "title": "Weekends"})
    post(partner_a, "focus_area_add", {"kind": "own", "title": "Phones at dinner"})
    assert sorted(FocusArea.objects.values_list("title", flat=True)) == [
        "Phones at dinner",
        "Weekends",
    ]
    content = page(partner_a, 10)
    assert "Weekends" in content and "Phones at dinner" in content


def test_updating_an_area_changes_it_and_records_the_history(partner_a, partner_b, area):
    data = {
        "plan": "BLAKE-PLAN: one budget, reviewed monthly",
        "next_action": "Open the joint account",
        "status": "working",
        "note": "BLAKE-NOTE: we started",
    }
    fragment = assert_tool_fragment(
        post(partner_b, "focus_area_update", data, area.pk, htmx=True), 10
    )
    assert "History (1)" in fragment
    area.refresh_from_db()
    assert (area.plan, area.next_action, area.status) == (
        data["plan"],
        "Open the joint account",
        "working",
    )
    (update,) = area.updates.all()
    assert (update.author_id, update.status, update.note) == (
        partner_b.user.pk,
        "working",
        "BLAKE-NOTE: we started",
    )

    post(partner_a, "focus_area_update", {**data, "status": "better", "note": "ALEX-NOTE"}, area.pk)
    assert list(area.updates.values_list("status", flat=True)) == ["better", "working"]
    alex_sees = page(partner_a, 10)
    assert "History (2)" in alex_sees
    assert "Getting better" in alex_sees
    assert "BLAKE-NOTE: we started" in alex_sees


def test_an_update_with_an_unknown_status_changes_nothing(partner_a, area):
    before = snapshot()
    content = text_of(
        post(partner_a, "focus_area_update", {"plan": "x", "status": "done"}, area.pk, htmx=True)
    )
    assert "Select a valid choice" in content
    assert snapshot() == before


# Step 11: forgiveness.


def test_a_decision_keeps_its_private_reflection_for_its_author_alone(partner_a, partner_b, couple):
    assert_back_to_tool(
        post(partner_a, "forgiveness_decide", {"decision": "not_yet", "reflection": PRIVATE}), 11
    )
    decision = ForgivenessDecision.objects.get()
    assert (decision.author_id, decision.decision) == (partner_a.user.pk, "not_yet")
    reflection = Reflection.objects.get()
    assert (reflection.author_id, reflection.step, reflection.text) == (
        partner_a.user.pk,
        11,
        PRIVATE,
    )
    assert PRIVATE in page(partner_a, 11)

    blake_sees = page(partner_b, 11)
    assert PRIVATE not in blake_sees
    assert "I'm not there yet" in blake_sees
    blake_fragment = text_of(
        post(partner_b, "forgiveness_decide", {"decision": "not_yet"}, htmx=True)
    )
    assert PRIVATE not in blake_fragment
    assert PRIVATE not in text_of(partner_b.client.get(reverse("home")))


def test_a_decision_without_a_reflection_writes_none(partner_a, couple):
    post(partner_a, "forgiveness_decide", {"decision": "forgive", "reflection": "   "})
    assert ForgivenessDecision.objects.count() == 1
    assert not Reflection.objects.exists()


def test_not_yet_from_one_partner_keeps_the_journey_open(partner_a, partner_b, couple):
    post(partner_b, "forgiveness_decide", {"decision": "forgive"})
    post(partner_a, "forgiveness_decide", {"decision": "not_yet"})
    journey = Journey.objects.filter(couple=couple).first()
    assert journey is None or journey.completed_at is None
    for persona in (partner_a, partner_b):
        response = persona.client.get(reverse("journey_complete"))
        assert response.status_code == 302
        assert response["Location"] == reverse("home")
        assert "See your journey together" not in page(persona, 11)


def test_both_choosing_to_forgive_completes_the_journey(partner_a, partner_b, couple):
    post(partner_a, "forgiveness_decide", {"decision": "not_yet"})
    post(partner_b, "forgiveness_decide", {"decision": "forgive"})
    assert partner_a.client.get(reverse("journey_complete")).status_code == 302

    fragment = assert_tool_fragment(
        post(partner_a, "forgiveness_decide", {"decision": "forgive"}, htmx=True), 11
    )
    assert "See your journey together" in fragment
    assert Journey.objects.get(couple=couple).completed_at is not None
    for persona in (partner_a, partner_b):
        response = persona.client.get(reverse("journey_complete"))
        assert response.status_code == 200
        content = text_of(response)
        assert "Your journey together" in content
        assert "You both chose to forgive" in content
        assert "The steps you walked" in content


def test_a_decision_needs_a_choice(partner_a, couple):
    content = text_of(post(partner_a, "forgiveness_decide", {"decision": "maybe"}))
    assert "Select a valid choice" in content
    assert not ForgivenessDecision.objects.exists()


# After the space has ended: read-only for both.


@pytest.fixture
def shared(partner_a, partner_b, alex, blake, question, sent_apology, understanding, check, area):
    """One of everything the tools share, made before the space ends."""
    services.add_question_entry(partnership=blake, question=question, kind="answer", text=ANSWER)
    return {
        "question": question,
        "apology": sent_apology,
        "understanding": understanding,
        "commitment": check.commitment,
        "check": check,
        "area": area,
    }


# (who posts, url name, the shared item it acts on, data)
TOOL_POSTS = [
    ("partner_a", "question_ask", None, {"text": "Another question?"}),
    ("partner_b", "question_respond", "question", {"kind": "answer", "text": "more"}),
    ("partner_a", "question_respond", "question", {"kind": "follow_up", "text": "and?"}),
    ("partner_b", "apology_save", None, {"text": "BLAKE-LATE-APOLOGY", "send": "1"}),
    ("partner_a", "apology_respond", "apology", {"kind": "accept"}),
    ("partner_b", "understanding_write", None, {"text": "BLAKE-LATE-HEARD"}),
    ("partner_b", "understanding_respond", "understanding", {"understood": "5"}),
    ("partner_b", "commitment_add", None, {"text": "BLAKE-LATE", "review_on": later()}),
    ("partner_b", "commitment_check", "commitment", {"on": timezone.localdate()}),
    ("partner_a", "commitment_acknowledge", "check", {}),
    ("partner_a", "commitment_review", "commitment", {"close": "1"}),
    ("partner_a", "focus_area_add", None, {"kind": "time_together"}),
    ("partner_b", "focus_area_update", "area", {"plan": "late", "status": "better"}),
    ("partner_a", "forgiveness_decide", None, {"decision": "forgive", "reflection": "late"}),
]
POST_IDS = [f"{who}-{name}" for who, name, _, _ in TOOL_POSTS]


def _args(shared, item):
    return (shared[item].pk,) if item else ()


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
@pytest.mark.parametrize(("who", "name", "item", "data"), TOOL_POSTS, ids=POST_IDS)
def test_after_the_space_ends_every_tool_post_is_refused_and_nothing_is_created(
    request, shared, alex, who, name, item, data, htmx
):
    end_couple(partnership=alex)
    before = snapshot()
    response = post(request.getfixturevalue(who), name, data, *_args(shared, item), htmx=htmx)
    assert response.status_code == 200
    assert "This space has ended." in text_of(response)
    assert snapshot() == before


def test_after_the_space_ends_the_pages_still_show_what_was_shared(
    partner_a, partner_b, alex, shared
):
    services.decide_forgiveness(partnership=alex, decision="not_yet")
    end_couple(partnership=alex)
    for persona in (partner_a, partner_b):
        for step, shown, form_action in [
            (6, [QUESTION, ANSWER], reverse("question_ask")),
            (7, [SENT], reverse("apology_respond", args=[shared["apology"].pk])),
            (8, [HEARD], reverse("understanding_write")),
            (
                9,
                [COMMITMENT, "kept it today"],
                reverse("commitment_check", args=[shared["commitment"].pk]),
            ),
            (10, ["Money", "A shared budget"], reverse("focus_area_add")),
            (11, ["I'm not there yet"], reverse("forgiveness_decide")),
        ]:
            content = page(persona, step)
            for words in shown:
                assert words in content, (persona.user.display_name, step, words)
            assert "This space has ended, so what is here can be read but no longer changed." in (
                content
            )
            assert f'action="{form_action}"' not in content
        assert "1 unanswered" not in page(persona, 6)
        assert "0 unanswered" in page(persona, 6)


def test_a_refused_htmx_post_after_the_end_shows_the_tool_read_only(partner_a, alex, shared):
    end_couple(partnership=alex)
    content = text_of(post(partner_a, "question_ask", {"text": "Another?"}, htmx=True))
    assert "This space has ended." in content
    assert "no longer changed" in content
    assert f'action="{reverse("question_ask")}"' not in content


# Another couple's partner reaches nothing of this couple.


# (url name, the shared item it acts on, data)
CROSS_COUPLE_POSTS = [
    ("question_respond", "question", {"kind": "answer", "text": "CASEY-ANSWER"}),
    ("question_respond", "question", {"kind": "follow_up", "text": "CASEY-FOLLOW-UP"}),
    ("apology_respond", "apology", {"kind": "written", "text": "CASEY-RESPONSE"}),
    ("understanding_respond", "understanding", {"understood": "1", "clarification": "CASEY"}),
    ("commitment_check", "commitment", {"on": timezone.localdate(), "note": "CASEY"}),
    ("commitment_acknowledge", "check", {}),
    ("commitment_review", "commitment", {"close": "1"}),
    ("focus_area_update", "area", {"plan": "CASEY-PLAN", "status": "better"}),
]


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
@pytest.mark.parametrize(
    ("name", "item", "data"),
    CROSS_COUPLE_POSTS,
    ids=[f"{name}-{i}" for i, (name, _, _) in enumerate(CROSS_COUPLE_POSTS)],
)
def test_another_couples_partner_gets_404_and_changes_nothing(
    other_partner, shared, name, item, data, htmx
):
    before = snapshot()
    response = post(other_partner, name, data, shared[item].pk, htmx=htmx)
    assert response.status_code == 404
    assert snapshot() == before


def test_another_couples_partner_sees_none_of_this_couples_tools(other_partner, shared):
    seen = "".join(page(other_partner, step) for step in range(6, 12))
    for words in (QUESTION, ANSWER, SENT, HEARD, COMMITMENT, "A shared budget"):
        assert words not in seen
    assert "0 unanswered" in page(other_partner, 6)
    assert "0 unanswered" in text_of(other_partner.client.get(reverse("ledger_status")))


def test_another_couples_own_actions_stay_in_their_own_space(other_partner, shared):
    post(other_partner, "question_ask", {"text": "CASEY-QUESTION"})
    post(other_partner, "focus_area_add", {"kind": "money"})  # Alex's couple has money already
    casey_couple = partnership_of(other_partner).couple
    assert Question.objects.get(text="CASEY-QUESTION").couple == casey_couple
    assert FocusArea.objects.filter(couple=casey_couple, kind="money").exists()
    assert Question.objects.filter(couple=shared["question"].couple).count() == 1
