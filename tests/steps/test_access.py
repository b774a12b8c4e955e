"""Every steps URL, asked by every role. Anonymous visitors are sent to log in and change nothing;
people outside a couple get a 404; partners act only on their own couple; a reflection is for its
author alone; a check-in answer stays hidden from the partner until both have answered."""

import pytest
from django.urls import reverse

from steps import services
from steps.models import CheckIn, CheckInRound, Reflection, StepCompletion
from tests.steps.helpers import HTMX, partnership_of, text_of

LOGIN = "/accounts/login/"
ROLES = ["anonymous", "outsider", "partner_a", "partner_b", "other_partner"]
SIGNED_IN = ["outsider", "partner_a", "partner_b", "other_partner"]
NOT_ALEX = ["anonymous", "outsider", "partner_b", "other_partner"]
PARTNERS = ["partner_a", "partner_b", "other_partner"]

ALEX_REFLECTION = "ALEX-PRIVATE-REFLECTION"
ALEX_NOTE = "ALEX-CHECKIN-NOTE"
ALEX_TRUST = "4 of 10"
BLAKE_NOTE = "BLAKE-CHECKIN-NOTE"
BLAKE_TRUST = "9 of 10"

CHECK_IN_POST = {"feeling": "2", "trust": "6", "ready": "no", "note": "A POSTED NOTE"}


def persona(request, role):
    return request.getfixturevalue(role)


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def assert_htmx_login_redirect(response):
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(LOGIN)


def db_snapshot():
    """Everything the steps app stores, to prove that a request changed nothing."""
    return (
        sorted(
            (r.pk, r.author_id, r.couple_id, r.step, r.prompt, r.text, r.updated_at)
            for r in Reflection.objects.all()
        ),
        sorted(
            (r.pk, r.couple_id, r.step, r.number, r.revealed_at) for r in CheckInRound.objects.all()
        ),
        sorted(
            (c.pk, c.round_id, c.author_id, c.feeling, c.trust, c.ready, c.note, c.updated_at)
            for c in CheckIn.objects.all()
        ),
        sorted((s.pk, s.couple_id, s.step) for s in StepCompletion.objects.all()),
    )


@pytest.fixture
def alex_reflection(partner_a, couple_ab) -> Reflection:
    return services.write_reflection(
        partnership=partnership_of(partner_a), step=1, text=ALEX_REFLECTION
    )


@pytest.fixture
def alex_check_in(partner_a, couple_ab) -> CheckIn:
    """Alex has answered step 1; Blake has not, so the round is still open."""
    return services.submit_check_in(
        partnership=partnership_of(partner_a),
        step=1,
        answer=services.CheckInAnswer(feeling=3, trust=4, ready=False, note=ALEX_NOTE),
    )


@pytest.fixture
def alex_data(alex_reflection, alex_check_in):
    return alex_reflection, alex_check_in


# Home


@pytest.mark.parametrize(
    ("role", "status", "location"),
    [
        ("anonymous", 302, LOGIN),
        ("outsider", 302, "/space/start/"),
        ("partner_a", 200, None),
        ("partner_b", 200, None),
        ("other_partner", 200, None),
    ],
)
def test_home_access(request, couple_ab, role, status, location):
    response = persona(request, role).client.get(reverse("home"))
    assert response.status_code == status
    if location:
        assert response["Location"].startswith(location)
    if role == "other_partner":
        assert "Casey" in text_of(response)
        assert "Alex" not in text_of(response)
        assert "Blake" not in text_of(response)
    if role in ("partner_a", "partner_b"):
        assert "Alex" in text_of(response)
        assert "Blake" in text_of(response)


# Chapters


@pytest.mark.parametrize("slug", ["opening", "closing"])
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("partner_a", 200),
        ("partner_b", 200),
        ("other_partner", 200),
    ],
)
def test_chapter_access(request, couple_ab, slug, role, status):
    response = persona(request, role).client.get(reverse("chapter", args=[slug]))
    assert response.status_code == status
    if role == "anonymous":
        assert_login_redirect(response)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("partner_a", 404),
        ("partner_b", 404),
        ("other_partner", 404),
    ],
)
def test_unknown_chapter_is_404(request, couple_ab, role, status):
    response = persona(request, role).client.get(reverse("chapter", args=["middle"]))
    assert response.status_code == status
    if role == "anonymous":
        assert_login_redirect(response)


# Step pages


