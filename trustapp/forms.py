from typing import Any

from django import forms
from django.forms.renderers import Jinja2


class MultilineField(forms.CharField):
    """A textarea's text, with line breaks counted as one character each.

    Browsers send a line break as CRLF but count it as one character against `maxlength`; without
    this, a note typed right up to the limit, with paragraphs, would be refused as too long."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace("\r\n", "\n")
        return super().to_python(value)


# Django's own Jinja2 form renderer, drawing Django's own Jinja2 copies of its form and widget
# templates: the same markup as the template language's, at a fraction of the cost (a step page
# shows up to four forms, the check-in's with 18 radios; measured in docs/benchmarks.md). One
# instance, so that its Jinja2 environment and compiled templates are built once per process.
JINJA2_FORM_RENDERER = Jinja2()


class Jinja2Rendered:
    """Renders the form with JINJA2_FORM_RENDERER. Only the app's own forms: the admin's widgets
    have no Jinja2 templates, so the project-wide FORM_RENDERER stays Django's default."""

    default_renderer = JINJA2_FORM_RENDERER
