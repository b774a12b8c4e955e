"""trustapp.forms.RadioSelect writes radios out in Python for speed; it must write exactly what
Django's own RadioSelect writes through its templates, or labels, ids and errors would drift."""

import pytest
from django import forms

from couples.forms import RoleForm
from steps.forms import CheckInForm
from trustapp.forms import RadioSelect

CHOICES = [
    ("a", "Plain"),
    ("b", '<b>Bold & "quoted"</b>'),
    ("Grouped", [("c", "Inner one"), ("d", "Inner two")]),
]


def _pair(**field_options) -> tuple[type[forms.Form], type[forms.Form]]:
    class Ours(forms.Form):
        choice = forms.ChoiceField(
            widget=RadioSelect(attrs={"class": "scale", "data-x": "1"}), **field_options
        )

    class Djangos(forms.Form):
        choice = forms.ChoiceField(
            widget=forms.RadioSelect(attrs={"class": "scale", "data-x": "1"}), **field_options
        )

    return Ours, Djangos


@pytest.mark.parametrize(
    ("data", "initial"),
    [
        (None, None),
        (None, {"choice": "b"}),
        ({"choice": "d"}, None),
        ({"choice": "zzz"}, None),  # invalid: errors and aria-invalid
        ({}, None),  # missing: required error
    ],
)
def test_radio_select_writes_what_djangos_templates_write(data, initial) -> None:
    ours, djangos = _pair(choices=CHOICES, help_text="Pick <one>.")
    mine = ours(data, initial=initial, auto_id="f_%s")
    theirs = djangos(data, initial=initial, auto_id="f_%s")
    assert str(mine) == str(theirs)
    assert str(mine["choice"]) == str(theirs["choice"])


def test_radio_select_escapes_labels() -> None:
    ours, _ = _pair(choices=CHOICES)
    html = str(ours()["choice"])
    assert "<b>Bold" not in html
    assert "&lt;b&gt;Bold &amp; &quot;quoted&quot;&lt;/b&gt;" in html


def test_radio_select_without_ids_has_no_for_attributes() -> None:
    ours, djangos = _pair(choices=CHOICES)
    assert str(ours(auto_id=False)["choice"]) == str(djangos(auto_id=False)["choice"])
    assert " for=" not in str(ours(auto_id=False)["choice"])


@pytest.mark.parametrize("form_class", [CheckInForm, RoleForm])
def test_app_forms_render_like_djangos_radio_select(form_class, monkeypatch) -> None:
    form = form_class({"feeling": "9", "trust": "", "ready": "yes", "role": "nope"})
    ours = str(form)
    for field in form.fields.values():
        if isinstance(field.widget, RadioSelect):
            monkeypatch.setattr(
                field.widget, "render", forms.RadioSelect.render.__get__(field.widget)
            )
    assert str(form) == ours


def test_options_written_once_are_told_apart_by_type_and_by_checked() -> None:
    # Options are remembered by what they show: True and 1 are equal keys in Python, but a
    # radio's value "True" is not "1", and a checked option is not an unchecked one.
    def field_with(choices):  # type: ignore[no-untyped-def]
        return _pair(choices=choices, required=False)

    for choices in ([(True, "Yes")], [(1, "Yes")], [(True, "Yes")]):
        ours, djangos = field_with(choices)
        for data in (None, {"choice": str(choices[0][0])}):
            assert str(ours(data)["choice"]) == str(djangos(data)["choice"])
    # The same in an attribute: 1 is written as a value, True as a bare attribute.
    for value, written in ((1, ' data-x="1"'), (True, " data-x>"), (1, ' data-x="1"')):
        widget = RadioSelect(attrs={"data-x": value})
        widget.choices = [("a", "A")]
        assert written in widget.render("f", None)