@pytest.mark.parametrize("number", range(1, 12))
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("partner_a", 200),
        ("partner_b", 200),
        ("other_partner", 200),
    ],
)
def test_step_detail_access(request, couple_ab, number, role, status):
    response = persona(request, role).client.get(reverse("step_detail", args=[number]))
    assert response.status_code == status
    if role == "anonymous":
        assert_login_redirect(response)
    if status == 200:
        assert f"Step {number}" in text_of(response)


@pytest.mark.parametrize("number", [0, 12])
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("partner_a", 404),
        ("partner_b", 404),
        ("other_partner", 404),
    ],
)
def test_step_outside_the_eleven_is_404(request, couple_ab, number, role, status):
    response = persona(request, role).client.get(reverse("step_detail", args=[number]))
    assert response.status_code == status
    if role == "anonymous":
        assert_login_redirect(response)


# Writing a reflection


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("partner_a", 302),
        ("partner_b", 302),
        ("other_partner", 302),
    ],
)
def test_reflection_create_access(request, couple_ab, role, status):
    who = persona(request, role)
    before = db_snapshot()
    response = who.client.post(
        reverse("reflection_create", args=[1]), {"text": "NEW-REFLECTION", "prompt": ""}
    )
    assert response.status_code == status
    if role in ("anonymous", "outsider"):
        if role == "anonymous":
            assert_login_redirect(response)
        assert db_snapshot() == before
        return
    assert response["Location"] == reverse("step_detail", args=[1]) + "#reflections"
    created = Reflection.objects.get(author=who.user)
    assert created.text == "NEW-REFLECTION"
    assert created.step == 1
    assert created.couple == partnership_of(who).couple
    if role == "other_partner":
        assert created.couple != couple_ab
        assert not Reflection.objects.filter(couple=couple_ab).exists()


@pytest.mark.parametrize("number", [0, 12])
@pytest.mark.parametrize("role", PARTNERS)
def test_reflection_on_a_step_outside_the_eleven_is_404(request, couple_ab, number, role):
    response = persona(request, role).client.post(
        reverse("reflection_create", args=[number]), {"text": "NEW-REFLECTION", "prompt": ""}
    )
    assert response.status_code == 404
    assert not Reflection.objects.exists()


def test_htmx_reflection_create_returns_the_reflections_fragment(partner_a, couple_ab):
    response = partner_a.client.post(
        reverse("reflection_create", args=[1]),
        {"text": "HTMX-REFLECTION", "prompt": ""},
        **HTMX,
    )
    assert response.status_code == 200
    content = text_of(response)
    assert "<html" not in content
    assert 'id="reflections"' in content
    assert "HTMX-REFLECTION" in content
    reflection = Reflection.objects.get(author=partner_a.user)
    assert reflection.text == "HTMX-REFLECTION"
    assert reflection.couple == couple_ab


# Editing and deleting a reflection: the author only


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("partner_a", 200),
        ("partner_b", 404),
        ("other_partner", 404),
    ],
)
@pytest.mark.parametrize("action", ["reflection_edit", "reflection_delete"])
def test_reflection_pages_only_for_the_author(request, alex_reflection, action, role, status):
    response = persona(request, role).client.get(reverse(action, args=[alex_reflection.pk]))
    assert response.status_code == status
    if role == "anonymous":
        assert_login_redirect(response)
    if role == "partner_a":
        assert ALEX_REFLECTION in text_of(response)
    else:
        assert ALEX_REFLECTION not in text_of(response)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("partner_a", 302),
        ("partner_b", 404),
        ("other_partner", 404),
    ],
)
def test_reflection_edit_only_by_the_author(request, alex_reflection, role, status):
    before = db_snapshot()
    response = persona(request, role).client.post(
        reverse("reflection_edit", args=[alex_reflection.pk]),
        {"text": "REWRITTEN", "prompt": ""},
    )
    assert response.status_code == status
    if role == "anonymous":
        assert_login_redirect(response)
    alex_reflection.refresh_from_db()
    if role == "partner_a":
        assert response["Location"] == (
            reverse("step_detail", args=[1]) + f"#reflection-{alex_reflection.pk}"
        )
        assert alex_reflection.text == "REWRITTEN"
    else:
        assert alex_reflection.text == ALEX_REFLECTION
        assert db_snapshot() == before


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("partner_a", 302),
        ("partner_b", 404),
        ("other_partner", 404),
    ],
)
def test_reflection_delete_only_by_the_author(request, alex_reflection, role, status):
    before = db_snapshot()
    response = persona(request, role).client.post(
        reverse("reflection_delete", args=[alex_reflection.pk])
    )
    assert response.status_code == status
    if role == "anonymous":
        assert_login_redirect(response)
    exists = Reflection.objects.filter(pk=alex_reflection.pk).exists()
    if role == "partner_a":
        assert response["Location"] == reverse("step_detail", args=[1]) + "#reflections"
        assert not exists
    else:
        assert exists
        assert db_snapshot() == before


