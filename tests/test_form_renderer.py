"""The app's forms render with Django's own Jinja2 form renderer (trustapp.forms.Jinja2Rendered),
for speed. It must write what Django's template renderer writes, for every form of the app,
blank, filled in and with errors, and escape what people typed."""

import inspect
import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

import couples.forms
import steps.forms
import trustapp.accounts.forms
from steps.content import content
from trustapp.forms import JINJA2_FORM_RENDERER

MODULES = (couples.forms, steps.forms, trustapp.accounts.forms)
RENDERED_FORMS = sorted(
    (
        cls
        for module in MODULES
        for _name, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, forms.BaseForm)
        and cls.__module__ == module.__name__
        and cls.base_fields
        # Read from a browser's push API, never drawn as a form.
        and cls is not trustapp.accounts.forms.PushSubscriptionForm
    ),
    key=lambda cls: cls.__name__,
)
TEMPLATE_RENDERER = DjangoTemplates()


def _build(cls: type[forms.BaseForm], *args, **kwargs) -> forms.BaseForm:  # type: ignore[no-untyped-def]
    if cls is steps.forms.ReflectionForm:
        kwargs["step"] = content().steps[0]
    return cls(*args, **kwargs)


def _markup(html: str) -> str:
    # The two engines lay out the same tags with different whitespace between them, and write
    # quotes as different entities (markupsafe's &#34; and &#39;, Django's &quot; and &#x27;).
    html = str(html).replace("&#34;", "&quot;").replace("&#39;", "&#x27;")
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def test_every_drawn_form_of_the_app_uses_the_jinja2_renderer() -> None:
    assert len(RENDERED_FORMS) >= 20
    for cls in RENDERED_FORMS:
        assert _build(cls).renderer is JINJA2_FORM_RENDERER, cls.__name__


@pytest.mark.parametrize("cls", RENDERED_FORMS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("state", ["blank", "errors", "filled in"])
def test_jinja2_renderer_writes_what_djangos_templates_write(cls, state, db) -> None:  # type: ignore[no-untyped-def]
    if state == "blank":
        form = _build(cls)
    elif state == "errors":
        form = _build(cls, {"note": "x" * 5000, "text": "  "})
        form.is_valid()
    else:
        # Every field's own first choice, or text with characters that must be escaped.
        blank = _build(cls)
        data = {}
        for name, field in blank.fields.items():
            choices = [value for value, _ in getattr(field, "choices", []) if value != ""]
            data[name] = choices[0] if choices else '<b>"Quoted" & more</b>'
        form = _build(cls, initial=data)
    # Built again with the template renderer: a form's fields draw with the form's renderer.
    by_templates = _build(cls, form.data or None, initial=form.initial, renderer=TEMPLATE_RENDERER)
    if form.is_bound:
        by_templates.is_valid()
    assert form.renderer is JINJA2_FORM_RENDERER
    assert by_templates.renderer is TEMPLATE_RENDERER
    assert _markup(form) == _markup(by_templates)


def test_what_someone_typed_is_escaped_when_a_form_comes_back_with_errors() -> None:
    form = steps.forms.CheckInForm({"note": '<script>alert("hi")</script>', "trust": "11"})
    assert not form.is_valid()
    html = str(form)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;hi&#34;)&lt;/script&gt;</textarea>" in html
    assert '<ul class="errorlist" id="check_in_feeling_error">' in html
    assert "Choose the words closest to how you feel." in html


def test_a_checked_answer_stays_checked() -> None:
    form = steps.forms.CheckInForm(initial={"feeling": 3, "trust": 5, "ready": "no", "note": "hi"})
    html = str(form)
    assert re.search(r'<input [^>]*value="5"[^>]*id="check_in_trust_5" checked>', html)
    assert 'id="check_in_trust_4" checked' not in html
    assert "\nhi</textarea>" in html
