"""Backup and restore (docs/backup.md): scripts/backup.sh dumps a seeded database with pg_dump,
scripts/restore.sh loads it into a fresh, empty database, and every table comes back whole,
encrypted reflections included. restore.sh refuses a database that already holds tables."""

import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from django.db import connection
from psycopg import sql

from couples.models import Partnership
from couples.services import invite_partner, start_couple
from steps.models import ApologyResponse, FocusArea, QuestionEntry, Reflection
from steps.services import (
    CheckInAnswer,
    add_commitment,
    add_focus_area,
    add_question_entry,
    ask_question,
    check_off_commitment,
    pause_journey,
    respond_to_apology,
    resume_journey,
    save_apology_draft,
    send_apology,
    submit_check_in,
    write_reflection,
    write_understanding,
)
from tests.database_urls import database_url
from trustapp import crypto

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="pg_dump and pg_restore need PostgreSQL"
    ),
]

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
BACKUP = SCRIPTS / "backup.sh"
RESTORE = SCRIPTS / "restore.sh"
SECRET = "I still check his phone at night and hate myself for it"
PROJECT_APPS = ["accounts", "couples", "steps"]


def run(script: Path, *args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/bash", str(script), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def connect(name: str) -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=name,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        autocommit=True,
    )


@contextmanager
def throwaway_database() -> Iterator[str]:
    """A new, empty database with a unique name, dropped afterwards whatever happens."""
    name = f"trustapp_restore_{uuid.uuid4().hex[:12]}"
    with connect("postgres") as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with connect("postgres") as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def project_tables() -> list[str]:
    tables = {
        model._meta.db_table
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    return sorted(tables | {"account_emailaddress"})


def public_tables(cursor) -> set[str]:  # type: ignore[no-untyped-def]
    cursor.execute("SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = 'public'")
    return {row[0] for row in cursor.fetchall()}


def snapshot(cursor, tables: list[str]) -> dict[str, tuple[int, str]]:  # type: ignore[no-untyped-def]
    """Each table's row count, and a fingerprint of its rows' contents."""
    result = {}
    for table in tables:
        cursor.execute(
            f"SELECT count(*), coalesce(md5(string_agg(t::text, chr(10) ORDER BY t::text)), '') FROM \"{table}\" t"
        )
        count, fingerprint = cursor.fetchone()
        result[table] = (count, fingerprint)
    return result


def sequences(cursor) -> dict[str, int | None]:  # type: ignore[no-untyped-def]
    cursor.execute(
        "SELECT sequencename, last_value FROM pg_catalog.pg_sequences WHERE schemaname = 'public'"
    )
    return dict(cursor.fetchall())


def seed(partner_a, partner_b) -> Reflection:  # type: ignore[no-untyped-def]
    """A couple part-way through the steps, written through the services the app itself uses."""
    alex = partner_a.user.partnerships.get()
    blake = partner_b.user.partnerships.get()
    reflection = write_reflection(partnership=alex, step=1, text=SECRET, prompt="What hurts most?")
    write_reflection(partnership=blake, step=1, text="I want to earn it back, slowly.")
    for partnership, trust in [(alex, 2), (blake, 6)]:
        submit_check_in(
            partnership=partnership,
            step=1,
            answer=CheckInAnswer(feeling=3, trust=trust, ready=True, note="Taking it slowly"),
        )
    question = ask_question(partnership=alex, text="Where were you that Friday?")
    add_question_entry(
        partnership=blake, question=question, kind=QuestionEntry.Kind.ANSWER, text="At her flat."
    )
    save_apology_draft(partnership=blake, text="I am sorry for the lies, all of them.")
    apology = send_apology(partnership=blake)
    respond_to_apology(
        partnership=alex, apology=apology, kind=ApologyResponse.Kind.WRITTEN, text="I heard you."
    )
    commitment = add_commitment(
        partnership=blake, text="Phone stays on the table", review_on=date.today() + timedelta(30)
    )
    check_off_commitment(partnership=blake, commitment=commitment, on=date.today())
    write_understanding(partnership=alex, text="You felt trapped, and hid it.")
    add_focus_area(
        partnership=alex,
        kind=FocusArea.Kind.OWN,
        title="Evenings",
        plan="Walk after dinner",
        next_action="Tuesday",
    )
    pause_journey(partnership=alex, note="A hard week")
    resume_journey(partnership=alex)
    return reflection


def test_backup_restores_every_row_and_reflections_still_decrypt(
    partner_a, partner_b, counselor_without_consent, make_user, tmp_path
):
    reflection = seed(partner_a, partner_b)
    casey = start_couple(user=make_user("casey@example.com", "Casey"), role="mutual")
    invite_partner(partnership=casey, email="drew@example.com", message="Shall we?")
    assert Partnership.objects.count() == 3

    tables = project_tables()
    with connection.cursor() as cursor:
        source = snapshot(cursor, tables)
        source_tables = public_tables(cursor)
        source_sequences = sequences(cursor)
        cursor.execute(
            f"SELECT text FROM {Reflection._meta.db_table} WHERE id = %s", [reflection.pk]
        )
        (source_ciphertext,) = cursor.fetchone()
    assert source["steps_reflection"][0] == 2
    assert source["account_emailaddress"][0] == 4
    assert source["couples_counseloraccess"][0] == 1
    empty = sorted(table for table, (count, _) in source.items() if count == 0)
    assert len(empty) < len(tables) / 2, f"the seed leaves most tables empty: {empty}"

    dump = tmp_path / "trustapp.dump"
    backup = run(BACKUP, database_url(connection.settings_dict["NAME"]), dump)
    assert backup.returncode == 0, backup.stderr
    assert dump.stat().st_size > 0
    assert dump.stat().st_mode & 0o077 == 0, "a backup must be readable by its owner only"

    with throwaway_database() as target:
        restore = run(RESTORE, dump, database_url(target))
        assert restore.returncode == 0, restore.stderr

        with connect(target) as restored, restored.cursor() as cursor:
            assert public_tables(cursor) == source_tables
            assert snapshot(cursor, tables) == source
            assert sequences(cursor) == source_sequences
            cursor.execute(
                f"SELECT text FROM {Reflection._meta.db_table} WHERE id = %s", [reflection.pk]
            )
            (restored_ciphertext,) = cursor.fetchone()

    assert SECRET not in restored_ciphertext
    assert restored_ciphertext.encode() == source_ciphertext.encode()
    assert crypto.decrypt(restored_ciphertext) == SECRET


def test_restore_refuses_a_database_that_already_holds_tables(partner_a, tmp_path):
    write_reflection(partnership=partner_a.user.partnerships.get(), step=1, text=SECRET)
    dump = tmp_path / "trustapp.dump"
    backup = run(BACKUP, database_url(connection.settings_dict["NAME"]), dump)
    assert backup.returncode == 0, backup.stderr

    with throwaway_database() as target:
        with connect(target) as live:
            live.execute("CREATE TABLE live_data (id integer)")
            live.execute("INSERT INTO live_data VALUES (1), (2)")

        restore = run(RESTORE, dump, database_url(target))

        assert restore.returncode != 0
        assert "refusing to restore" in restore.stderr
        with connect(target) as live, live.cursor() as cursor:
            assert public_tables(cursor) == {"live_data"}
            cursor.execute("SELECT count(*) FROM live_data")
            assert cursor.fetchone() == (2,)


def test_backup_will_not_overwrite_an_existing_file(db, tmp_path):
    dump = tmp_path / "trustapp.dump"
    dump.write_bytes(b"last night's backup")
    backup = run(BACKUP, database_url(connection.settings_dict["NAME"]), dump)
    assert backup.returncode != 0
    assert dump.read_bytes() == b"last night's backup"


@pytest.mark.parametrize("script", [BACKUP, RESTORE], ids=["backup", "restore"])
def test_scripts_explain_their_usage_when_called_wrongly(script):
    result = run(script)
    assert result.returncode == 2
    assert "usage:" in result.stderr
