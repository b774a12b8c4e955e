"""Re-encrypt every encrypted value with the newest key in FIELD_ENCRYPTION_KEYS.

Rotation: put a new key first in FIELD_ENCRYPTION_KEYS (keeping the old ones after it), deploy,
run this command, and once it reports every row done, remove the old keys."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import models, transaction

from trustapp.crypto import EncryptedTextField


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every model with encrypted fields, found rather than listed, so none is ever missed."""
    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found


class Command(BaseCommand):
    help = "Re-encrypt private writing with the newest key in FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: object, batch_size: int, **options: object) -> None:
        for model, names in encrypted_fields():
            done = 0
            last_pk = 0
            while True:
                with transaction.atomic():
                    # A batch at a time, locked while it is rewritten, so a concurrent edit is
                    # never overwritten by old text. Loading decrypts with any key; saving
                    # encrypts with the newest (EncryptedTextField), and bulk_update leaves
                    # updated_at alone: rotating is not editing.
                    batch = list(
                        model._default_manager.select_for_update()
                        .filter(pk__gt=last_pk)
                        .order_by("pk")
                        .only("pk", *names)[:batch_size]
                    )
                    if not batch:
                        break
                    model._default_manager.bulk_update(batch, names)
                    done += len(batch)
                    last_pk = batch[-1].pk
            self.stdout.write(f"{model._meta.label}.{', '.join(names)}: re-encrypted {done} rows")
