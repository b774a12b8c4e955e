""" "I'm triggered right now": grounding one tap from every page, a private note, and an ask to
the partner for reassurance or space that never carries the note."""

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from couples.models import Partnership
from steps.models import HardMoment, SafetyCheck
from steps.selectors import PARTNER_ASK_SHOWN_FOR, _partner_asks, get_recent_partner_asks
from tests.steps.helpers import HTMX, partnership_of

NOTE = "HARD-MOMENT-PRIVATE-NOTE the song in the car"
URL = "/space/hard-moment/"
LOG = "/space/hard-moments/"


def _ask(persona, need: str = "reassurance", note: str = NOTE, **extra):  # type: ignore[no-untyped-def]
    return persona.client.post(reverse("hard_moment"), {"need": need, "note": note}, **extra)


def test_the_urls_are_where_the_header_link_points() -> None:
    assert (reverse("hard_moment"), reverse("hard_moments")) == (URL, LOG)


@pytest.mark.parametrize("page", ["home", "preferences", "sharing"])
def test_every_page_of_a_signed_in_partner_links_to_it(partner_a, page) -> None:
    response = partner_a.client.get(reverse(page))
    assert f'href="{URL}" data-testid="hard-moment-link"' in response.content.decode()


def test_the_page_grounds_first_and_offers_to_tell_the_partner(partner_a, partner_b) -> None:
    page = partner_a.client.get(URL).content.decode()
    assert "Breathe out for longer than you breathe in" in page
    assert "I need reassurance" in page and "I need some space" in page
    assert "let Blake know" in page
    assert "helplines and safety" in page


def test_a_note_kept_to_oneself_is_seen_by_its_author_alone(partner_a, partner_b) -> None:
    response = _ask(partner_a, need="")
    assert response.status_code == 302 and response["Location"] == LOG
    moment = HardMoment.objects.get()
    assert (moment.author, moment.is_ask) == (partner_a.user, False)
    assert NOTE in partner_a.client.get(LOG).content.decode()
    for page in (LOG, reverse("home")):
        assert "HARD-MOMENT" not in partner_b.client.get(page).content.decode()
    assert not mail.outbox


def test_the_note_is_encrypted_at_rest(partner_a) -> None:
    _ask(partner_a, need="")
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM steps_hardmoment")
        (stored,) = cursor.fetchone()
    assert "HARD-MOMENT" not in stored
    assert HardMoment.objects.get().note == NOTE


