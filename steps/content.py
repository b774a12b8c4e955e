"""The guidance of the eleven steps and the two chapters around them.

It lives in TOML files in `steps/content/` (one per step, plus `opening.toml` and `closing.toml`)
so that a writer or counselor can edit it without touching Python. It is loaded and validated once
per process; a file that is missing, out of order or incomplete stops the app at start-up (and the
test suite) with a message that names the file.
"""

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.http import Http404

from couples.models import Role

CONTENT_DIR = Path(__file__).resolve().parent / "content"
STEP_COUNT = 11
# Where the process differs most by role, a note for each role is required.
ROLE_NOTES_REQUIRED = frozenset({3, 7, 9})


class ContentError(Exception):
    pass


def paragraphs(text: str) -> list[str]:
    return [" ".join(block.split()) for block in text.strip().split("\n\n") if block.strip()]


@dataclass(frozen=True)
class Chapter:
    slug: str
    title: str
    summary: str
    body: list[str]


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    summary: str
    guidance: list[str]
    prompts: list[str]
    check_in_question: str
    role_notes: dict[str, str] = field(default_factory=dict)
    role_prompts: dict[str, list[str]] = field(default_factory=dict)
    daily: list[str] = field(default_factory=list)
    attribution: str = ""

    def note_for(self, role: str) -> str:
        return self.role_notes.get(role, "")

    def prompts_for(self, role: str) -> list[str]:
        """The prompts every partner sees, then those written for this partner's role."""
        return [*self.prompts, *self.role_prompts.get(role, [])]


EXERCISE_KINDS = {
    "appreciation": "Appreciation",
    "curiosity": "Curiosity about each other",
    "ritual": "Rituals of connection",
}


@dataclass(frozen=True)
class Exercise:
    slug: str
    kind: str
    title: str
    intro: str
    prompt: str

    @property
    def kind_label(self) -> str:
        return EXERCISE_KINDS[self.kind]


@dataclass(frozen=True)
class Reconnection:
    title: str
    summary: str
    attribution: str
    exercises: tuple[Exercise, ...]

    def exercise(self, slug: str) -> Exercise | None:
        return next((exercise for exercise in self.exercises if exercise.slug == slug), None)


@dataclass(frozen=True)
class Content:
    opening: Chapter
    closing: Chapter
    steps: tuple[Step, ...]
    reconnection: Reconnection

    def chapter(self, slug: str) -> Chapter | None:
        return {"opening": self.opening, "closing": self.closing}.get(slug)


def _text(data: dict, key: str, source: str, *, limit: int | None = None) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{source}: '{key}' is missing or empty.")
    value = value.strip()
    if limit is not None and len(value) > limit:
        raise ContentError(f"{source}: '{key}' is longer than {limit} characters.")
    return value


def _load_chapter(path: Path) -> Chapter:
    if not path.exists():
        raise ContentError(f"{path.name} is missing.")
    data = tomllib.loads(path.read_text("utf-8"))
    return Chapter(
        slug=path.stem,
        title=_text(data, "title", path.name, limit=80),
        summary=_text(data, "summary", path.name, limit=200),
        body=paragraphs(_text(data, "body", path.name)),
    )


# A reflection keeps the prompt it answers in a column of this length.
PROMPT_MAX_LENGTH = 300


def _role_prompts(
    data: object, source: str, roles: set[str], shared: list[str]
) -> dict[str, list[str]]:
    """Every step has one to three prompts for each role, none repeating the shared ones."""
    if not isinstance(data, dict) or set(data) != roles:
        raise ContentError(f"{source}: 'role_prompts' needs a list for each of {sorted(roles)}.")
    found = {}
    for role, prompts in data.items():
        if not isinstance(prompts, list) or not 1 <= len(prompts) <= 3:
            raise ContentError(f"{source}: role_prompts.{role} must list 1 to 3 questions.")
        if not all(isinstance(prompt, str) and prompt.strip() for prompt in prompts):
            raise ContentError(f"{source}: every prompt in role_prompts.{role} must be a sentence.")
        found[role] = [" ".join(prompt.split()) for prompt in prompts]
        if too_long := [prompt for prompt in found[role] if len(prompt) > PROMPT_MAX_LENGTH]:
            raise ContentError(
                f"{source}: role_prompts.{role} has a prompt over {PROMPT_MAX_LENGTH} "
                f"characters: {too_long[0][:40]!r}…"
            )
        if repeated := set(found[role]) & set(shared):
            raise ContentError(
                f"{source}: role_prompts.{role} repeats a prompt everyone sees: {sorted(repeated)}"
            )
    return found


