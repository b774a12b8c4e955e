from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # The shared database cache (allauth's rate limits count in it) needs its table; creating it
    # here means `migrate` alone prepares any database, on every machine and in every container.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_user_email_partner_updates")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
