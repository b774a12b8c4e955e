"""The readable export shows dates as people read them, in the site's time zone; the JSON export
keeps ISO 8601 for programs."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from couples.models import AccessLogEntry, ConsentEvent, Couple
from steps.models import Apology, Reflection
from steps.services import save_apology_draft, send_apology, write_reflection

# 12:00 UTC is 13:00 in Paris in December; the microseconds must never show.
MOMENT = datetime(2026, 12, 5, 12, 0, 0, 123456, tzinfo=UTC)
ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T")
MICROSECONDS = re.compile(r"\d{2}:\d{2}:\d{2}\.\d+")


@pytest.fixture
def dated_history(settings, partner_a, partner_b, counselor):  # type: ignore[no-untyped-def]
    """Something of every dated kind the readable page shows, all at MOMENT."""
    settings.TIME_ZONE = "Europe/Paris"
    alex = partner_a.user.partnerships.get()
    blake = partner_b.user.partnerships.get()
    write_reflection(partnership=alex, step=1, text="A walk, then an early night.")
    save_apology_draft(partnership=blake, text="I am sorry.")
    send_apology(partnership=blake)
    AccessLogEntry.objects.create(
        access=counselor.access,
        counselor=counselor.user,
        counselor_name="Dr. Morgan",
        path="/counselor/",
        allowed=True,
    )
    Reflection.objects.update(created_at=MOMENT, updated_at=MOMENT)
    Apology.objects.update(sent_at=MOMENT)
    Couple.objects.update(created_at=MOMENT)
    ConsentEvent.objects.update(created_at=MOMENT)
    AccessLogEntry.objects.update(viewed_at=MOMENT)
    return partner_a


def test_the_readable_export_shows_dates_as_people_read_them(dated_history):  # type: ignore[no-untyped-def]
    page = dated_history.client.get(reverse("data_export_html")).content.decode()
    assert "Step 1 · 5 December 2026, 13:00" in page  # the reflection, in the site's time zone
    assert "Shared space started 5 December 2026" in page
    assert "sent 5 December 2026, 13:00" in page  # the apology
    assert page.count("5 December 2026, 13:00:") >= 2  # consent events and the counselor's view
    assert not ISO_TIMESTAMP.search(page)
    assert not MICROSECONDS.search(page)
    assert "123456" not in page and "+00:00" not in page


def test_the_exported_at_moment_is_readable_too(dated_history):  # type: ignore[no-untyped-def]
    with time_machine.travel(MOMENT, tick=False):
        page = dated_history.client.get(reverse("data_export_html")).content.decode()
    assert "Exported 5 December 2026, 13:00 for Alex" in page


def test_the_json_export_keeps_iso_timestamps(dated_history):  # type: ignore[no-untyped-def]
    data = json.loads(dated_history.client.get(reverse("data_export_json")).content)
    (reflection,) = data["private_reflections"]
    # ISO 8601, to the millisecond at least.
    assert abs(datetime.fromisoformat(reflection["written_at"]) - MOMENT) < timedelta(
        milliseconds=1
    )
    assert ISO_TIMESTAMP.match(data["exported_at"])
    assert ISO_TIMESTAMP.match(data["spaces"][0]["started_at"])
