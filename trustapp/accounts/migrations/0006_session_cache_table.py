from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    # The sessions' cache table (settings.CACHES["sessions"]); `createcachetable` creates only
    # the tables that are missing, so a database that has them is left as it is.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_daily_and_closeness")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
