import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from steps.models import Apology, HardMoment, PromptAnswer, Reflection
from steps.services import record_hard_moment, save_apology_draft, write_reflection
from trustapp import crypto


def raw(model, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT text FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_rotation_re_encrypts_everything_so_the_old_key_can_go(partner_a, partner_b, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    reflections = [
        write_reflection(partnership=partner_a.user.partnerships.get(), step=1, text=f"note {i}")
        for i in range(7)
    ]
    draft = save_apology_draft(partnership=partner_b.user.partnerships.get(), text="I am sorry")
    moment = record_hard_moment(
        user=partner_a.user, partnership=None, need="", note="The song in the car"
    )
    before = {r.pk: raw(Reflection, r.pk) for r in reflections}

    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    out = io.StringIO()
    call_command("rotate_encryption_keys", "--batch-size", "3", stdout=out)
    assert "steps.Reflection.text: re-encrypted 7 rows" in out.getvalue()
    assert "steps.Apology.text: re-encrypted 1 rows" in out.getvalue()
    assert "steps.HardMoment.note: re-encrypted 1 rows" in out.getvalue()

    # The old key can now be removed: everything reads with the new key alone.
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    for reflection in reflections:
        assert raw(Reflection, reflection.pk) != before[reflection.pk]
        assert Reflection.objects.get(pk=reflection.pk).text == reflection.text
    assert Apology.objects.get(pk=draft.pk).text == "I am sorry"
    assert HardMoment.objects.get(pk=moment.pk).note == "The song in the car"
    # And text still encrypted with the old key alone would now fail loudly, not silently.
    with pytest.raises(crypto.UndecryptableValue):
        crypto.decrypt(before[reflections[0].pk])


def test_rotation_finds_every_encrypted_field_by_itself():
    from steps.management.commands.rotate_encryption_keys import encrypted_fields

    assert {(model, tuple(names)) for model, names in encrypted_fields()} == {
        (Reflection, ("text",)),
        (Apology, ("text",)),
        (HardMoment, ("note",)),
        (PromptAnswer, ("text",)),
    }
