"""The access matrix: every named URL of our own apps, asked by every role.

The expected outcome of each (URL, role) is WRITTEN DOWN in `EXPECTED` below, from the product's
rules, never computed from the app's own code. The URLs themselves come from the URL
configuration, so a new named URL without a row here fails the suite until someone decides, and
writes down, who may use it.

Outcomes:
    "ok"          a 2xx, or a 302 to a page other than the login page (a successful action). The
                  page may still explain a rule of the exercise ("the apology comes from the
                  partner who broke the trust"): that is the product talking, not a door.
    "login"       a 302 to /accounts/login/
    "404", "403", "405", "409"   that status (409: an invitation link this person cannot accept)
    "redirect:<url name>"        a 302 to that URL (the redirects the views do on purpose)

Besides the status, every case checks that:
  * Alex's private reflection, Blake's unsent apology draft (and Alex's check-in answer, while
    Blake has not answered) never appear in a response to anyone but their author, and Alex and Blake's shared texts never reach anyone outside their
    couple other than the counselor both consented to;
  * a refused request (and every GET) changes nothing in the couples and steps tables (the
    counselor access log excepted: it records attempts on purpose).

A case the app gets wrong is marked in `BUGS` (xfail, strict) with what is wrong, and keeps the
outcome the product requires in the table.
"""

from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlparse

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils import timezone

from couples.models import AccessLogEntry, Invitation
from couples.services import invite_counselor
from steps import services
from trustapp.accounts.models import PushSubscription
from trustapp.accounts.services import unsubscribe_token

LOGIN_PATH = "/accounts/login/"

ROLES = (
    "anonymous",
    "outsider",  # Drew: verified, in no couple
    "partner_a",  # Alex, hurt; Alex and Blake's couple
    "partner_b",  # Blake, broke the trust; same couple
    "other_partner",  # Casey, alone in another couple
    "counselor",  # Dr. Morgan: accepted, both Alex and Blake consented
    "counselor_without_consent",  # Quinn: accepted, only Alex consented
    "staff",  # Sky: a superuser (with a second factor) in no couple, no powers outside the admin
)

# Where the URL names come from. Everything in these URL configurations must have a row.
OWN_URLCONFS = {"trustapp.urls", "couples.urls", "steps.urls"}
# Third-party, not in the matrix (allauth's accounts, two-factor and sessions pages, Django's
# admin) ...
THIRD_PARTY_PREFIXES = ("account_", "mfa_", "usersessions_", "admin:")
# ... except the admin's front door, which is one row of the matrix.
THIRD_PARTY_IN_MATRIX = {"admin:index"}

# Methods: "GET" (GET only), "POST" (POST only), "GET+POST" (a page with its form: the matrix
# asks with GET), "ANY" (the admin). The matrix uses GET unless the view takes only POST.
OK = "ok"
LOGIN = "login"
NF = "404"
FORBIDDEN = "403"
REFUSED = "409"
HOME = "redirect:home"
START = "redirect:couple_start"
DASH = "redirect:counselor_dashboard"
PROFILE = "redirect:counselor_profile"
ADMIN = "redirect:admin:login"
PREFS = "redirect:preferences"

