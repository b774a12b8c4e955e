"""trustapp.forms.form_html writes a form out in Python for speed; it must write exactly what
Django's own div, field and label templates write, for every form of the app, blank, filled in,
and with errors, or labels, ids, help and error messages would drift."""

import pytest
from django import forms

from couples import forms as couples_forms
from steps import forms as steps_forms
from steps.content import content
from trustapp.forms import BlankFormCache, form_html, renders_in_python


def _our_form_classes() -> list[type[forms.BaseForm]]:
    found, todo = [], [BlankFormCache]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__ in (couples_forms.__name__, steps_forms.__name__) and cls.base_fields:
            found.append(cls)
    return sorted(found, key=lambda cls: cls.__name__)


FORM_CLASSES = _our_form_classes()


def _build(cls: type[forms.BaseForm], *args, **kwargs) -> forms.BaseForm:  # type: ignore[no-untyped-def]
    if cls is steps_forms.ReflectionForm:
        kwargs["step"] = content().steps[0]
    return cls(*args, **kwargs)


def _djangos(form: forms.BaseForm) -> str:
    # Django's own rendering: its div.html template, with field.html and label.html.
    return str(forms.BaseForm.render(form))


def test_every_form_of_the_app_is_covered() -> None:
    assert len(FORM_CLASSES) >= 20
    assert all(renders_in_python(_build(cls)) for cls in FORM_CLASSES)


@pytest.mark.parametrize("cls", FORM_CLASSES, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize(
    "state",
    ["blank", "errors", "filled in"],
)
def test_form_html_writes_what_djangos_templates_write(cls, state, db) -> None:  # type: ignore[no-untyped-def]
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
    if renders_in_python(form):
        assert form_html(form) == _djangos(form)
    assert str(form) == _djangos(form)


def test_a_filled_in_check_in_form_is_written_in_python(db) -> None:
    form = steps_forms.CheckInForm(initial={"feeling": 3, "trust": 5, "ready": "no", "note": "hi"})
    assert renders_in_python(form)
    assert str(form) == _djangos(form)
    assert 'id="check_in_trust_5" checked' in str(form) and "\nhi</textarea>" in str(form)


@pytest.mark.parametrize("data", [None, {"seen": "1", "text": "x"}, {"text": "x"}, {}])
def test_hidden_fields_are_written_as_django_writes_them(data) -> None:  # type: ignore[no-untyped-def]
    class WithHidden(BlankFormCache, forms.Form):
        seen = forms.CharField(widget=forms.HiddenInput)
        text = forms.CharField()

    form = WithHidden(data)
    # A hidden field's error goes in the form's own list: Django's templates write that one.
    assert renders_in_python(form) == (data is None or "seen" in data)
    assert str(form) == _djangos(form)