def test_an_ask_reaches_the_partner_by_email_without_the_note(
    partner_a, partner_b, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(partner_a)
    assert response.status_code == 302
    (email,) = mail.outbox
    assert email.to == ["blake@example.com"]
    assert email.subject == "A message from Alex on TrustApp"
    html = email.alternatives[0][0]
    for body in (email.body, html):
        assert "asked you for reassurance" in body
        assert "HARD-MOMENT" not in body
    assert "https://trustapp.test/space/hard-moments/" in email.body
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_an_ask_during_a_pause_waits_on_the_page_without_an_email(
    partner_a, partner_b, django_capture_on_commit_callbacks
) -> None:
    # A pause promises no emails; the ask is still there for Blake to see.
    partner_b.client.post(reverse("journey_pause"), {"note": ""})
    with django_capture_on_commit_callbacks(execute=True):
        _ask(partner_a, need="space")
    assert not mail.outbox
    assert "asked you for some space" in partner_b.client.get("/space/").content.decode()


def test_no_email_to_a_partner_who_turned_partner_emails_off(
    partner_a, partner_b, django_capture_on_commit_callbacks
) -> None:
    partner_b.user.email_partner_updates = False
    partner_b.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        _ask(partner_a)
    assert not mail.outbox
    assert "Alex is having a hard moment" in partner_b.client.get("/space/").content.decode()


def test_the_partner_sees_the_ask_on_home_and_can_say_they_saw_it(partner_a, partner_b) -> None:
    _ask(partner_a)
    moment = HardMoment.objects.get()
    home = partner_b.client.get(reverse("home")).content.decode()
    assert "Alex is having a hard moment" in home
    assert "asked you for reassurance" in home
    log = partner_b.client.get(LOG).content.decode()
    assert "I saw this, and I'm here" in log
    assert "HARD-MOMENT" not in log
    response = partner_b.client.post(reverse("hard_moment_seen", args=[moment.pk]))
    assert response.status_code == 302
    moment.refresh_from_db()
    assert moment.seen_by_partner_at is not None
    assert "Alex is having a hard moment" not in partner_b.client.get("/space/").content.decode()
    assert "they let you know they saw it" in partner_a.client.get(LOG).content.decode()


def test_saying_you_saw_it_under_htmx_swaps_in_the_answered_ask(partner_a, partner_b) -> None:
    _ask(partner_a, need="space")
    moment = HardMoment.objects.get()
    response = partner_b.client.post(reverse("hard_moment_seen", args=[moment.pk]), **HTMX)
    fragment = response.content.decode()
    assert fragment.lstrip().startswith(f'<li id="ask-{moment.pk}"')
    assert "You let them know you saw this." in fragment
    assert "<html" not in fragment


def test_the_partner_who_broke_trust_is_guided_to_reassure_not_defend(partner_a, partner_b) -> None:
    _ask(partner_a)
    assert "reassure rather than defend" in partner_b.client.get(LOG).content.decode()
    _ask(partner_b)
    page = partner_a.client.get(LOG).content.decode()
    assert "reassure rather than defend" not in page
    assert "You don't have to fix anything." in page


def test_only_the_partner_may_say_they_saw_an_ask(partner_a, partner_b, other_partner) -> None:
    _ask(partner_a)
    seen = reverse("hard_moment_seen", args=[HardMoment.objects.get().pk])
    assert partner_a.client.post(seen).status_code == 404  # the asker
    assert other_partner.client.post(seen).status_code == 404
    assert partner_b.client.get(seen).status_code == 405


def test_a_private_moment_can_not_be_answered_by_the_partner(partner_a, partner_b) -> None:
    _ask(partner_a, need="")
    seen = reverse("hard_moment_seen", args=[HardMoment.objects.get().pk])
    assert partner_b.client.post(seen).status_code == 404


def _raise_a_concern(persona) -> None:  # type: ignore[no-untyped-def]
    partnership = partnership_of(persona)
    SafetyCheck.objects.create(
        user=persona.user, couple=partnership.couple, afraid=True, pressured=False, harmed=False
    )


def test_a_partner_set_aside_for_safety_is_offered_no_ask_and_sends_none(
    partner_a, partner_b, django_capture_on_commit_callbacks
) -> None:
    _raise_a_concern(partner_a)
    page = partner_a.client.get(URL).content.decode()
    assert "I need reassurance" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(partner_a)
    assert response.status_code == 302
    assert HardMoment.objects.get().is_ask is False
    assert not mail.outbox
    assert "Alex asked" not in partner_b.client.get(LOG).content.decode()


def test_a_partner_set_aside_for_safety_is_never_asked(
    partner_a, partner_b, django_capture_on_commit_callbacks
) -> None:
    _raise_a_concern(partner_a)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(partner_b)
    assert not mail.outbox
    assert "hard moment" not in partner_a.client.get("/space/").content.decode().split("<main")[1]
    assert "Blake asked" not in partner_a.client.get(LOG).content.decode()
    seen = reverse("hard_moment_seen", args=[HardMoment.objects.get().pk])
    assert partner_a.client.post(seen).status_code == 404


def test_alone_or_outside_a_couple_the_page_keeps_a_private_note(partner_a, outsider) -> None:
    for persona in (partner_a, outsider):
        page = persona.client.get(URL).content.decode()
        assert "I need reassurance" not in page
        assert _ask(persona, need="").status_code == 302
    assert HardMoment.objects.filter(couple=None, author=outsider.user).exists()


def test_an_ask_with_nobody_to_ask_is_refused_and_the_note_kept(partner_a) -> None:
    # A stale form from before the partner left, say: the field is gone, so nothing is asked.
    response = _ask(partner_a)
    assert response.status_code == 302
    assert HardMoment.objects.get().is_ask is False


def test_a_note_too_long_is_refused_and_what_was_typed_kept(partner_a, partner_b) -> None:
    long = "kept words " * 200
    response = _ask(partner_a, note=long, **HTMX)
    fragment = response.content.decode()
    assert response.status_code == 200
    assert fragment.lstrip().startswith('<section id="hard-moment-form"')
    assert "2,000 characters" in fragment
    assert "kept words kept words" in fragment
    assert 'value="reassurance" id="hard_moment_need_1" checked' in fragment
    assert not HardMoment.objects.exists()


def test_saving_under_htmx_redirects_the_page(partner_a, partner_b) -> None:
    response = _ask(partner_a, **HTMX)
    assert response["HX-Redirect"] == LOG


def test_wrong_methods_are_refused(partner_a) -> None:
    assert partner_a.client.put(URL).status_code == 405
    assert partner_a.client.post(LOG).status_code == 405


def test_signed_out_people_are_sent_to_log_in(anonymous) -> None:
    for url in (URL, LOG):
        response = anonymous.client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_ask_from_before_a_partner_joined_is_not_theirs_to_see(partner_a, make_user) -> None:
    from django.utils import timezone

    from couples.models import Partnership, Role

    partnership = partnership_of(partner_a)
    HardMoment.objects.create(
        author=partner_a.user,
        couple=partnership.couple,
        need="reassurance",
        created_at=timezone.now() - timezone.timedelta(days=1),
    )
    newcomer = make_user("sam@example.com", "Sam")
    Partnership.objects.create(couple=partnership.couple, user=newcomer, seat=2, role=Role.MUTUAL)
    client = partner_a.client.__class__()
    client.force_login(newcomer)
    assert "Alex asked" not in client.get(LOG).content.decode()


def test_the_home_shows_the_partners_unseen_asks_of_the_last_two_days_only(
    partner_a, partner_b, other_partner
) -> None:
    """The home's prepared read (get_recent_partner_asks) keeps the rules of every other read
    of a partner's asks (_partner_asks), with its own two days and unseen ones."""
    now = timezone.now()
    # Both joined a while ago, so that asks of the last days are from their time together.
    Partnership.objects.update(joined_at=now - timezone.timedelta(days=10))

    def ask(author, need="reassurance", hours=1, seen=False):  # type: ignore[no-untyped-def]
        return HardMoment.objects.create(
            author=author.user,
            couple=partnership_of(author).couple,
            need=need,
            created_at=now - timezone.timedelta(hours=hours),
            seen_by_partner_at=now if seen else None,
        )

    shown = {ask(partner_b).pk, ask(partner_b, need="space", hours=47).pk}
    ask(partner_b, hours=49)  # older than two days
    ask(partner_b, seen=True)  # already seen
    ask(partner_b, need=HardMoment.Need.NOTHING)  # a private moment: never asked of anyone
    alexs_own = ask(partner_a)
    ask(other_partner)  # another couple's
    recent = get_recent_partner_asks(partnership_of(partner_a), set_aside=False)
    assert {moment.pk for moment in recent} == shown
    assert {moment.pk for moment in recent} == set(
        _partner_asks(partnership_of(partner_a), set_aside=False)
        .filter(seen_by_partner_at__isnull=True, created_at__gte=now - PARTNER_ASK_SHOWN_FOR)
        .values_list("pk", flat=True)
    )
    assert [moment.author for moment in recent] == [partner_b.user, partner_b.user]
    assert get_recent_partner_asks(partnership_of(partner_a), set_aside=True) == []
    # Blake sees Alex's ask, and none of their own.
    assert get_recent_partner_asks(partnership_of(partner_b), set_aside=False) == [alexs_own]
