import re
import shutil
from pathlib import Path

import pytest

from steps.content import CONTENT_DIR, ContentError, get_steps, load_content

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "rebuilding-trust-article.txt"


def test_the_eleven_steps_load_in_order_with_prompts():
    steps = get_steps()
    assert [step.number for step in steps] == list(range(1, 12))
    for step in steps:
        assert step.title and step.summary and step.check_in_question
        assert 2 <= len(step.prompts) <= 4
        assert len(step.guidance) >= 2


@pytest.mark.parametrize("number", [3, 7, 9])
def test_steps_that_differ_by_role_have_a_note_for_each_role(number):
    step = get_steps()[number - 1]
    assert set(step.role_notes) == {"hurt", "broke_trust", "mutual"}
    assert step.note_for("hurt") != step.note_for("broke_trust")


def test_opening_and_closing_chapters_cover_what_the_process_asks():
    content = load_content()
    assert content.opening.body and content.closing.body
    closing = " ".join(content.closing.body).lower()
    assert "counselor" in closing
    assert "month" in closing and "three years" in closing


@pytest.fixture
def content_copy(tmp_path):
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def test_a_missing_step_stops_loading(content_copy):
    (content_copy / "step-07.toml").unlink()
    with pytest.raises(ContentError, match=re.escape("step-07.toml is missing")):
        load_content(content_copy)


def test_a_step_out_of_order_stops_loading(content_copy):
    path = content_copy / "step-04.toml"
    path.write_text(re.sub(r"(?m)^number = 4$", "number = 5", path.read_text()))
    with pytest.raises(ContentError, match=re.escape("step-04.toml: 'number' must be 4")):
        load_content(content_copy)


def test_a_step_without_prompts_stops_loading(content_copy):
    path = content_copy / "step-02.toml"
    text = re.sub(r"(?ms)^prompts = \[.*?\]\n", "prompts = []\n", path.read_text())
    path.write_text(text)
    with pytest.raises(ContentError, match=re.escape("step-02.toml: 'prompts'")):
        load_content(content_copy)


def test_a_required_role_note_missing_stops_loading(content_copy):
    path = content_copy / "step-09.toml"
    # The first `hurt = ` is the role note ([role_prompts] comes after [role_notes]).
    path.write_text(re.sub(r'(?m)^hurt = ".*$', "", path.read_text(), count=1))
    with pytest.raises(ContentError, match=re.escape("step-09.toml: this step needs a role note")):
        load_content(content_copy)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower().replace("\N{RIGHT SINGLE QUOTATION MARK}", "'"))


@pytest.mark.skipif(not SEED.exists(), reason="the seed article lives in shared/, beside the repo")
def test_no_sentence_is_copied_from_the_seed_article():
    seed = _words(SEED.read_text())
    seed_runs = {tuple(seed[i : i + 7]) for i in range(len(seed) - 6)}
    for path in sorted(CONTENT_DIR.glob("*.toml")):
        words = _words(path.read_text())
        copied = [
            " ".join(words[i : i + 7])
            for i in range(len(words) - 6)
            if tuple(words[i : i + 7]) in seed_runs
        ]
        assert not copied, f"{path.name} repeats the article: {copied}"