def _load_step(path: Path, expected_number: int) -> Step:
    if not path.exists():
        raise ContentError(f"{path.name} is missing: there must be one file per step.")
    data = tomllib.loads(path.read_text("utf-8"))
    source = path.name
    if data.get("number") != expected_number:
        raise ContentError(
            f"{source}: 'number' must be {expected_number}, not {data.get('number')!r}."
        )
    prompts = data.get("prompts")
    if not isinstance(prompts, list) or not 2 <= len(prompts) <= 4:
        raise ContentError(f"{source}: 'prompts' must list 2 to 4 questions.")
    if not all(isinstance(prompt, str) and prompt.strip() for prompt in prompts):
        raise ContentError(f"{source}: every prompt must be a non-empty sentence.")
    role_notes = data.get("role_notes", {})
    roles = {role.value for role in Role}
    if unknown := set(role_notes) - roles:
        raise ContentError(f"{source}: unknown role_notes {sorted(unknown)}; use {sorted(roles)}.")
    if expected_number in ROLE_NOTES_REQUIRED and set(role_notes) != roles:
        raise ContentError(f"{source}: this step needs a role note for each of {sorted(roles)}.")
    shared_prompts = [" ".join(prompt.split()) for prompt in prompts]
    role_prompts = _role_prompts(data.get("role_prompts"), source, roles, shared_prompts)
    daily = data.get("daily")
    if not isinstance(daily, list) or not 3 <= len(daily) <= 8:
        raise ContentError(f"{source}: 'daily' must list 3 to 8 questions for the daily practice.")
    daily = [" ".join(question.split()) for question in daily if isinstance(question, str)]
    if any(not question or len(question) > PROMPT_MAX_LENGTH for question in daily):
        raise ContentError(
            f"{source}: every daily question must be a sentence of up to 300 characters."
        )
    guidance = paragraphs(_text(data, "guidance", source))
    if len(guidance) < 2:
        raise ContentError(f"{source}: 'guidance' needs a few short paragraphs.")
    return Step(
        number=expected_number,
        title=_text(data, "title", source, limit=80),
        summary=_text(data, "summary", source, limit=200),
        guidance=guidance,
        prompts=shared_prompts,
        check_in_question=_text(data, "check_in_question", source, limit=200),
        role_notes={role: " ".join(note.split()) for role, note in role_notes.items()},
        role_prompts=role_prompts,
        daily=daily,
        attribution=data.get("attribution", "").strip(),
    )


def _load_reconnection(path: Path) -> Reconnection:
    if not path.exists():
        raise ContentError(f"{path.name} is missing.")
    data = tomllib.loads(path.read_text("utf-8"))
    exercises = []
    for number, item in enumerate(data.get("exercises", []), start=1):
        where = f"{path.name}: exercise {number}"
        kind = _text(item, "kind", where)
        if kind not in EXERCISE_KINDS:
            raise ContentError(f"{where}: kind must be one of {sorted(EXERCISE_KINDS)}.")
        exercises.append(
            Exercise(
                slug=_text(item, "slug", where, limit=40),
                kind=kind,
                title=_text(item, "title", where, limit=80),
                intro=_text(item, "intro", where, limit=400),
                prompt=_text(item, "prompt", where, limit=PROMPT_MAX_LENGTH),
            )
        )
    if {kind for kind in EXERCISE_KINDS} - {exercise.kind for exercise in exercises}:
        raise ContentError(f"{path.name}: every kind of exercise needs at least one.")
    if len({exercise.slug for exercise in exercises}) != len(exercises):
        raise ContentError(f"{path.name}: two exercises share a slug.")
    return Reconnection(
        title=_text(data, "title", path.name, limit=80),
        summary=_text(data, "summary", path.name, limit=400),
        attribution=_text(data, "attribution", path.name, limit=300),
        exercises=tuple(exercises),
    )


def load_content(directory: Path = CONTENT_DIR) -> Content:
    step_files = sorted(directory.glob("step-*.toml"))
    expected = [f"step-{number:02d}.toml" for number in range(1, STEP_COUNT + 1)]
    if extra := sorted({path.name for path in step_files} - set(expected)):
        raise ContentError(
            f"Unexpected step files {extra}: steps are {expected[0]}…{expected[-1]}."
        )
    return Content(
        opening=_load_chapter(directory / "opening.toml"),
        closing=_load_chapter(directory / "closing.toml"),
        steps=tuple(
            _load_step(directory / name, number) for number, name in enumerate(expected, start=1)
        ),
        reconnection=_load_reconnection(directory / "reconnection.toml"),
    )


@cache
def content() -> Content:
    return load_content()


def get_steps() -> tuple[Step, ...]:
    return content().steps


def get_step_or_404(number: int) -> Step:
    if not 1 <= number <= STEP_COUNT:
        raise Http404("There is no such step.")
    return content().steps[number - 1]