# fmt: off
EXPECTED: dict[str, tuple[str, ...]] = {
    # name                          method      anon   drew     alex     blake    casey    morgan   quinn      sky
    # Public pages; the landing page sends anyone signed in to their space.
    "landing":                     ("GET",      OK,    HOME,    HOME,    HOME,    HOME,    HOME,    HOME,      HOME),
    "help":                        ("GET",      OK,    OK,      OK,      OK,      OK,      OK,      OK,        OK),
    "help_counselor":              ("GET",      OK,    OK,      OK,      OK,      OK,      OK,      OK,        OK),
    # The installable app's files, the same for everyone (tests/test_pwa.py).
    "web_manifest":                ("GET",      OK,    OK,      OK,      OK,      OK,      OK,      OK,        OK),
    "service_worker":              ("GET",      OK,    OK,      OK,      OK,      OK,      OK,      OK,        OK),
    "offline":                     ("GET",      OK,    OK,      OK,      OK,      OK,      OK,      OK,        OK),
    # Anyone's own account.
    "preferences":                 ("GET+POST", LOGIN, OK,      OK,      OK,      OK,      OK,      OK,        OK),
    # The one-click unsubscribe link in Alex's check-in emails: the signed token is the key, so
    # anyone holding it sees the page (which names nobody), signed in or not; a GET changes
    # nothing. (tests/accounts/test_unsubscribe.py has the POST, bad tokens and the rest.)
    "email_unsubscribe":           ("GET+POST", OK,    OK,      OK,      OK,      OK,      OK,      OK,        OK),
    # Notifications: only with VAPID keys set (not here, so turning them on is a 404); Alex's
    # device is Alex's alone to turn off (tests/accounts/test_push.py has them with keys).
    "push_subscribe":              ("POST",     LOGIN, NF,      NF,      NF,      NF,      NF,      NF,        NF),
    "push_remove":                 ("POST",     LOGIN, NF,      PREFS,   NF,      NF,      NF,      NF,        NF),
    # Starting a space: for people in none; partners go home, counselors to their dashboard.
    "couple_start":                ("GET+POST", LOGIN, OK,      HOME,    HOME,    HOME,    DASH,    DASH,      OK),
    # A partner's own couple: nobody outside a couple has one.
    "couple_role":                 ("POST",     LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "partner_invite":              ("GET+POST", LOGIN, NF,      HOME,    HOME,    OK,      NF,      NF,        NF),
    "couple_panel":                ("GET",      LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "couple_end":                  ("GET+POST", LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    # Alex and Blake's invitation (by id): theirs alone.
    "invitation_resend":           ("POST",     LOGIN, NF,      OK,      OK,      NF,      NF,      NF,        NF),
    "invitation_cancel":           ("POST",     LOGIN, NF,      OK,      OK,      NF,      NF,      NF,        NF),
    # An invitation link (to sam@example.com) is public to open; nobody here may accept it.
    "invitation":                  ("GET",      OK,    OK,      OK,      OK,      OK,      OK,      OK,        OK),
    "invitation_accept":           ("POST",     LOGIN, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED,   REFUSED),
    # Who can see a couple's space: the partners' own page; a counselor access of Alex and Blake.
    "sharing":                     ("GET",      LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "counselor_invite":            ("POST",     LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "consent_update":              ("POST",     LOGIN, NF,      OK,      OK,      NF,      NF,      NF,        NF),
    # Anyone signed in may open the counselor profile form (saving it refuses partners).
    "counselor_profile":           ("GET+POST", LOGIN, OK,      OK,      OK,      OK,      OK,      OK,        OK),
    # A counselor invitation link (to riley@clinic.example): public to open; nobody here accepts.
    "counselor_invitation":        ("GET",      OK,    OK,      OK,      OK,      OK,      OK,      OK,        OK),
    "counselor_invitation_accept": ("POST",     LOGIN, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED,   REFUSED),
    # The couple's home and steps: partners only.
    "home":                        ("GET",      LOGIN, START,   OK,      OK,      OK,      DASH,    DASH,      START),
    "chapter":                     ("GET",      LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "step_detail":                 ("GET",      LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "reflection_create":           ("POST",     LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    # Alex's private reflection: Alex alone, not even Blake.
    "reflection_edit":             ("GET+POST", LOGIN, NF,      OK,      NF,      NF,      NF,      NF,        NF),
    "reflection_delete":           ("GET+POST", LOGIN, NF,      OK,      NF,      NF,      NF,      NF,        NF),
    "check_in_submit":             ("POST",     LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "check_in_state":              ("GET",      LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "pause_page":                  ("GET",      LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "journey_pause":               ("POST",     LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "journey_ask_to_resume":       ("POST",     LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "journey_resume":              ("POST",     LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "safety_check":                ("GET+POST", LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "safety_support":              ("GET",      LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    # The daily question and rebuilding closeness: partners' own pages.
    "daily":                       ("GET+POST", LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "closeness":                   ("GET",      LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "closeness_exercise":          ("GET+POST", LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    # A hard moment: anyone signed in may ground themselves and keep a note of their own. Alex's
    # ask for reassurance is Blake's alone to answer (not even Alex's own).
    "hard_moment":                 ("GET+POST", LOGIN, OK,      OK,      OK,      OK,      OK,      OK,        OK),
    "hard_moments":                ("GET",      LOGIN, OK,      OK,      OK,      OK,      OK,      OK,        OK),
    "hard_moment_seen":            ("POST",     LOGIN, NF,      NF,      OK,      NF,      NF,      NF,        NF),
    # Nobody has finished yet: the closing page sends partners home.
    "journey_complete":            ("GET",      LOGIN, NF,      HOME,    HOME,    HOME,    NF,      NF,        NF),
    # Step tools: partners act in their own couple; an item of Alex and Blake's is theirs alone.
    "question_ask":                ("POST",     LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "ledger_status":               ("GET",      LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "told_later":                  ("POST",     LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "question_respond":            ("POST",     LOGIN, NF,      OK,      OK,      NF,      NF,      NF,        NF),
    "apology_save":                ("POST",     LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "apology_respond":             ("POST",     LOGIN, NF,      OK,      OK,      NF,      NF,      NF,        NF),
    "understanding_write":         ("POST",     LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "understanding_respond":       ("POST",     LOGIN, NF,      OK,      OK,      NF,      NF,      NF,        NF),
    "commitment_add":              ("POST",     LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "commitment_check":            ("POST",     LOGIN, NF,      OK,      OK,      NF,      NF,      NF,        NF),
    "commitment_review":           ("POST",     LOGIN, NF,      OK,      OK,      NF,      NF,      NF,        NF),
    "commitment_acknowledge":      ("POST",     LOGIN, NF,      OK,      OK,      NF,      NF,      NF,        NF),
    "focus_area_add":              ("POST",     LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    "focus_area_update":           ("POST",     LOGIN, NF,      OK,      OK,      NF,      NF,      NF,        NF),
    "forgiveness_decide":          ("POST",     LOGIN, NF,      OK,      OK,      OK,      NF,      NF,        NF),
    # Your data (export, account deletion): every signed-in person's own, whoever they are.
    "data_export":                 ("GET",      LOGIN, OK,      OK,      OK,      OK,      OK,      OK,        OK),
    "data_export_json":            ("GET",      LOGIN, OK,      OK,      OK,      OK,      OK,      OK,        OK),
    "data_export_html":            ("GET",      LOGIN, OK,      OK,      OK,      OK,      OK,      OK,        OK),
    "account_delete":              ("GET+POST", LOGIN, OK,      OK,      OK,      OK,      OK,      OK,        OK),
    # Counselors. The summary is asked for with the requester's own access when they have one
    # (Morgan's otherwise): open with both consents, closed (403) without; nobody else's.
    "counselor_dashboard":         ("GET",      LOGIN, PROFILE, PROFILE, PROFILE, PROFILE, OK,      OK,        PROFILE),
    "counselor_summary":           ("GET",      LOGIN, NF,      NF,      NF,      NF,      OK,      FORBIDDEN, NF),
    "counselor_brief":             ("GET",      LOGIN, NF,      NF,      NF,      NF,      OK,      FORBIDDEN, NF),
    # The admin: staff only; everyone else, signed in or not, is sent to the admin's own login.
    "admin:index":                 ("ANY",      ADMIN, ADMIN,   ADMIN,   ADMIN,   ADMIN,   ADMIN,   ADMIN,     OK),
}
# fmt: on

# (name, role) -> what is wrong, for cases where the app answers differently from the table.
BUGS: dict[tuple[str, str], str] = {}

# URL arguments: keyword -> the fixture value (see `world`) it takes.
ARGS: dict[str, dict[str, str]] = {
    "email_unsubscribe": {"token": "unsubscribe_token"},
    "invitation_resend": {"invitation_id": "invitation_id"},
    "invitation_cancel": {"invitation_id": "invitation_id"},
    "invitation": {"token": "invitation_token"},
    "invitation_accept": {"token": "invitation_token"},
    "consent_update": {"access_id": "access_id"},
    "counselor_invitation": {"token": "counselor_token"},
    "counselor_invitation_accept": {"token": "counselor_token"},
    "chapter": {"slug": "chapter_slug"},
    "step_detail": {"number": "step"},
    "reflection_create": {"number": "step"},
    "reflection_edit": {"reflection_id": "reflection_id"},
    "reflection_delete": {"reflection_id": "reflection_id"},
    "check_in_submit": {"number": "step"},
    "check_in_state": {"number": "step"},
    "question_respond": {"question_id": "question_id"},
    "apology_respond": {"apology_id": "apology_id"},
    "understanding_respond": {"understanding_id": "understanding_id"},
    "commitment_check": {"commitment_id": "commitment_id"},
    "commitment_review": {"commitment_id": "commitment_id"},
    "commitment_acknowledge": {"check_id": "check_id"},
    "focus_area_update": {"area_id": "area_id"},
    "hard_moment_seen": {"moment_id": "hard_moment_id"},
    "closeness_exercise": {"slug": "exercise_slug"},
    "push_remove": {"subscription_id": "push_subscription_id"},
    "counselor_summary": {"access_id": "own_access_id"},
    "counselor_brief": {"access_id": "own_access_id"},
}


def post_data(name: str) -> dict[str, Any]:
    """Minimal valid data for each POST-only view (empty where there is nothing to send)."""
    today = timezone.localdate()
    return {
        "couple_role": {"role": "mutual"},
        "invitation_accept": {"role": "mutual"},
        "counselor_invite": {"email": "jordan@clinic.example", "scope": ["questions"]},
        "consent_update": {"action": "revoke"},
        "reflection_create": {"text": "A new reflection", "prompt": ""},
        "check_in_submit": {"feeling": "3", "trust": "5", "ready": "no", "note": ""},
        "journey_pause": {"note": ""},
        "journey_ask_to_resume": {"note": ""},
        "question_ask": {"text": "What happened that night?"},
        "told_later": {"text": "There was one more time, in March."},
        "question_respond": {"kind": "answer", "text": "An answer"},
        "apology_save": {"text": "An apology draft", "save": "1"},
        "apology_respond": {"kind": "accept", "text": ""},
        "understanding_write": {"text": "What I heard you say"},
        "understanding_respond": {"understood": "4", "clarification": ""},
        "commitment_add": {
            "text": "I tell you when plans change",
            "review_on": (today + timedelta(days=30)).isoformat(),
        },
        "commitment_check": {"on": today.isoformat(), "note": ""},
        "commitment_review": {"close": "on"},
        "focus_area_add": {"kind": "own", "title": "Ours", "plan": "", "next_action": ""},
        "focus_area_update": {"plan": "", "next_action": "", "status": "working", "note": ""},
        "forgiveness_decide": {"decision": "not_yet", "reflection": ""},
    }.get(name, {})


# What Alex and Blake wrote. Private to its author: a reflection and an unsent draft always, a
# check-in answer until both partners have answered.
ALEX_REFLECTION = "ALEX-PRIVATE-REFLECTION-TEXT"
BLAKE_DRAFT = "BLAKE-UNSENT-APOLOGY-DRAFT-TEXT"
ALEX_CHECK_IN = "ALEX-UNREVEALED-CHECK-IN-NOTE"
ALEX_HARD_MOMENT = "ALEX-PRIVATE-HARD-MOMENT-NOTE"
PRIVATE = {
    ALEX_REFLECTION: "partner_a",
    BLAKE_DRAFT: "partner_b",
    ALEX_CHECK_IN: "partner_a",
    ALEX_HARD_MOMENT: "partner_a",
}
# Shared inside the couple: never shown to anyone outside it but the counselor both consented to.
SHARED = [
    "AB-SHARED-QUESTION",
    "AB-SHARED-APOLOGY",
    "AB-SHARED-UNDERSTANDING",
    "AB-SHARED-COMMITMENT",
    "AB-SHARED-CHECK-NOTE",
    "AB-SHARED-FOCUS-PLAN",
]
SEES_SHARED = {"partner_a", "partner_b", "counselor"}


# The URL configuration


def named_urls() -> dict[str, str | None]:
    """Every named URL (namespaced as `reverse` takes it) -> the URL configuration module it
    is declared in (None for a list of patterns, like the admin's)."""
    found: dict[str, str | None] = {}

    def walk(patterns: list, urlconf: str | None, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(part for part in (namespace, pattern.namespace) if part)
                module = getattr(pattern.urlconf_module, "__name__", None)
                walk(pattern.url_patterns, module, inner)
            elif pattern.name:
                found.setdefault(
                    f"{namespace}:{pattern.name}" if namespace else pattern.name, urlconf
                )

    root = get_resolver()
    walk(root.url_patterns, root.urlconf_name, "")
    return found


def matrix_names() -> list[str]:
    """Our own URL names, plus the admin's index: what the matrix must cover."""
    urls = named_urls()
    own = {name for name, urlconf in urls.items() if urlconf in OWN_URLCONFS}
    return sorted(own | (THIRD_PARTY_IN_MATRIX & urls.keys()))


def _cases() -> list:
    cases = []
    for name in matrix_names():
        for role in ROLES:
            bug = BUGS.get((name, role))
            marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
            cases.append(pytest.param(name, role, marks=marks, id=f"{name}-{role}"))
    return cases


def test_every_named_url_has_a_row_and_every_row_a_url():
    urls = named_urls()
    covered = set(matrix_names())
    missing = covered - EXPECTED.keys()
    assert not missing, (
        f"Named URLs without a row in EXPECTED (decide who may use them): {sorted(missing)}"
    )
    stale = EXPECTED.keys() - covered
    assert not stale, f"Rows in EXPECTED for URLs that no longer exist: {sorted(stale)}"
    unclassified = sorted(
        name for name in urls if name not in covered and not name.startswith(THIRD_PARTY_PREFIXES)
    )
    assert not unclassified, (
        f"Named URLs that are neither ours nor known third-party (give them a row, or list "
        f"their prefix in THIRD_PARTY_PREFIXES): {unclassified}"
    )


def test_every_row_is_well_formed():
    for name, row in EXPECTED.items():
        method, *outcomes = row
        assert method in {"GET", "POST", "GET+POST", "ANY"}, name
        assert len(outcomes) == len(ROLES), name
        for outcome in outcomes:
            assert outcome in {OK, LOGIN, "404", "403", "405", REFUSED} or outcome.startswith(
                "redirect:"
            ), (name, outcome)
    for name, role in BUGS:
        assert name in EXPECTED and role in ROLES, (name, role)


# The world: Alex and Blake's couple with something in every tool, and everyone around them.


@pytest.fixture
def staff(make_user) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    user = make_user("sky@trustapp.example", "Sky")
    user.is_staff = True
    user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    # Staff sign in with a second factor: the admin lets in no one without one.
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    client = Client()
    client.force_login(user)
    return SimpleNamespace(user=user, client=client)


@dataclass
class World:
    personas: dict[str, Any]
    values: dict[str, Any]

    def kwargs(self, name: str, role: str) -> dict[str, Any]:
        values = dict(self.values)
        own = getattr(self.personas[role], "access", None)
        values["own_access_id"] = own.pk if own is not None else values["access_id"]
        return {keyword: values[key] for keyword, key in ARGS.get(name, {}).items()}


@pytest.fixture
def world(request, staff) -> World:  # type: ignore[no-untyped-def]
    personas = {role: request.getfixturevalue(role) for role in ROLES if role != "staff"}
    personas["staff"] = staff
    for persona in personas.values():
        # A crash is an outcome of the matrix (a 500), not an error of the test.
        persona.client.raise_request_exception = False
    alex = personas["partner_a"].user.partnerships.get(left_at__isnull=True)
    blake = personas["partner_b"].user.partnerships.get(left_at__isnull=True)
    today = timezone.localdate()

    invitation = Invitation.objects.create(
        couple=alex.couple, invited_by=alex.user, email="sam@example.com", message="Join us"
    )
    counselor_access = invite_counselor(
        partnership=alex, email="riley@clinic.example", scope=["progress"], ends_on=None
    )
    reflection = services.write_reflection(partnership=alex, step=1, text=ALEX_REFLECTION)
    services.submit_check_in(
        partnership=alex,
        step=1,
        answer=services.CheckInAnswer(feeling=2, trust=3, ready=False, note=ALEX_CHECK_IN),
    )
    question = services.ask_question(partnership=alex, text="AB-SHARED-QUESTION")
    services.save_apology_draft(partnership=blake, text="AB-SHARED-APOLOGY")
    apology = services.send_apology(partnership=blake)
    services.save_apology_draft(partnership=blake, text=BLAKE_DRAFT)
    understanding = services.write_understanding(partnership=blake, text="AB-SHARED-UNDERSTANDING")
    commitment = services.add_commitment(
        partnership=blake, text="AB-SHARED-COMMITMENT", review_on=today + timedelta(days=30)
    )
    check = services.check_off_commitment(
        partnership=blake, commitment=commitment, on=today, note="AB-SHARED-CHECK-NOTE"
    )
    area = services.add_focus_area(
        partnership=alex,
        kind="communication",
        title="",
        plan="AB-SHARED-FOCUS-PLAN",
        next_action="",
    )
    hard_moment = services.record_hard_moment(
        user=alex.user, partnership=alex, need="reassurance", note=ALEX_HARD_MOMENT
    )
    return World(
        personas=personas,
        values={
            "invitation_id": invitation.pk,
            "invitation_token": invitation.issue_token(),
            "unsubscribe_token": unsubscribe_token(alex.user),
            "counselor_token": counselor_access.issue_token(),
            "access_id": personas["counselor"].access.pk,
            "chapter_slug": "opening",
            "exercise_slug": "three-things",
            "step": 1,
            "reflection_id": reflection.pk,
            "question_id": question.pk,
            "apology_id": apology.pk,
            "understanding_id": understanding.pk,
            "commitment_id": commitment.pk,
            "check_id": check.pk,
            "area_id": area.pk,
            "hard_moment_id": hard_moment.pk,
            "push_subscription_id": PushSubscription.objects.create(
                user=alex.user,
                endpoint="https://fcm.googleapis.com/fcm/send/alex-phone",
                p256dh="k",
                auth="a",
            ).pk,
        },
    )


# Observing


def outcome(response) -> str:  # type: ignore[no-untyped-def]
    if response.status_code in (301, 302, 303):
        path = urlparse(response["Location"]).path
        if path.startswith(LOGIN_PATH):
            return LOGIN
        try:
            return f"redirect:{resolve(path).view_name}"
        except Resolver404:
            return f"redirect:{path}"
    if 200 <= response.status_code < 300:
        return OK
    return str(response.status_code)


def matches(expected: str, observed: str, method: str) -> bool:
    # A page asked with GET must answer itself; an action (POST) may answer with the redirect
    # that follows success, but never to a sign-in.
    if expected == OK and method == "POST":
        return observed == OK or (observed.startswith("redirect:") and observed != ADMIN)
    return observed == expected


def snapshot() -> dict[str, list[dict]]:
    """Every row of the couples and steps apps (the counselor access log aside)."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for label in ("couples", "steps")
        for model in apps.get_app_config(label).get_models()
        if model is not AccessLogEntry
    }


def assert_nothing_private_shown(role: str, body: str, where: str) -> None:
    for text, author in PRIVATE.items():
        if author != role:
            assert text not in body, f"{where}: {role} was shown {author}'s private {text}"
    if role not in SEES_SHARED:
        for text in SHARED:
            assert text not in body, f"{where}: {role} was shown Alex and Blake's {text}"


@pytest.mark.parametrize(("name", "role"), _cases())
def test_access_matrix(world, name, role):
    row = EXPECTED.get(name)
    assert row is not None, f"{name} has no row in EXPECTED: write down who may use it"
    method, *outcomes = row
    expected = dict(zip(ROLES, outcomes, strict=True))[role]
    client = world.personas[role].client
    url = reverse(name, kwargs=world.kwargs(name, role))

    before = snapshot()
    response = client.post(url, post_data(name)) if method == "POST" else client.get(url)
    observed = outcome(response)

    crash = getattr(response, "exc_info", None)
    assert matches(expected, observed, method), (
        f"{method} {url} as {role}: expected {expected}, got {observed}"
        + (f" ({crash[1]!r})" if crash else "")
    )
    assert_nothing_private_shown(role, response.content.decode(errors="replace"), name)
    if method != "POST" or expected != OK:
        assert snapshot() == before, f"{method} {url} as {role} changed data ({observed})"


@pytest.mark.parametrize(
    "name", [name for name in matrix_names() if EXPECTED.get(name, ("",))[0] in ("GET", "POST")]
)
def test_the_other_method_is_refused(world, name):
    """A GET-only page never takes a POST, and a POST-only action never runs on a GET (a link
    or a prefetch must not change anything): 405 even for a partner, and nothing changes."""
    method = EXPECTED[name][0]
    client = world.personas["partner_a"].client
    url = reverse(name, kwargs=world.kwargs(name, "partner_a"))
    before = snapshot()
    response = client.get(url) if method == "POST" else client.post(url, post_data(name))
    assert response.status_code == 405, f"{url}: {response.status_code}"
    assert snapshot() == before


def test_the_author_sees_their_private_text_so_the_checks_above_can_fail(world):
    alex = world.personas["partner_a"].client
    blake = world.personas["partner_b"].client
    step_1 = alex.get(reverse("step_detail", args=[1])).content.decode()
    assert ALEX_REFLECTION in step_1
    assert ALEX_CHECK_IN in step_1
    assert BLAKE_DRAFT in blake.get(reverse("step_detail", args=[7])).content.decode()


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_no_step_page_shows_anyone_else_a_private_text(world, role):
    """Every step page (the tools, the reflections) and the counselor's summary, for every
    signed-in role: what is private stays its author's."""
    client = world.personas[role].client
    pages = [reverse("step_detail", args=[n]) for n in range(1, 12)]
    pages.append(reverse("counselor_summary", kwargs=world.kwargs("counselor_summary", role)))
    for page in pages:
        response = client.get(page)
        assert response.status_code in (200, 403, 404), (page, response.status_code)
        assert_nothing_private_shown(role, response.content.decode(), page)


def test_a_counselor_never_opens_another_counselors_access(world):
    morgan = world.personas["counselor"]
    quinn = world.personas["counselor_without_consent"]
    before = AccessLogEntry.objects.count()
    assert (
        quinn.client.get(reverse("counselor_summary", args=[morgan.access.pk])).status_code == 404
    )
    assert (
        morgan.client.get(reverse("counselor_summary", args=[quinn.access.pk])).status_code == 404
    )
    assert AccessLogEntry.objects.count() == before
