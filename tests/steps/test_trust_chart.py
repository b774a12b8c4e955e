"""The couple home's trust chart is drawn once per history and reused (steps.charts): it must
never show a stale history, another couple's, or the partners the wrong way round."""

import re

import pytest
from django.urls import reverse

from steps.services import delete_account
from tests.steps.test_check_ins import answer

pytestmark = pytest.mark.django_db


def chart_rows(persona) -> list[str]:
    html = persona.client.get(reverse("home")).content.decode()
    table = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r"<tr>(.*?)</tr>", table)


def legend(persona) -> list[str]:
    html = persona.client.get(reverse("home")).content.decode()
    return re.findall(r'<span class="legend series-\d">([^<]*)</span>', html)


def reveal(partner_a, partner_b, *, trust_a: int, trust_b: int, ready: str = "no") -> None:
    answer(partner_a, trust=trust_a, ready=ready)
    answer(partner_b, trust=trust_b, ready=ready)


def test_a_new_reveal_shows_on_the_chart_at_once(partner_a, partner_b):
    assert chart_rows(partner_a) == []
    reveal(partner_a, partner_b, trust_a=3, trust_b=4)
    assert len(chart_rows(partner_a)) == 1
    reveal(partner_a, partner_b, trust_a=6, trust_b=9)
    rows = chart_rows(partner_a)
    assert len(rows) == 2
    assert "6 of 10" in rows[1] and "9 of 10" in rows[1]


def test_each_partner_sees_their_own_series_first(partner_a, partner_b):
    reveal(partner_a, partner_b, trust_a=2, trust_b=8)
    assert legend(partner_a) == ["Alex", "Blake"]
    assert legend(partner_b) == ["Blake", "Alex"]
    (row_a,) = chart_rows(partner_a)
    (row_b,) = chart_rows(partner_b)
    assert row_a.index("2 of 10") < row_a.index("8 of 10")
    assert row_b.index("8 of 10") < row_b.index("2 of 10")


def test_a_renamed_partner_is_renamed_on_the_chart(partner_a, partner_b):
    reveal(partner_a, partner_b, trust_a=5, trust_b=5)
    assert legend(partner_a) == ["Alex", "Blake"]
    partner_b.user.display_name = "Bee"
    partner_b.user.save()
    assert legend(partner_a) == ["Alex", "Bee"]


def test_a_deleted_partner_leaves_the_legend(partner_a, partner_b):
    reveal(partner_a, partner_b, trust_a=5, trust_b=7)
    assert legend(partner_a) == ["Alex", "Blake"]
    delete_account(user=partner_b.user)
    assert legend(partner_a) == ["Alex"]


def test_couples_never_share_a_chart(partner_a, partner_b, other_partner):
    reveal(partner_a, partner_b, trust_a=1, trust_b=2)
    assert len(chart_rows(partner_a)) == 1
    # Casey's couple has the same number of revealed rounds (none yet, then one) as Alex's had.
    assert chart_rows(other_partner) == []
    assert "Alex" not in legend(other_partner)