@pytest.mark.parametrize("role", ["outsider", "partner_b", "other_partner"])
@pytest.mark.parametrize("action", ["reflection_edit", "reflection_delete"])
def test_htmx_reflection_actions_by_others_are_404(request, alex_reflection, action, role):
    before = db_snapshot()
    client = persona(request, role).client
    url = reverse(action, args=[alex_reflection.pk])
    got = client.get(url, **HTMX)
    posted = client.post(url, {"text": "REWRITTEN", "prompt": ""}, **HTMX)
    assert got.status_code == 404
    assert posted.status_code == 404
    assert ALEX_REFLECTION not in text_of(got) + text_of(posted)
    assert db_snapshot() == before


def test_htmx_author_edits_and_deletes_in_place(partner_a, alex_reflection):
    edit_url = reverse("reflection_edit", args=[alex_reflection.pk])
    form = partner_a.client.get(edit_url, **HTMX)
    assert form.status_code == 200
    assert "<html" not in text_of(form)
    assert ALEX_REFLECTION in text_of(form)

    edited = partner_a.client.post(edit_url, {"text": "REWRITTEN", "prompt": ""}, **HTMX)
    assert edited.status_code == 200
    assert "<html" not in text_of(edited)
    assert f'id="reflection-{alex_reflection.pk}"' in text_of(edited)
    assert "REWRITTEN" in text_of(edited)
    alex_reflection.refresh_from_db()
    assert alex_reflection.text == "REWRITTEN"

    deleted = partner_a.client.post(reverse("reflection_delete", args=[alex_reflection.pk]), **HTMX)
    assert deleted.status_code == 200
    assert deleted.content == b""
    assert not Reflection.objects.filter(pk=alex_reflection.pk).exists()


@pytest.mark.parametrize("action", ["reflection_edit", "reflection_delete"])
def test_reflection_that_does_not_exist_is_404(partner_a, alex_reflection, action):
    response = partner_a.client.get(reverse(action, args=[alex_reflection.pk + 1000]))
    assert response.status_code == 404


# Check-ins


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("partner_a", 302),
        ("partner_b", 302),
        ("other_partner", 302),
    ],
)
def test_check_in_submit_access(request, couple_ab, role, status):
    who = persona(request, role)
    before = db_snapshot()
    response = who.client.post(reverse("check_in_submit", args=[1]), CHECK_IN_POST)
    assert response.status_code == status
    if role in ("anonymous", "outsider"):
        if role == "anonymous":
            assert_login_redirect(response)
        assert db_snapshot() == before
        return
    assert response["Location"] == reverse("step_detail", args=[1]) + "#check-in"
    answer = CheckIn.objects.select_related("round").get(author=who.user)
    assert answer.round.couple == partnership_of(who).couple
    assert answer.round.step == 1
    assert (answer.feeling, answer.trust, answer.ready, answer.note) == (
        2,
        6,
        False,
        "A POSTED NOTE",
    )
    assert answer.round.revealed_at is None  # the other partner has not answered
    if role == "other_partner":
        assert not CheckInRound.objects.filter(couple=couple_ab).exists()


@pytest.mark.parametrize("number", [0, 12])
@pytest.mark.parametrize("role", PARTNERS)
def test_check_in_on_a_step_outside_the_eleven_is_404(request, couple_ab, number, role):
    client = persona(request, role).client
    assert client.post(reverse("check_in_submit", args=[number]), CHECK_IN_POST).status_code == 404
    assert client.get(reverse("check_in_state", args=[number])).status_code == 404
    assert not CheckInRound.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("partner_a", 200),
        ("partner_b", 200),
        ("other_partner", 200),
    ],
)
def test_check_in_state_access(request, alex_check_in, role, status):
    response = persona(request, role).client.get(reverse("check_in_state", args=[1]))
    assert response.status_code == status
    if role == "anonymous":
        assert_login_redirect(response)
    if status == 200:
        content = text_of(response)
        assert 'id="check-in"' in content
        assert "<html" not in content
        # Alex sees Alex's own answer so far; nobody else sees it before the reveal.
        assert (ALEX_NOTE in content) is (role == "partner_a")


