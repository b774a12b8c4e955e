"""Re-encrypt every encrypted value with the newest key in FIELD_ENCRYPTION_KEYS.

Rotation: put a new key first in FIELD_ENCRYPTION_KEYS (keeping the old ones after it), deploy,
run this command, and once it reports every row done, remove the old keys."""

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from steps.models import Apology, Reflection
from trustapp import crypto

ENCRYPTED_COLUMNS = [(Reflection, "text"), (Apology, "text")]


class Command(BaseCommand):
    help = "Re-encrypt private writing with the newest key in FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: object, batch_size: int, **options: object) -> None:
        for model, column in ENCRYPTED_COLUMNS:
            table = connection.ops.quote_name(model._meta.db_table)
            quoted = connection.ops.quote_name(column)
            done = 0
            last_pk = 0
            while True:
                with transaction.atomic():
                    # Raw ciphertext, in primary-key order, a batch at a time and locked while
                    # it is rewritten, so a concurrent edit is never overwritten by old text.
                    rows = list(
                        model.objects.select_for_update()
                        .filter(pk__gt=last_pk)
                        .order_by("pk")
                        .values_list("pk", flat=True)[:batch_size]
                    )
                    if not rows:
                        break
                    with connection.cursor() as cursor:
                        placeholders = ", ".join(["%s"] * len(rows))
                        cursor.execute(
                            f"SELECT id, {quoted} FROM {table} WHERE id IN ({placeholders})",  # noqa: S608
                            rows,
                        )
                        for pk, token in cursor.fetchall():
                            cursor.execute(
                                f"UPDATE {table} SET {quoted} = %s WHERE id = %s",  # noqa: S608
                                [crypto.rotate(token), pk],
                            )
                    done += len(rows)
                    last_pk = rows[-1]
            self.stdout.write(f"{model._meta.label}.{column}: re-encrypted {done} rows")
