"""Each step's reflection prompts differ by where the writer stands: the partner who was hurt,
the one who broke trust, or someone for whom it is mutual. Everyone also sees the shared ones."""

import re
import shutil

import pytest
from django.urls import reverse

from couples.models import Partnership, Role
from steps.content import CONTENT_DIR, ContentError, get_steps, load_content
from steps.models import Reflection
from tests.steps.helpers import HTMX

ROLES = {role.value for role in Role}


@pytest.mark.parametrize("step", get_steps(), ids=lambda step: f"step-{step.number}")
def test_every_step_has_its_own_prompts_for_each_role(step) -> None:
    assert set(step.role_prompts) == ROLES
    by_role = [set(step.role_prompts[role]) for role in sorted(ROLES)]
    assert all(by_role), step.number
    # Written for each role: no two roles share a prompt, and none repeats the shared ones.
    assert not (by_role[0] & by_role[1] or by_role[0] & by_role[2] or by_role[1] & by_role[2])
    assert not set(step.prompts) & set().union(*by_role)


def test_prompts_for_a_role_are_the_shared_ones_then_the_roles_own() -> None:
    step = get_steps()[5]
    assert step.prompts_for("hurt") == [*step.prompts, *step.role_prompts["hurt"]]
    assert step.prompts_for("") == step.prompts


def _page(persona, number: int = 6) -> str:
    return persona.client.get(reverse("step_detail", args=[number])).content.decode()


def _escaped(text: str) -> str:
    return text.replace("'", "&#x27;").replace('"', "&quot;")


def test_the_hurt_partner_sees_the_hurt_partners_prompts_and_not_the_others(
    partner_a, partner_b
) -> None:
    step = get_steps()[5]
    page = _page(partner_a)
    assert "For you, as someone who was hurt:" in page
    for prompt in step.role_prompts["hurt"]:
        assert _escaped(prompt) in page
    for prompt in step.role_prompts["broke_trust"] + step.role_prompts["mutual"]:
        assert _escaped(prompt) not in page


def test_the_partner_who_broke_trust_sees_their_own_prompts(partner_a, partner_b) -> None:
    step = get_steps()[6]
    page = _page(partner_b, 7)
    assert "For you, as someone who broke the trust:" in page
    for prompt in step.role_prompts["broke_trust"]:
        assert _escaped(prompt) in page
    for prompt in step.role_prompts["hurt"]:
        assert _escaped(prompt) not in page


def test_a_reflection_can_answer_a_prompt_written_for_the_writers_role(partner_a) -> None:
    prompt = get_steps()[0].role_prompts["hurt"][0]
    response = partner_a.client.post(
        reverse("reflection_create", args=[1]), {"text": "my answer", "prompt": prompt}, **HTMX
    )
    assert response.status_code == 200
    assert Reflection.objects.get().prompt == prompt


def test_a_prompt_written_for_another_role_is_refused_and_the_text_kept(partner_a) -> None:
    prompt = get_steps()[0].role_prompts["broke_trust"][0]
    response = partner_a.client.post(
        reverse("reflection_create", args=[1]), {"text": "kept words", "prompt": prompt}, **HTMX
    )
    assert not Reflection.objects.exists()
    page = response.content.decode()
    assert "kept words" in page
    assert "Select a valid choice" in page


def test_a_reflection_keeps_its_prompt_after_the_writer_changes_role(partner_a) -> None:
    prompt = get_steps()[0].role_prompts["hurt"][0]
    partner_a.client.post(
        reverse("reflection_create", args=[1]), {"text": "before", "prompt": prompt}, **HTMX
    )
    reflection = Reflection.objects.get()
    Partnership.objects.filter(user=partner_a.user).update(role=Role.MUTUAL)
    edit = reverse("reflection_edit", args=[reflection.pk])
    assert _escaped(prompt) in partner_a.client.get(edit).content.decode()
    partner_a.client.post(edit, {"text": "after", "prompt": prompt})
    reflection.refresh_from_db()
    assert (reflection.text, reflection.prompt) == ("after", prompt)


@pytest.fixture
def content_copy(tmp_path):  # type: ignore[no-untyped-def]
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def _edit(path, pattern: str, replacement: str) -> None:  # type: ignore[no-untyped-def]
    text = path.read_text()
    changed = re.sub(pattern, replacement, text, flags=re.MULTILINE | re.DOTALL)
    assert changed != text
    path.write_text(changed)


def test_a_step_without_prompts_for_a_role_stops_loading(content_copy) -> None:
    _edit(content_copy / "step-04.toml", r"^mutual = \[.*?\]\n(?=\Z|\S)", "")
    with pytest.raises(ContentError, match=re.escape("step-04.toml: 'role_prompts' needs")):
        load_content(content_copy)


def test_a_role_prompt_too_long_for_a_reflection_stops_loading(content_copy) -> None:
    _edit(content_copy / "step-05.toml", r'^hurt = \[\n  "', 'hurt = [\n  "' + "very " * 70)
    with pytest.raises(ContentError, match="over 300 characters"):
        load_content(content_copy)


def test_a_role_prompt_repeating_a_shared_one_stops_loading(content_copy) -> None:
    shared = get_steps()[1].prompts[0]
    _edit(content_copy / "step-02.toml", r"^hurt = \[\n", f'hurt = [\n  "{shared}",\n')
    with pytest.raises(ContentError, match="repeats a prompt everyone sees"):
        load_content(content_copy)
