"""Two partners acting on a step tool at the same instant, on real PostgreSQL row locks."""

import pytest
from django.db import connection

from couples.models import Partnership, Role
from couples.services import start_couple
from steps.models import ForgivenessDecision, Journey, Question, QuestionEntry, QuestionStatus
from steps.services import add_question_entry, ask_question, decide_forgiveness
from tests.threads import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL"),
]


@pytest.fixture
def couple(make_user):
    alex = start_couple(user=make_user("alex@example.com", "Alex"), role=Role.HURT)
    blake = Partnership.objects.create(
        couple=alex.couple, user=make_user("blake@example.com", "Blake"), seat=2, role="mutual"
    )
    return alex, blake


@pytest.mark.parametrize("attempt", range(5))
def test_two_answers_to_the_same_question_at_once_are_both_kept(couple, attempt):
    alex, blake = couple
    question = ask_question(partnership=alex, text="Where were you that night?")
    # Blake answers from two devices at once, and Alex asks again at the same moment.
    results = run_together(
        lambda: add_question_entry(partnership=blake, question=question, kind="answer", text="one"),
        lambda: add_question_entry(partnership=blake, question=question, kind="answer", text="two"),
        lambda: add_question_entry(partnership=alex, question=question, kind="follow_up"),
    )
    assert all(isinstance(result, QuestionEntry) for result in results), results
    entries = list(QuestionEntry.objects.filter(question=question).order_by("created_at", "pk"))
    assert sorted(e.text for e in entries if e.kind == "answer") == ["one", "two"]
    # The status follows whichever entry really came last: never a state nobody chose.
    question = Question.objects.get(pk=question.pk)
    expected = {"answer": QuestionStatus.ANSWERED, "follow_up": QuestionStatus.ASKED_AGAIN}
    assert question.status == expected[entries[-1].kind]
    assert question.updated_at == entries[-1].created_at


@pytest.mark.parametrize("attempt", range(5))
def test_both_choosing_to_forgive_at_once_completes_the_journey_once(couple, attempt):
    alex, blake = couple
    results = run_together(
        lambda: decide_forgiveness(partnership=alex, decision="forgive"),
        lambda: decide_forgiveness(partnership=blake, decision="forgive"),
    )
    assert all(isinstance(result, ForgivenessDecision) for result in results), results
    assert ForgivenessDecision.objects.count() == 2
    journey = Journey.objects.get(couple=alex.couple)
    assert journey.completed_at is not None