# Nothing of Alex's private writing reaches anyone else


def alex_get_urls(reflection: Reflection) -> list[str]:
    return [
        reverse("home"),
        reverse("chapter", args=["opening"]),
        reverse("step_detail", args=[1]),
        reverse("check_in_state", args=[1]),
        reverse("reflection_edit", args=[reflection.pk]),
        reverse("reflection_delete", args=[reflection.pk]),
    ]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("role", NOT_ALEX)
def test_alex_private_writing_never_reaches_anyone_else(request, alex_data, role, htmx):
    reflection, _ = alex_data
    client = persona(request, role).client
    for url in alex_get_urls(reflection):
        response = client.get(url, **(HTMX if htmx else {}))
        content = text_of(response)
        assert ALEX_REFLECTION not in content, url
        assert ALEX_NOTE not in content, url
        assert ALEX_TRUST not in content, url


def test_alex_sees_alex_own_writing(partner_a, alex_data):
    """The control for the test above: the strings it looks for are really on the pages."""
    step = text_of(partner_a.client.get(reverse("step_detail", args=[1])))
    assert ALEX_REFLECTION in step
    assert ALEX_NOTE in step
    assert ALEX_TRUST in step
    state = text_of(partner_a.client.get(reverse("check_in_state", args=[1])))
    assert ALEX_NOTE in state
    assert "You have checked in." in state


def test_blake_sees_only_a_hint_until_blake_answers(partner_a, partner_b, alex_check_in):
    step = text_of(partner_b.client.get(reverse("step_detail", args=[1])))
    state = text_of(partner_b.client.get(reverse("check_in_state", args=[1])))
    home = text_of(partner_b.client.get(reverse("home")))
    for content in (step, state):
        assert "Alex has checked in." in content
        assert ALEX_NOTE not in content
        assert ALEX_TRUST not in content
        assert 'data-testid="revealed-answers"' not in content
    assert "Alex has checked in on" in home
    assert ALEX_NOTE not in home

    response = partner_b.client.post(
        reverse("check_in_submit", args=[1]),
        {"feeling": "4", "trust": "9", "ready": "no", "note": BLAKE_NOTE},
    )
    assert response.status_code == 302
    alex_check_in.round.refresh_from_db()
    assert alex_check_in.round.is_revealed

    for who in (partner_a, partner_b):
        for url in (reverse("step_detail", args=[1]), reverse("check_in_state", args=[1])):
            content = text_of(who.client.get(url))
            assert 'data-testid="revealed-answers"' in content, (who.user, url)
            assert ALEX_NOTE in content, (who.user, url)
            assert BLAKE_NOTE in content, (who.user, url)
            assert ALEX_TRUST in content, (who.user, url)
            assert BLAKE_TRUST in content, (who.user, url)


def test_casey_posting_changes_only_casey_couple(
    partner_b, other_partner, couple_ab, alex_data, alex_check_in
):
    before = db_snapshot()
    ab_rounds = list(CheckInRound.objects.filter(couple=couple_ab).values_list("pk", flat=True))

    check_in = other_partner.client.post(
        reverse("check_in_submit", args=[1]),
        {"feeling": "5", "trust": "8", "ready": "yes", "note": "CASEY-NOTE"},
    )
    reflection = other_partner.client.post(
        reverse("reflection_create", args=[1]), {"text": "CASEY-REFLECTION", "prompt": ""}
    )
    assert check_in.status_code == 302
    assert reflection.status_code == 302

    # Alex and Blake's couple: the same rows as before, the open round still open.
    assert list(CheckInRound.objects.filter(couple=couple_ab).values_list("pk", flat=True)) == (
        ab_rounds
    )
    assert CheckIn.objects.filter(round__couple=couple_ab).count() == 1
    assert Reflection.objects.filter(couple=couple_ab).count() == 1
    alex_check_in.round.refresh_from_db()
    assert not alex_check_in.round.is_revealed
    reflections_before, rounds_before, check_ins_before, completions_before = before
    reflections, rounds, check_ins, completions = db_snapshot()
    assert set(reflections_before) <= set(reflections)
    assert set(rounds_before) <= set(rounds)
    assert set(check_ins_before) <= set(check_ins)
    assert completions == completions_before

    # Casey's couple got Casey's rows.
    casey_couple = partnership_of(other_partner).couple
    casey_answer = CheckIn.objects.get(author=other_partner.user)
    assert casey_answer.round.couple == casey_couple
    casey_reflection = Reflection.objects.get(author=other_partner.user)
    assert casey_reflection.text == "CASEY-REFLECTION"
    assert casey_reflection.couple == casey_couple

    # And Blake sees nothing of Casey's.
    for url in (reverse("step_detail", args=[1]), reverse("check_in_state", args=[1])):
        content = text_of(partner_b.client.get(url))
        assert "CASEY-NOTE" not in content
        assert "CASEY-REFLECTION" not in content
        assert "Alex has checked in." in content


