"""Every page's query count is independent of how long a couple's history is: the same number of
queries after 10 rounds of everything and after 300 (years of use)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from steps.services import (
    CheckInAnswer,
    acknowledge_check,
    add_commitment,
    add_focus_area,
    add_question_entry,
    ask_question,
    check_off_commitment,
    decide_forgiveness,
    respond_to_apology,
    save_apology_draft,
    send_apology,
    submit_check_in,
    update_focus_area,
    write_reflection,
    write_understanding,
)


def grow_history(alex, blake, times: int) -> None:
    for i in range(times):
        write_reflection(partnership=alex, step=1, text=f"reflection {i}")
        submit_check_in(partnership=alex, step=1, answer=CheckInAnswer(3, 4, False, "a"))
        submit_check_in(partnership=blake, step=1, answer=CheckInAnswer(4, 5, False, "b"))
        question = ask_question(partnership=alex, text=f"question {i}")
        add_question_entry(partnership=blake, question=question, kind="answer", text="answer")
        save_apology_draft(partnership=blake, text=f"apology {i}")
        apology = send_apology(partnership=blake)
        respond_to_apology(partnership=alex, apology=apology, kind="not_ready")
        write_understanding(partnership=blake, text=f"heard {i}")
        commitment = add_commitment(partnership=blake, text=f"commit {i}", review_on="2099-01-01")
        check = check_off_commitment(partnership=blake, commitment=commitment, on="2026-01-01")
        acknowledge_check(partnership=alex, check=check)
        area = add_focus_area(
            partnership=alex, kind="own", title=f"area {i}", plan="", next_action=""
        )
        update_focus_area(
            partnership=alex, area=area, plan="p", next_action="n", status="working", note=""
        )
        decide_forgiveness(partnership=alex, decision="not_yet")


PAGES = [
    ("home", []),
    *[("step_detail", [n]) for n in (1, 6, 7, 8, 9, 10, 11)],
    ("sharing", []),
    ("data_export_html", []),
]


def count_queries(client, name, args) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(name, args=args)).status_code == 200
    return len(queries)


@pytest.fixture
def couple(partner_a, partner_b):
    # Make the application tables exist with rows before the first measurement.
    return partner_a.user.partnerships.get(), partner_b.user.partnerships.get()


def test_page_queries_do_not_grow_with_history(partner_a, counselor, couple):
    alex, blake = couple
    grow_history(alex, blake, 10)
    short = {name + str(args): count_queries(partner_a.client, name, args) for name, args in PAGES}
    summary_url = ("counselor_summary", [counselor.access.pk])
    short_summary = count_queries(counselor.client, *summary_url)
    grow_history(alex, blake, 290)
    long = {name + str(args): count_queries(partner_a.client, name, args) for name, args in PAGES}
    assert long == short
    assert count_queries(counselor.client, *summary_url) == short_summary
