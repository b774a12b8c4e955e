"""Blank forms are rendered once per process and reused (trustapp.forms.BlankFormCache). The
reused HTML must be exactly what Django would render for that form, and never one built for
someone or something else."""

import inspect
import re

import pytest
from django import forms
from django.core.cache import caches

import couples.forms
import steps.forms
from steps.content import content
from trustapp.forms import BlankFormCache, blank_form_key


def djangos_render(form: forms.BaseForm) -> str:
    return str(super(BlankFormCache, form).render())


def blank(form_class: type) -> forms.BaseForm:
    if form_class is steps.forms.ReflectionForm:
        return form_class(step=content().steps[0])
    return form_class()


APP_FORMS = [
    cls
    for module in (steps.forms, couples.forms)
    for _name, cls in inspect.getmembers(module, inspect.isclass)
    if issubclass(cls, BlankFormCache) and cls.__module__ == module.__name__ and cls.base_fields
]


def test_every_app_form_reuses_its_blank_html():
    assert len(APP_FORMS) >= 15


@pytest.mark.parametrize("form_class", APP_FORMS, ids=lambda cls: cls.__name__)
def test_reused_blank_form_is_what_django_renders(form_class):
    first = str(blank(form_class))
    again = str(blank(form_class))
    assert first == again == djangos_render(blank(form_class))
    assert first.strip()


def test_a_blank_form_is_drawn_once(monkeypatch):
    rendered = []
    original = forms.Form.render

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not args and not kwargs:  # the whole form (labels render through it too)
            rendered.append(type(self).__name__)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(forms.Form, "render", counting)
    for _ in range(3):
        str(steps.forms.CheckInForm())
    assert rendered == ["CheckInForm"]


def test_reflection_forms_of_different_steps_keep_their_own_prompts():
    first, fourth = content().steps[0], content().steps[3]
    assert set(first.prompts) != set(fourth.prompts)
    one = str(steps.forms.ReflectionForm(step=first))
    four = str(steps.forms.ReflectionForm(step=fourth))
    assert all(prompt in four for prompt in fourth.prompts if prompt not in first.prompts)
    assert not any(prompt in four for prompt in first.prompts if prompt not in fourth.prompts)
    assert one == djangos_render(steps.forms.ReflectionForm(step=first))


class NoteFor(BlankFormCache, forms.Form):
    note = forms.CharField()

    def __init__(self, *args, partner: str, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["note"].label = f"A note for {partner}"
        self.fields["note"].widget.attrs["placeholder"] = f"Dear {partner}"


def test_a_form_built_for_someone_else_is_never_reused():
    assert "A note for Blake" in str(NoteFor(partner="Blake"))
    casey = str(NoteFor(partner="Casey"))
    assert "Casey" in casey
    assert "Blake" not in casey


def test_forms_with_data_errors_or_answers_render_as_usual():
    typed = "TYPED-BY-ALEX"
    bound = steps.forms.CheckInForm({"feeling": "9", "note": typed})
    assert blank_form_key(bound) is None
    html = str(bound)
    assert typed in html and "errorlist" in html
    answered = steps.forms.CheckInForm(initial={"feeling": 3, "trust": 7, "ready": "no"})
    assert blank_form_key(answered) is None
    assert 'value="7" class="scale" required id="check_in_trust_7" checked' in str(answered)
    assert typed not in "".join(
        str(value)
        for value in caches["fragments"]._cache.values()  # type: ignore[attr-defined]
    )


def test_forms_whose_default_changes_by_itself_are_not_reused():
    # The check-off date defaults to today: yesterday's HTML would be wrong today.
    assert blank_form_key(steps.forms.CommitmentCheckForm()) is None


def test_an_edit_form_is_not_reused(partner_a):
    from steps.services import write_reflection

    reflection = write_reflection(
        partnership=partner_a.user.partnerships.get(), step=1, text="MY OWN WORDS"
    )
    form = steps.forms.ReflectionForm(instance=reflection, step=content().steps[0])
    assert blank_form_key(form) is None
    assert "MY OWN WORDS" in str(form)


def test_a_form_whose_initial_values_are_choices_is_reused_per_value():
    from couples.forms import RoleForm
    from couples.models import Role

    hurt = str(RoleForm(initial={"role": Role.HURT}))
    mutual = str(RoleForm(initial={"role": Role.MUTUAL}))
    assert hurt != mutual
    assert hurt == str(RoleForm(initial={"role": Role.HURT}))
    assert mutual == djangos_render(RoleForm(initial={"role": Role.MUTUAL}))
    assert re.search(rf'<input[^>]*value="{Role.MUTUAL}"[^>]*checked', mutual)
    assert not re.search(rf'<input[^>]*value="{Role.HURT}"[^>]*checked', mutual)


def test_an_unbound_form_with_errors_added_by_code_is_not_reused():
    form = steps.forms.PauseForm()
    form.cleaned_data = {}  # what add_error needs on a form that was never cleaned
    form.add_error(None, "SOMETHING-WENT-WRONG-FOR-ALEX")
    assert blank_form_key(form) is None
    assert "SOMETHING-WENT-WRONG-FOR-ALEX" in str(form)
    assert "SOMETHING-WENT-WRONG-FOR-ALEX" not in str(steps.forms.PauseForm())
