"""Users own their data: export it, delete it; and the rest of issue 6's account promises."""

import json
import logging

import pytest
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.core import mail
from django.test import Client
from django.urls import reverse

from couples.models import ConsentEvent, Couple
from steps.models import Apology, CheckIn, Question, Reflection, SafetyCheck
from steps.services import (
    CheckInAnswer,
    ask_question,
    delete_account,
    record_hard_moment,
    save_apology_draft,
    send_apology,
    submit_check_in,
    write_reflection,
)
from tests.conftest import PASSWORD
from trustapp.accounts.models import User

ALEX_PRIVATE = "ALEX-PRIVATE-REFLECTION-77"
BLAKE_PRIVATE = "BLAKE-PRIVATE-REFLECTION-88"
BLAKE_DRAFT = "BLAKE-UNSENT-DRAFT-99"


@pytest.fixture
def history(partner_a, partner_b):
    alex = partner_a.user.partnerships.get()
    blake = partner_b.user.partnerships.get()
    write_reflection(partnership=alex, step=1, text=ALEX_PRIVATE)
    write_reflection(partnership=blake, step=1, text=BLAKE_PRIVATE)
    submit_check_in(partnership=alex, step=1, answer=CheckInAnswer(2, 3, False, "alex note"))
    submit_check_in(partnership=blake, step=1, answer=CheckInAnswer(4, 6, False, "blake note"))
    submit_check_in(partnership=blake, step=1, answer=CheckInAnswer(5, 9, True, "BLAKE-UNREVEALED"))
    ask_question(partnership=alex, text="Who knew?")
    save_apology_draft(partnership=blake, text="BLAKE-SENT-APOLOGY")
    send_apology(partnership=blake)
    save_apology_draft(partnership=blake, text=BLAKE_DRAFT)
    record_hard_moment(user=alex.user, partnership=alex, need="space", note="ALEX-HARD-MOMENT")
    record_hard_moment(user=blake.user, partnership=blake, need="", note="BLAKE-HARD-MOMENT")


