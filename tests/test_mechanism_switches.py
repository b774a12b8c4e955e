"""The switches the benchmark turns the three speed mechanisms off with (`KEPT_PAGES`,
`SHARED_READS`, `PREPARED_QUERIES`, read once in settings, on by default): with one off, its
mechanism is bypassed, and the pages and reads are still right (docs/benchmarks.md)."""

import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from couples.models import Partnership
from steps import selectors
from steps.models import Question, QuestionStatus
from steps.selectors import CoupleReads
from steps.services import ask_question, write_reflection
from tests.steps.helpers import HTMX, partnership_of, text_of
from trustapp import settings as trustapp_settings
from trustapp.prepared import PreparedQuery
from trustapp.shells import Slot, render_with_slots

SWITCHES = ("KEPT_PAGES", "SHARED_READS", "PREPARED_QUERIES")


def test_every_switch_is_on_by_default() -> None:
    # Read from the test environment, which sets none of them: production's behaviour.
    assert all(getattr(trustapp_settings, name) is True for name in SWITCHES)


def kept_pages() -> dict:
    return caches["page_shells"]._cache  # type: ignore[attr-defined]


def without_tokens(page: str) -> str:
    """A page with its per-request values (CSRF tokens, the CSP nonce) taken out."""
    page = re.sub(r'(csrfmiddlewaretoken" value=")[^"]+', r"\1", page)
    page = re.sub(r'("X-CSRFToken": ")[^"]+', r"\1", page)
    return re.sub(r'(nonce=")[^"]+', r"\1", page)


# Kept pages (trustapp.shells)


def test_kept_pages_off_draws_the_page_for_every_request(settings, tmp_path) -> None:
    (tmp_path / "page.html").write_text("<h1>{{ title }}</h1>{{ slots.mine }}")
    (tmp_path / "slot.html").write_text("<p>{{ own }}</p>")
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}]
    drawn = []

    def context() -> dict:
        drawn.append(1)
        return {"title": f"drawn {len(drawn)}"}

    def render() -> str:
        return render_with_slots(
            RequestFactory().get("/"),
            "page.html",
            context=context,
            slots={"mine": Slot("slot.html", lambda: {"own": "mine"})},
            key="the same key",
        ).content.decode()

    settings.KEPT_PAGES = False
    first, second = render(), render()
    assert (first, second) == ("<h1>drawn 1</h1><p>mine</p>", "<h1>drawn 2</h1><p>mine</p>")
    assert not kept_pages()

    settings.KEPT_PAGES = True  # the control: the same key, kept
    render()
    assert "<h1>drawn 3</h1>" in render()
    assert len(kept_pages()) == 1


@pytest.mark.parametrize("page", [("home", []), ("step_detail", [1]), ("step_detail", [6])])
def test_kept_pages_off_keeps_nothing_and_shows_the_same_page(
    settings, partner_a, partner_b, page
) -> None:
    name, args = page
    url = reverse(name, args=args)
    write_reflection(partnership=partnership_of(partner_a), step=1, text="Mine alone.")
    kept = partner_a.client.get(url)
    assert kept_pages()  # the control: with the switch on, the page was kept
    caches["page_shells"].clear()
    caches["shared_reads"].clear()

    settings.KEPT_PAGES = False
    drawn = partner_a.client.get(url)
    partner_a.client.get(url)

    assert drawn.status_code == 200
    assert not kept_pages()
    assert without_tokens(text_of(drawn)) == without_tokens(text_of(kept))


def test_kept_pages_off_pages_follow_each_change(settings, partner_a, partner_b) -> None:
    settings.KEPT_PAGES = False
    step_page = reverse("step_detail", args=[1])
    assert "has checked in" not in text_of(partner_b.client.get(step_page))
    partner_a.client.post(
        reverse("check_in_submit", args=[1]), {"feeling": "3", "trust": "6", "ready": "no"}
    )
    assert "Alex has checked in" in text_of(partner_b.client.get(step_page))
    assert not kept_pages()


# Shared reads (steps.selectors.CoupleReads)


