"""The step page and the couple home are kept once drawn (trustapp.shells), per couple revision,
viewer and page. What is private to the viewer (reflections, an apology draft, a forgiveness
decision) is drawn for every request and never kept, and every change a person can see shows on
their next visit."""

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from couples.models import Couple
from couples.services import end_couple
from steps.services import (
    CheckInAnswer,
    add_commitment,
    decide_forgiveness,
    save_apology_draft,
    submit_check_in,
)
from tests.conftest import PASSWORD
from tests.steps.helpers import partnership_of, text_of

SAFE = {"afraid": "no", "pressured": "no", "harmed": "no", "self_harm": "no"}


def kept_pages() -> list[bytes]:
    # Each kept page is stored pickled: its text is in the bytes as drawn.
    return list(caches["page_shells"]._cache.values())  # type: ignore[attr-defined]


def visit(someone, step: int) -> str:  # type: ignore[no-untyped-def]
    response = someone.client.get(reverse("step_detail", args=[step]))
    assert response.status_code == 200
    return text_of(response)


def test_a_second_visit_shows_the_same_page_from_what_was_kept(partner_a, partner_b) -> None:
    first = visit(partner_a, 2)
    assert len(kept_pages()) == 1
    second = visit(partner_a, 2)
    assert len(kept_pages()) == 1
    token = re.compile(r'(X-CSRFToken": "|csrfmiddlewaretoken" value=")[^"]+|nonce="[^"]+"')
    assert token.sub("", first) == token.sub("", second)


def test_each_partner_has_their_own_kept_page(partner_a, partner_b) -> None:
    alexs, blakes = visit(partner_a, 2), visit(partner_b, 2)
    assert len(kept_pages()) == 2
    # Each is written for its viewer: the role note, and the name in the reflections' promise.
    assert "For you, as someone who was hurt" in alexs and "not Blake," in alexs
    assert "For you, as someone who broke the trust" in blakes and "not Alex," in blakes
    assert "not Blake," in visit(partner_a, 2)


def test_a_private_reflection_is_shown_but_never_kept(partner_a, partner_b) -> None:
    partner_a.client.post(
        reverse("reflection_create", args=[1]), {"text": "alex-private-words", "prompt": ""}
    )
    assert "alex-private-words" in visit(partner_a, 1)
    assert "alex-private-words" in visit(partner_a, 1)
    assert kept_pages()
    assert not [page for page in kept_pages() if b"alex-private-words" in page]


def test_a_new_reflection_shows_on_the_kept_page(partner_a, partner_b) -> None:
    visit(partner_a, 1)
    partner_a.client.post(
        reverse("reflection_create", args=[1]), {"text": "written-after-keeping", "prompt": ""}
    )
    assert "written-after-keeping" in visit(partner_a, 1)


def test_an_apology_draft_is_shown_but_never_kept(partner_a, partner_b) -> None:
    save_apology_draft(partnership=partnership_of(partner_b), text="blake-draft-apology")
    assert "blake-draft-apology" in visit(partner_b, 7)
    assert "blake-draft-apology" in visit(partner_b, 7)
    assert kept_pages()
    assert not [page for page in kept_pages() if b"blake-draft-apology" in page]
    assert "blake-draft-apology" not in visit(partner_a, 7)


def test_a_forgiveness_decision_is_drawn_afresh_and_never_kept(partner_a, partner_b) -> None:
    assert "No decision yet" in visit(partner_a, 11)
    decide_forgiveness(partnership=partnership_of(partner_a), decision="not_yet")
    page = visit(partner_a, 11)
    assert "I&#x27;m not there yet" in page
    assert not [page for page in kept_pages() if b'data-testid="decisions"' in page]


def test_a_partners_new_name_shows_on_the_next_visit(partner_a, partner_b) -> None:
    submit_check_in(
        partnership=partnership_of(partner_b), step=1, answer=CheckInAnswer(3, 5, False, "")
    )
    assert "Blake has checked in" in visit(partner_a, 1)
    partner_b.user.display_name = "Bea"
    partner_b.user.save(update_fields=["display_name"])
    assert "Bea has checked in" in visit(partner_a, 1)


def test_a_changed_role_shows_its_own_note_on_the_next_visit(partner_a, partner_b) -> None:
    assert "someone who was hurt" in visit(partner_a, 2)
    partnership_of(partner_a).change_role("mutual")
    page = visit(partner_a, 2)
    assert "someone who was hurt" not in page
    assert "If you both feel let down" in page


def test_an_ended_space_is_drawn_for_each_visit_and_not_kept(partner_a, partner_b) -> None:
    visit(partner_a, 1)
    end_couple(partnership=partnership_of(partner_b))
    caches["page_shells"].clear()
    assert "This space has ended" in visit(partner_a, 1)
    assert not kept_pages()


def test_a_message_shows_once_on_a_kept_page(partner_a, partner_b) -> None:
    visit(partner_a, 1)
    # The safety check thanks the person on the next page they open.
    partner_a.client.post(reverse("safety_check"), SAFE)
    assert "Thank you. You can change these answers" in visit(partner_a, 1)
    assert "Thank you. You can change these answers" not in visit(partner_a, 1)
    assert not [page for page in kept_pages() if b"Thank you" in page]