def test_export_json_holds_my_data_and_never_my_partners_private_writing(
    partner_a, history, caplog
):
    with caplog.at_level(logging.INFO, logger="trustapp.security"):
        response = partner_a.client.get(reverse("data_export_json"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="trustapp-export-')
    data = json.loads(response.content)
    assert data["account"]["email"] == "alex@example.com"
    assert [r["text"] for r in data["private_reflections"]] == [ALEX_PRIVATE]
    assert [(m["asked_partner_for"], m["note"]) for m in data["hard_moments"]] == [
        ("space", "ALEX-HARD-MOMENT")
    ]
    (space,) = data["spaces"]
    notes = [a["note"] for r in space["check_ins"] for a in r["answers"]]
    assert "alex note" in notes and "blake note" in notes
    assert "BLAKE-UNREVEALED" not in notes  # Blake's answer in an open round is still Blake's
    assert [a["text"] for a in space["apologies"]] == ["BLAKE-SENT-APOLOGY"]
    assert space["questions"][0]["text"] == "Who knew?"
    raw = response.content.decode()
    for private in (BLAKE_PRIVATE, BLAKE_DRAFT, "BLAKE-UNREVEALED", "BLAKE-HARD-MOMENT"):
        assert private not in raw
    assert f"data export (json): user={partner_a.user.pk}" in caplog.text
    assert ALEX_PRIVATE not in caplog.text


def test_export_never_reads_my_partners_draft(partner_a, history, monkeypatch):
    from trustapp import crypto

    decrypted = []
    original = crypto.decrypt
    monkeypatch.setattr(
        crypto, "decrypt", lambda token: decrypted.append(original(token)) or decrypted[-1]
    )
    assert partner_a.client.get(reverse("data_export_json")).status_code == 200
    assert "BLAKE-SENT-APOLOGY" in decrypted
    assert BLAKE_DRAFT not in decrypted


def test_export_includes_my_own_unsent_draft(partner_b, history):
    data = json.loads(partner_b.client.get(reverse("data_export_json")).content)
    texts = [a["text"] for a in data["spaces"][0]["apologies"]]
    assert BLAKE_DRAFT in texts and "BLAKE-SENT-APOLOGY" in texts
    assert ALEX_PRIVATE not in json.dumps(data)


def test_export_has_a_readable_printable_version(partner_a, history):
    content = partner_a.client.get(reverse("data_export_html")).content.decode()
    assert "Your TrustApp data" in content
    assert ALEX_PRIVATE in content
    assert BLAKE_PRIVATE not in content and BLAKE_DRAFT not in content


def test_export_needs_an_account(client, db):
    for name in ("data_export", "data_export_json", "data_export_html", "account_delete"):
        assert client.get(reverse(name))["Location"].startswith("/accounts/login/")


def reauthenticate(persona):
    persona.client.post(reverse("account_reauthenticate"), {"password": PASSWORD})


def test_deleting_asks_to_reauthenticate_first(partner_a, history):
    page = partner_a.client.get(reverse("account_delete"))
    assert page.status_code == 200
    content = page.content.decode()
    assert "What goes, for good" in content and "What stays" in content
    assert "Blake gets an email" in content
    response = partner_a.client.post(reverse("account_delete"), {"confirm": "delete"})
    assert response.status_code == 302
    assert "reauthenticate" in response["Location"]
    assert User.objects.filter(pk=partner_a.user.pk).exists()


def test_deleting_removes_private_data_keeps_shared_history_and_tells_the_partner(
    partner_a, partner_b, history, django_capture_on_commit_callbacks, caplog
):
    blake_id = partner_b.user.pk
    reauthenticate(partner_b)
    with django_capture_on_commit_callbacks(execute=True), caplog.at_level(logging.INFO):
        response = partner_b.client.post(reverse("account_delete"), {"confirm": "delete"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=blake_id).exists()
    # Private writing is gone from the database, drafts too, and the safety answers.
    assert not Reflection.objects.filter(author_id=blake_id).exists()
    assert Reflection.objects.count() == 1
    assert not Apology.objects.filter(sent_at__isnull=True).exists()
    assert not SafetyCheck.objects.filter(user_id=blake_id).exists()
    # Shared history stays for Alex, as a former partner's.
    assert Apology.objects.filter(sent_at__isnull=False).count() == 1
    assert CheckIn.objects.filter(author__isnull=True).count() == 2
    assert Question.objects.count() == 1
    couple = Couple.objects.get()
    assert couple.ended_at is not None
    step = partner_a.client.get(reverse("step_detail", args=[1])).content.decode()
    assert "blake note" in step
    assert "This space ended on" in step
    (email,) = [m for m in mail.outbox if m.to == ["alex@example.com"]]
    assert "Blake deleted their TrustApp account" in email.subject
    assert f"account deleted: user={blake_id}" in caplog.text
    assert BLAKE_PRIVATE not in caplog.text


def test_deleting_keeps_the_consent_trail_for_the_partner(partner_a, partner_b, counselor):
    blake_id = partner_b.user.pk
    delete_account(user=partner_b.user)
    # Each partner's decision stays, the deleted partner's as a former partner's.
    assert ConsentEvent.objects.filter(partner_id=partner_a.user.pk).count() == 1
    assert ConsentEvent.objects.filter(partner__isnull=True).count() == 1
    assert not ConsentEvent.objects.filter(partner_id=blake_id).exists()
    sharing = partner_a.client.get(reverse("sharing")).content.decode()
    assert "your former partner gave consent" in sharing
    assert "you gave consent" in sharing
    # A former partner's consent never opens anything.
    assert (
        counselor.client.get(reverse("counselor_summary", args=[counselor.access.pk])).status_code
        != 200
    )


def test_a_partner_can_see_their_sessions_and_sign_out_everywhere(partner_a):
    other_device = Client()
    other_device.post(reverse("account_login"), {"login": "alex@example.com", "password": PASSWORD})
    this_device = Client()
    this_device.post(reverse("account_login"), {"login": "alex@example.com", "password": PASSWORD})
    page = this_device.get(reverse("usersessions_list"))
    assert page.status_code == 200
    assert b"Skip to content" in page.content  # in our layout
    content = page.content.decode()
    assert "Where you're signed in" in content
    assert "This browser" in content
    assert "Sign out everywhere else" in content
    for stock_wording in ("Sessions</h1>", "Started At", "Sign Out Other Sessions"):
        assert stock_wording not in content
    this_device.post(reverse("usersessions_list"), {"action": "logout"})
    assert other_device.get(reverse("home"))["Location"].startswith("/accounts/login/")


def test_two_factor_sign_in_can_be_set_up(partner_a):
    response = partner_a.client.get(reverse("mfa_activate_totp"))
    assert response.status_code in (200, 302)
    assert partner_a.client.get(reverse("mfa_index")).status_code == 200


def test_staff_need_two_factor_for_the_admin(make_user):
    staff = make_user("admin@example.com", "Admin")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client = Client()
    client.force_login(staff)
    without = client.get(reverse("admin:index"), follow=True)
    assert without.redirect_chain[-1][0] == reverse("mfa_index")
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_admin_login_is_allauths_and_so_asks_for_the_second_factor(client, db):
    response = client.get(reverse("admin:login"))
    assert response["Location"].startswith(reverse("account_login"))


def test_admin_registers_no_private_writing():
    registered = {model._meta.label for model in admin.site._registry}
    for private in ("steps.Reflection", "steps.Apology", "steps.SafetyCheck"):
        assert private not in registered


def test_invitations_are_limited_per_hour_with_a_clear_message(outsider, settings):
    settings.INVITATIONS_PER_HOUR = 3
    outsider.client.post(reverse("couple_start"), {"role": "hurt"})
    for i in range(4):
        response = outsider.client.post(
            reverse("partner_invite"), {"email": f"p{i}@example.com", "message": "typed note"}
        )
    content = response.content.decode()
    assert "You have sent 3 invitations in the last hour" in content
    assert "typed note" in content  # what was typed is kept


def test_failed_sign_in_bursts_are_logged_without_the_address(partner_a, caplog):
    client = Client()
    with caplog.at_level(logging.INFO, logger="trustapp.security"):
        for _ in range(5):
            client.post(
                reverse("account_login"), {"login": "alex@example.com", "password": "wrong"}
            )
    assert caplog.text.count("failed sign-in: account=") == 5
    assert "failed sign-in burst" in caplog.text
    assert "alex@example.com" not in caplog.text


@pytest.fixture
def flaky_mail_server(settings, monkeypatch):  # type: ignore[no-untyped-def]
    """A mail server that fails as often as the test says; its state is reset for every test."""
    from tests.flaky_mail import FlakyBackend

    settings.MAILERS = {"default": {"BACKEND": "tests.flaky_mail.FlakyBackend"}}
    monkeypatch.setattr(FlakyBackend, "failures_left", 0)
    monkeypatch.setattr(FlakyBackend, "sent", [])
    return FlakyBackend


def test_a_failing_mail_server_never_fails_the_request_and_the_email_is_retried(
    outsider, flaky_mail_server, django_capture_on_commit_callbacks
):
    flaky_mail_server.failures_left = 2
    outsider.client.post(reverse("couple_start"), {"role": "hurt"})
    with django_capture_on_commit_callbacks(execute=True):
        response = outsider.client.post(reverse("partner_invite"), {"email": "p@example.com"})
    assert response.status_code == 302
    assert flaky_mail_server.failures_left == 0
    assert [m.to for m in flaky_mail_server.sent] == [["p@example.com"]]


def test_a_mail_server_that_never_recovers_still_never_fails_the_request(
    outsider, settings, flaky_mail_server, django_capture_on_commit_callbacks
):
    flaky_mail_server.failures_left = 100
    outsider.client.post(reverse("couple_start"), {"role": "hurt"})
    with django_capture_on_commit_callbacks(execute=True):
        response = outsider.client.post(reverse("partner_invite"), {"email": "p@example.com"})
    assert response.status_code == 302
    assert flaky_mail_server.failures_left == 100 - settings.EMAIL_ATTEMPTS
    assert flaky_mail_server.sent == []


def test_deploy_checks_pass_with_production_settings(monkeypatch):
    """`manage.py check --deploy` with production values reports nothing (CI runs it too)."""
    import subprocess
    import sys

    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SECRET_KEY": "x" * 30 + "production-like-secret-key-0123456789abcdef",
        "DJANGO_ALLOWED_HOSTS": "trustapp.example",
        "SITE_URL": "https://trustapp.example",
        "FIELD_ENCRYPTION_KEYS": "Xf-9tliuqI1e56G-EhAIu4V3gdw4NXcA8Ik_y1-3p-Y=",
        "EMAIL_HOST": "smtp.example",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