# HTMX


def test_htmx_poll_is_204_while_the_partner_has_not_answered(partner_a, partner_b, alex_check_in):
    url = reverse("check_in_state", args=[1])
    waiting_on = {"waiting_on": str(alex_check_in.round_id)}
    response = partner_a.client.get(url, waiting_on, **HTMX)
    assert response.status_code == 204
    assert response.content == b""

    services.submit_check_in(
        partnership=partnership_of(partner_b),
        step=1,
        answer=services.CheckInAnswer(feeling=4, trust=9, ready=False, note=BLAKE_NOTE),
    )
    response = partner_a.client.get(url, waiting_on, **HTMX)
    assert response.status_code == 200
    content = text_of(response)
    assert "<html" not in content
    assert ALEX_NOTE in content
    assert BLAKE_NOTE in content


def test_htmx_poll_with_another_couples_round_shows_only_casey_own(other_partner, alex_check_in):
    response = other_partner.client.get(
        reverse("check_in_state", args=[1]), {"waiting_on": str(alex_check_in.round_id)}, **HTMX
    )
    assert response.status_code == 200
    assert ALEX_NOTE not in text_of(response)
    assert "Alex" not in text_of(response)


def anonymous_requests(reflection: Reflection) -> list[tuple[str, str, dict]]:
    pk = reflection.pk
    return [
        ("get", reverse("home"), {}),
        ("get", reverse("chapter", args=["opening"]), {}),
        ("get", reverse("step_detail", args=[1]), {}),
        ("post", reverse("reflection_create", args=[1]), {"text": "ANON", "prompt": ""}),
        ("get", reverse("reflection_edit", args=[pk]), {}),
        ("post", reverse("reflection_edit", args=[pk]), {"text": "ANON", "prompt": ""}),
        ("get", reverse("reflection_delete", args=[pk]), {}),
        ("post", reverse("reflection_delete", args=[pk]), {}),
        ("post", reverse("check_in_submit", args=[1]), CHECK_IN_POST),
        ("get", reverse("check_in_state", args=[1]), {"waiting_on": "1"}),
    ]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_anonymous_is_sent_to_log_in_everywhere_and_changes_nothing(anonymous, alex_data, htmx):
    reflection, _ = alex_data
    before = db_snapshot()
    for method, url, data in anonymous_requests(reflection):
        response = getattr(anonymous.client, method)(url, data, **(HTMX if htmx else {}))
        if htmx:
            assert_htmx_login_redirect(response)
        else:
            assert_login_redirect(response)
        assert ALEX_REFLECTION not in text_of(response)
        assert ALEX_NOTE not in text_of(response)
    assert db_snapshot() == before


# Wrong methods


@pytest.mark.parametrize(
    ("method", "name", "args"),
    [
        ("get", "reflection_create", [1]),
        ("get", "check_in_submit", [1]),
        ("post", "home", []),
        ("post", "chapter", ["opening"]),
        ("post", "step_detail", [1]),
        ("post", "check_in_state", [1]),
        ("put", "reflection_edit", None),
        ("put", "reflection_delete", None),
    ],
)
@pytest.mark.parametrize("role", SIGNED_IN)
def test_wrong_method_is_405(request, alex_data, role, method, name, args):
    reflection, _ = alex_data
    before = db_snapshot()
    url = reverse(name, args=[reflection.pk] if args is None else args)
    response = getattr(persona(request, role).client, method)(url)
    assert response.status_code == 405
    assert db_snapshot() == before
