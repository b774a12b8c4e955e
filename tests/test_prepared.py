"""A prepared query gives what its queryset gives, compiles once, and runs on the caller's own
connection."""

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from couples.models import Partnership, Role
from couples.selectors import get_partnership
from couples.services import start_couple
from steps.models import Reflection
from tests.threads import run_together
from trustapp.prepared import PreparedQuery


def seats_of(user_id: int):  # type: ignore[no-untyped-def]
    return (
        Partnership.objects.active()
        .select_related("couple", "user")
        .filter(couple__partnerships__user=user_id, couple__partnerships__left_at__isnull=True)
        .order_by("seat")
    )


def fields(partnership: Partnership) -> tuple:
    return (
        partnership.pk,
        partnership.seat,
        partnership.role,
        partnership.joined_at,
        partnership.couple.pk,
        partnership.couple.created_at,
        partnership.user.email,
        partnership.user.display_name,
    )


@pytest.fixture
def seats() -> PreparedQuery[Partnership]:
    return PreparedQuery(Partnership, lambda user: seats_of(user), "user")


@pytest.mark.django_db
def test_prepared_query_gives_what_the_queryset_gives(seats, partner_a, partner_b, other_partner):
    for persona in (partner_a, partner_b, other_partner):
        expected = list(seats_of(persona.user.pk))
        got = seats(user=persona.user.pk)

        assert [fields(seat) for seat in got] == [fields(seat) for seat in expected]
    assert seats(user=10**9) == []


@pytest.mark.django_db
def test_prepared_query_loads_the_related_rows_in_its_one_query(seats, partner_a, partner_b):
    with CaptureQueriesContext(connection) as queries:
        got = seats(user=partner_a.user.pk)
        names = [seat.user.display_name for seat in got]
        couples = {seat.couple.pk for seat in got}

    assert names == ["Alex", "Blake"]
    assert len(couples) == 1
    assert len(queries) == 1


@pytest.mark.django_db
def test_prepared_query_compiles_once_and_reads_fresh_rows(
    seats, partner_a, partner_b, monkeypatch
):
    seats(user=partner_a.user.pk)
    Partnership.objects.filter(user=partner_b.user).update(role=Role.MUTUAL)
    compiled = []
    as_sql = SQLCompiler.as_sql
    monkeypatch.setattr(
        SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(self) or as_sql(self, *a, **k)
    )

    got = seats(user=partner_a.user.pk)

    assert compiled == []
    assert [seat.role for seat in got] == [Role.HURT, Role.MUTUAL]


@pytest.mark.django_db(transaction=True)
def test_prepared_query_runs_on_each_threads_own_connection(seats, make_user):
    users = [make_user(f"person{n}@example.com", f"Person {n}") for n in range(3)]
    for user in users:
        start_couple(user=user, role=Role.MUTUAL)
    seats(user=users[0].pk)  # compiled on this thread's connection

    results = run_together(*[lambda user=user: seats(user=user.pk) for user in users])

    assert [[seat.user_id for seat in result] for result in results] == [[u.pk] for u in users]


def test_prepared_query_refuses_anything_but_its_integer_ids(seats):
    with pytest.raises(TypeError):
        seats(user="1")
    with pytest.raises(TypeError):
        seats(person=1)


@pytest.mark.django_db
def test_prepared_query_refuses_an_id_that_does_not_reach_the_sql():
    unused = PreparedQuery(Partnership, lambda user: Partnership.objects.all(), "user")

    with pytest.raises(ValueError, match="user"):
        unused(user=1)


@pytest.mark.django_db
def test_get_partnership_uses_the_prepared_query(partner_a, partner_b, django_assert_num_queries):
    get_partnership(partner_a.user)  # compiled

    with django_assert_num_queries(1):
        mine = get_partnership(partner_b.user)
        partner = mine._active_partner
        assert (mine.user.display_name, partner.user.display_name) == ("Blake", "Alex")


@pytest.mark.django_db
def test_prepared_query_refuses_a_query_whose_shape_depends_on_its_ids():
    shape_shifting = PreparedQuery(
        Partnership,
        lambda user: Partnership.objects.filter(user=user)[: user // 10_000],
        "user",
    )

    with pytest.raises(ValueError, match="changes with its ids"):
        shape_shifting(user=1)


@pytest.mark.django_db
def test_prepared_query_keeps_what_is_fixed_and_swaps_only_the_ids(partner_a):
    reflections_on = PreparedQuery(
        Reflection,
        lambda author, step: Reflection.objects.filter(author=author, step=step, prompt="fixed"),
        "author",
        "step",
    )
    for step, prompt in [(2, "fixed"), (2, "other"), (3, "fixed")]:
        Reflection.objects.create(author=partner_a.user, step=step, prompt=prompt, text="…")

    got = reflections_on(author=partner_a.user.pk, step=2)

    assert [(r.step, r.prompt) for r in got] == [(2, "fixed")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "derived",
    [lambda user: user % 2, lambda user: user + 1],
    ids=["parity", "shifted"],
)
def test_prepared_query_refuses_a_value_computed_from_an_id(derived):
    computed = PreparedQuery(
        Partnership,
        lambda user, couple: Partnership.objects.filter(user=user, seat=derived(couple)),
        "user",
        "couple",
    )

    with pytest.raises(ValueError, match="do not explain"):
        computed(user=1, couple=1)
