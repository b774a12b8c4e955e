"""A reflection on the step page is written in Python (steps_tags.reflection_article) for speed;
it must say what the template it replaced said, with the same escaping, dates and links."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.template import engines
from django.urls import get_script_prefix, set_script_prefix

from steps.models import Reflection
from steps.templatetags.steps_tags import machine_datetime, reflection_article

# The partial as it was written in templates/steps/step.html before it moved to Python (with the
# htmx attributes and the machine-readable date it has since taken).
TEMPLATE = """{% load steps_tags %}
<article id="reflection-{{ reflection.pk }}" class="reflection">
  <p class="muted reflection__meta"><time datetime="{{ reflection.created_at|machine_datetime }}">{{ reflection.created_at|date:"j F Y, H:i" }}</time>{% if reflection.was_edited %} · edited{% endif %}</p>
  {% if reflection.prompt %}<p class="reflection__prompt">{{ reflection.prompt }}</p>{% endif %}
  <div class="reflection__text">{{ reflection.text|linebreaks }}</div>
  <div class="actions">
    {% url 'reflection_edit' reflection.pk as edit_url %}{% url 'reflection_delete' reflection.pk as delete_url %}
    <a href="{{ edit_url }}" data-hx-get="{{ edit_url }}" data-hx-target="#reflection-{{ reflection.pk }}" data-hx-swap="outerHTML">Edit<span class="visually-hidden"> this reflection</span></a>
    <a href="{{ delete_url }}" data-hx-post="{{ delete_url }}" data-hx-target="#reflection-{{ reflection.pk }}" data-hx-swap="outerHTML" data-hx-confirm="Delete this reflection for good? It cannot be brought back.">Delete<span class="visually-hidden"> this reflection</span></a>
  </div>
</article>
"""


def by_template(reflection: Reflection) -> str:
    return engines["django"].from_string(TEMPLATE).render({"reflection": reflection})


def same_markup(html: str) -> str:
    # Whitespace between tags is all the two may differ in.
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize(
    ("created", "edited_after"),
    [
        (datetime(2026, 1, 5, 0, 0, 7, tzinfo=UTC), timedelta(0)),
        (datetime(2026, 9, 30, 23, 59, 59, 999_999, tzinfo=UTC), timedelta(seconds=1)),
        (datetime(2027, 12, 31, 9, 3, tzinfo=UTC), timedelta(days=3)),
    ],
)
@pytest.mark.parametrize(
    ("text", "prompt"),
    [
        ("Plain words.", ""),
        (
            '<script>alert("x")</script> & {{ not a tag }}\r\n\r\n\n\nsecond\nline',
            "Why <b>now</b>?",
        ),
    ],
)
def test_a_reflection_is_written_as_the_template_wrote_it(
    settings, created, edited_after, text, prompt
) -> None:
    settings.TIME_ZONE = "Europe/Paris"  # a local time that is not UTC
    reflection = Reflection(
        pk=4821, text=text, prompt=prompt, created_at=created, updated_at=created + edited_after
    )
    assert same_markup(str(reflection_article(reflection))) == same_markup(by_template(reflection))


def test_links_follow_the_script_prefix() -> None:
    reflection = Reflection(pk=77, text="t", prompt="", created_at=datetime(2026, 5, 1, tzinfo=UTC))
    reflection.updated_at = reflection.created_at
    before = get_script_prefix()
    try:
        set_script_prefix("/trust/")
        assert 'href="/trust/space/reflections/77/edit/"' in reflection_article(reflection)
    finally:
        set_script_prefix(before)
    assert 'href="/space/reflections/77/edit/"' in reflection_article(reflection)


def test_the_machine_readable_date_is_local_and_to_the_second(settings) -> None:
    # <time datetime> allows at most three digits of a second; the date filter's "c" writes six.
    settings.TIME_ZONE = "Europe/Paris"
    moment = datetime(2026, 9, 30, 21, 59, 59, 999_999, tzinfo=UTC)
    assert machine_datetime(moment) == "2026-09-30T23:59:59+02:00"
