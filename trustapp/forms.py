from typing import Any

from django import forms


class MultilineField(forms.CharField):
    """A textarea's text, with line breaks counted as one character each.

    Browsers send a line break as CRLF but count it as one character against `maxlength`; without
    this, a note typed right up to the limit, with paragraphs, would be refused as too long."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace("\r\n", "\n")
        return super().to_python(value)
