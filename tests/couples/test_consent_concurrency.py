"""Consent and ending when both partners act at the same instant, on real PostgreSQL locks."""

import pytest
from django.core import mail
from django.db import connection

from couples.models import ConsentEvent, Couple
from couples.selectors import get_consent_state
from couples.services import CoupleError, end_couple, record_consent
from tests.conftest import ALL_SCOPE
from tests.threads import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL"),
]


@pytest.mark.parametrize("attempt", range(3))
def test_both_partners_changing_consent_at_once_loses_neither_and_tells_the_counselor_once(
    counselor_without_consent, partner_a, partner_b, attempt
):
    access = counselor_without_consent.access
    mail.outbox.clear()
    results = run_together(
        lambda: record_consent(
            partnership=partner_b.user.partnerships.get(),
            access=access,
            action="grant",
            scope=ALL_SCOPE,
        ),
        lambda: record_consent(
            partnership=partner_a.user.partnerships.get(),
            access=access,
            action="change",
            scope=["questions"],
        ),
    )
    assert all(isinstance(result, ConsentEvent) for result in results), results
    state = get_consent_state(access)
    assert state.consent_of(partner_b.user.pk).action == "grant"
    assert state.consent_of(partner_a.user.pk).scope == ["progress", "questions"]
    assert state.live_scope == ["progress", "questions"]
    # The counselor hears about the opening exactly once, whichever decision came second.
    opened = [m for m in mail.outbox if "open to you" in m.subject]
    assert len(opened) == 1, [m.subject for m in mail.outbox]


@pytest.mark.parametrize("attempt", range(3))
def test_one_grants_while_the_other_revokes_and_the_result_is_never_both(
    counselor, partner_a, partner_b, attempt
):
    results = run_together(
        lambda: record_consent(
            partnership=partner_a.user.partnerships.get(), access=counselor.access, action="revoke"
        ),
        lambda: record_consent(
            partnership=partner_b.user.partnerships.get(),
            access=counselor.access,
            action="change",
            scope=ALL_SCOPE,
        ),
    )
    assert all(isinstance(result, ConsentEvent) for result in results), results
    assert get_consent_state(counselor.access).live_scope is None


@pytest.mark.parametrize("attempt", range(3))
def test_both_ending_the_space_at_once_ends_it_once(partner_a, partner_b, attempt):
    results = run_together(
        lambda: end_couple(partnership=partner_a.user.partnerships.get()),
        lambda: end_couple(partnership=partner_b.user.partnerships.get()),
    )
    ended = [r for r in results if r is None]
    refused = [r for r in results if isinstance(r, CoupleError)]
    assert len(ended) == 1 and len(refused) == 1, results
    couple = Couple.objects.get()
    assert couple.ended_at is not None
    assert couple.ended_by_id in (partner_a.user.pk, partner_b.user.pk)
    # Only the partner who did not end it is emailed, once.
    assert len([m for m in mail.outbox if "ended your shared space" in m.subject]) == 1