@pytest.mark.parametrize("on", [True, False], ids=["on", "off"])
def test_shared_reads_off_reads_the_database_every_time(settings, partner_a, partner_b, on) -> None:
    settings.SHARED_READS = on
    ask_question(partnership=partnership_of(partner_a), text="Where were you?")
    assert CoupleReads(partnership_of(partner_a), remember=True).unanswered_questions() == 1
    # A write that bypasses save() gives the couple no new revision: only a read that goes to
    # the database sees it, so this tells remembered reads from fresh ones.
    Question.objects.update(status=QuestionStatus.ANSWERED)

    with CaptureQueriesContext(connection) as queries:
        unanswered = CoupleReads(partnership_of(partner_a), remember=True).unanswered_questions()

    assert CoupleReads(partnership_of(partner_a), remember=True).remember is on
    if on:  # the control: remembered under the unchanged revision
        assert unanswered == 1
        assert caches["shared_reads"]._cache  # type: ignore[attr-defined]
    else:
        assert unanswered == 0
        assert any("steps_question" in query["sql"] for query in queries.captured_queries)
        assert not caches["shared_reads"]._cache  # type: ignore[attr-defined]


def test_shared_reads_off_pages_are_still_right(settings, partner_a, partner_b) -> None:
    settings.SHARED_READS = False
    step_page = reverse("step_detail", args=[1])
    partner_a.client.post(
        reverse("check_in_submit", args=[1]),
        {"feeling": "3", "trust": "6", "ready": "no", "note": "Slowly."},
    )
    assert "Alex has checked in" in text_of(partner_b.client.get(reverse("home")))
    partner_b.client.post(
        reverse("check_in_submit", args=[1]),
        {"feeling": "4", "trust": "5", "ready": "no", "note": "Me too."},
    )
    revealed = text_of(partner_a.client.get(step_page))
    assert "Slowly." in revealed and "Me too." in revealed
    assert not caches["shared_reads"]._cache  # type: ignore[attr-defined]


# Prepared queries (trustapp.prepared)


def seats_of(user_id: int):  # type: ignore[no-untyped-def]
    return (
        Partnership.objects.active()
        .select_related("couple", "user")
        .filter(couple__partnerships__user=user_id, couple__partnerships__left_at__isnull=True)
        .order_by("seat")
    )


@pytest.mark.django_db
def test_prepared_queries_off_runs_the_queryset_itself(settings, partner_a, partner_b) -> None:
    settings.PREPARED_QUERIES = False
    seats = PreparedQuery(Partnership, lambda user: seats_of(user), "user")

    with CaptureQueriesContext(connection) as queries:
        got = seats(user=partner_a.user.pk)

    assert seats._compiled == {}  # nothing compiled, nothing kept
    assert [(s.pk, s.user.email, s.couple.pk) for s in got] == [
        (s.pk, s.user.email, s.couple.pk) for s in seats_of(partner_a.user.pk)
    ]
    assert len(queries) == 1
    with pytest.raises(TypeError):  # its ids are still checked
        seats(user=str(partner_a.user.pk))

    settings.PREPARED_QUERIES = True  # the control
    seats(user=partner_a.user.pk)
    assert seats._compiled


def test_prepared_queries_off_the_step_page_is_still_right(
    settings, monkeypatch, partner_a, partner_b
) -> None:
    settings.PREPARED_QUERIES = False
    # Whatever earlier tests in this process compiled is set aside: nothing may be compiled now.
    monkeypatch.setattr(selectors._latest_reflections, "_compiled", {})
    monkeypatch.setattr(selectors._completions, "_compiled", {})
    write_reflection(partnership=partnership_of(partner_a), step=1, text="Only for me.")

    page = text_of(partner_a.client.get(reverse("step_detail", args=[1])))
    answer = partner_a.client.post(
        reverse("check_in_submit", args=[1]),
        {"feeling": "3", "trust": "6", "ready": "no"},
        **HTMX,
    )

    assert "Only for me." in page
    assert answer.status_code == 200 and 'id="check-in"' in text_of(answer)
    assert selectors._latest_reflections._compiled == {}
    assert selectors._completions._compiled == {}


def test_all_off_the_pages_and_polls_answer_as_with_all_on(settings, partner_a, partner_b) -> None:
    for name in SWITCHES:
        setattr(settings, name, False)
    partner_a.client.post(
        reverse("check_in_submit", args=[1]), {"feeling": "3", "trust": "6", "ready": "no"}
    )
    step = text_of(partner_a.client.get(reverse("step_detail", args=[1])))
    found = re.search(r'hx-get="([^"]+waiting_on=\d+)"', step)
    assert found is not None, "the step page polls while its partner is away"
    assert partner_a.client.get(found[1], **HTMX).status_code == 204
    ledger = partner_a.client.get(reverse("ledger_status"), **HTMX)
    assert ledger.status_code == 200 and "0 unanswered" in text_of(ledger)
    assert partner_b.client.get(reverse("home")).status_code == 200
