"""Two people acting at the same moment, on real PostgreSQL row locks (SQLite serialises whole
transactions, so these tests need PostgreSQL and are skipped without it)."""

import pytest
from django.db import connection

from couples.models import Invitation, Partnership, Role
from couples.services import InvitationProblem, InvitationRefused, accept_invitation, start_couple
from tests.threads import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL"),
]


def make_invitation(partnership: Partnership, email: str) -> str:
    invitation = Invitation.objects.create(
        couple=partnership.couple, invited_by=partnership.user, email=email
    )
    return invitation.issue_token()


@pytest.mark.parametrize("attempt", range(5))
def test_two_people_accepting_at_once_never_make_three_partners(make_user, attempt):
    alex = make_user("alex@example.com", "Alex")
    partnership = start_couple(user=alex, role=Role.HURT)
    blake = make_user("blake@example.com", "Blake")
    erin = make_user("erin@example.com", "Erin")
    # Two live links to one couple (the service would retire the first; a race is what's tested).
    blake_token = make_invitation(partnership, "blake@example.com")
    erin_token = make_invitation(partnership, "erin@example.com")

    results = run_together(
        lambda: accept_invitation(token=blake_token, user=blake, role=Role.BROKE_TRUST),
        lambda: accept_invitation(token=erin_token, user=erin, role=Role.BROKE_TRUST),
    )

    joined = [r for r in results if isinstance(r, Partnership)]
    refused = [r for r in results if isinstance(r, InvitationRefused)]
    assert len(joined) == 1, results
    assert len(refused) == 1, results
    # The loser's link was retired by the winner, or found the space full.
    assert refused[0].problem in {InvitationProblem.CANCELLED, InvitationProblem.SPACE_FULL}
    assert Partnership.objects.active().filter(couple=partnership.couple).count() == 2
    assert Invitation.objects.filter(status=Invitation.Status.ACCEPTED).count() == 1


@pytest.mark.parametrize("attempt", range(5))
def test_one_person_accepting_two_couples_at_once_joins_only_one(make_user, attempt):
    blake = make_user("blake@example.com", "Blake")
    first = start_couple(user=make_user("alex@example.com", "Alex"), role=Role.HURT)
    second = start_couple(user=make_user("casey@example.com", "Casey"), role=Role.HURT)
    first_token = make_invitation(first, "blake@example.com")
    second_token = make_invitation(second, "blake@example.com")

    results = run_together(
        lambda: accept_invitation(token=first_token, user=blake, role=Role.MUTUAL),
        lambda: accept_invitation(token=second_token, user=blake, role=Role.MUTUAL),
    )

    joined = [r for r in results if isinstance(r, Partnership)]
    refused = [r for r in results if isinstance(r, InvitationRefused)]
    assert len(joined) == 1, results
    assert len(refused) == 1, results
    assert refused[0].problem == InvitationProblem.IN_ANOTHER_COUPLE
    assert Partnership.objects.active().filter(user=blake).count() == 1


def test_a_double_submitted_accept_joins_once(make_user):
    partnership = start_couple(user=make_user("alex@example.com", "Alex"), role=Role.HURT)
    blake = make_user("blake@example.com", "Blake")
    token = make_invitation(partnership, "blake@example.com")

    results = run_together(
        lambda: accept_invitation(token=token, user=blake, role=Role.MUTUAL),
        lambda: accept_invitation(token=token, user=blake, role=Role.MUTUAL),
    )

    assert sum(isinstance(r, Partnership) for r in results) == 1, results
    assert [r.problem for r in results if isinstance(r, InvitationRefused)] == [
        InvitationProblem.ALREADY_JOINED
    ]
    assert Partnership.objects.filter(user=blake).count() == 1