def test_todays_date_on_step_9_follows_the_calendar(partner_a, partner_b) -> None:
    # Minutes apart, across midnight: well within the time a page is kept.
    with time_machine.travel("2026-03-01 23:58Z"):
        add_commitment(
            partnership=partnership_of(partner_b),
            text="Phone stays open",
            review_on=date(2026, 4, 1),
        )
        # Whoever made a commitment checks it off, on today's date unless they pick another.
        assert 'value="2026-03-01"' in visit(partner_b, 9)
    with time_machine.travel("2026-03-02 00:01Z"):
        page = visit(partner_b, 9)
    assert 'value="2026-03-02"' in page and 'value="2026-03-01"' not in page


def test_the_csrf_token_on_a_kept_page_works_even_after_signing_in_again(partner_a) -> None:
    # A sign-in rotates the CSRF secret: a token kept from before would be refused.
    browser = Client(enforce_csrf_checks=True)
    for _ in range(2):
        assert browser.login(email=partner_a.user.email, password=PASSWORD)
        page = text_of(browser.get(reverse("step_detail", args=[1])))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]  # type: ignore[index]
        assert re.search(r'"X-CSRFToken": "([^"]+)"', page)[1] == token  # type: ignore[index]
        saved = browser.post(
            reverse("reflection_create", args=[1]),
            {"text": "with a fresh token", "prompt": "", "csrfmiddlewaretoken": token},
        )
        assert saved.status_code == 302
        browser.logout()


def test_the_pages_nonce_is_the_one_its_policy_allows(partner_a) -> None:
    nonces = []
    for _ in range(2):
        response = partner_a.client.get(reverse("step_detail", args=[1]))
        nonce = re.search(r'<script src="[^"]*app[^"]*" nonce="([^"]+)"', text_of(response))[1]  # type: ignore[index]
        assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def home(someone) -> str:  # type: ignore[no-untyped-def]
    response = someone.client.get(reverse("home"))
    assert response.status_code == 200
    return text_of(response)


def test_the_home_is_kept_for_each_partner(partner_a, partner_b) -> None:
    first = home(partner_a)
    assert len(kept_pages()) == 1
    home(partner_b)
    assert len(kept_pages()) == 2
    token = re.compile(r'(X-CSRFToken": "|csrfmiddlewaretoken" value=")[^"]+|nonce="[^"]+"')
    assert token.sub("", first) == token.sub("", home(partner_a))
    assert len(kept_pages()) == 2


def test_the_home_of_someone_alone_in_their_space_is_not_kept(partner_a) -> None:
    # It shows where the invitation stands, which changes without a new revision.
    assert "invite your partner" in home(partner_a)
    assert not kept_pages()


def test_the_homes_time_together_follows_the_clock(partner_a, partner_b) -> None:
    started = Couple.objects.get(partnerships__user=partner_a.user).created_at
    # Seconds apart, either side of a whole hour: well within the time a page is kept.
    with time_machine.travel(started + timedelta(days=2, minutes=59, seconds=58)):
        assert ", 2\xa0days ago" in home(partner_a)
    with time_machine.travel(started + timedelta(days=2, hours=1, seconds=1)):
        assert ", 2\xa0days, 1\xa0hour ago" in home(partner_a)


def test_a_message_shows_once_on_the_kept_home(partner_a, partner_b) -> None:
    home(partner_a)
    partner_a.client.post(reverse("journey_pause"), {"note": ""})
    assert "The process is paused for both of you" in home(partner_a)
    assert "The process is paused for both of you" not in home(partner_a)
    assert "End my pause" in home(partner_a)


def test_a_partners_new_name_and_role_show_on_the_kept_home(partner_a, partner_b) -> None:
    assert "<strong>Blake</strong>" in home(partner_a)
    partner_b.user.display_name = "Bea"
    partner_b.user.save(update_fields=["display_name"])
    assert "<strong>Bea</strong>" in home(partner_a)
    assert "<strong>Bea</strong> · broke the trust" in home(partner_a)
    partnership_of(partner_b).change_role("mutual")
    assert "<strong>Bea</strong> · sees it as mutual / complicated" in home(partner_a)


def test_the_full_list_and_the_latest_ten_each_have_their_kept_page(partner_a, partner_b) -> None:
    # The form writes back to the list as shown, so the two views differ outside the list too.
    url = reverse("step_detail", args=[1])
    latest = text_of(partner_a.client.get(url))
    everything = text_of(partner_a.client.get(url + "?reflections=all"))
    create = reverse("reflection_create", args=[1])
    assert f'action="{create}"' in latest
    assert f'action="{create}?reflections=all"' in everything
    assert f'action="{create}"' in text_of(partner_a.client.get(url))
    assert len(kept_pages()) == 2


@pytest.mark.parametrize("page", ["home", "step_detail"])
def test_someone_alone_in_their_space_has_their_invitation_read_once(partner_a, page) -> None:
    url = reverse(page, args=[1] if page == "step_detail" else [])
    with CaptureQueriesContext(connection) as queries:
        assert partner_a.client.get(url).status_code == 200
    invitation_reads = [q for q in queries if 'FROM "couples_invitation"' in q["sql"]]
    assert len(invitation_reads) == 1
