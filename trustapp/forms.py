from typing import Any

from django import forms
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class MultilineField(forms.CharField):
    """A textarea's text, with line breaks counted as one character each.

    Browsers send a line break as CRLF but count it as one character against `maxlength`; without
    this, a note typed right up to the limit, with paragraphs, would be refused as too long."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace("\r\n", "\n")
        return super().to_python(value)


class RadioSelect(forms.RadioSelect):
    """Django's RadioSelect, written out in Python instead of through its widget templates.

    The HTML is the same as Django's `multiple_input.html` / `input_option.html` produce (a test
    compares them). Rendered through templates, each option costs three template renders: the
    check-in form's 18 radios took about 2 ms of every step page."""

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> str:
        widget = self.get_context(name, value, attrs)["widget"]
        outer = widget["attrs"]
        parts = [
            format_html(
                "<div{}{}>",
                format_html(' id="{}"', outer["id"]) if outer.get("id") else "",
                format_html(' class="{}"', outer["class"]) if outer.get("class") else "",
            )
        ]
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(format_html("\n  <div><label>{}</label>", group))
            for option in options:
                parts.append(format_html("<div>\n    {}\n\n</div>", _option_html(option)))
            if group:
                parts.append("\n  </div>")
        parts.append("\n</div>")
        return mark_safe("".join(parts))  # noqa: S308 (every piece went through format_html)


def _attrs_html(attrs: dict[str, Any]) -> str:
    # In the widget's own order, as Django's attrs.html writes them (flatatt would sort them).
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items()
        if value is not False
    )


def _option_html(option: dict[str, Any]) -> str:
    value = "" if option["value"] is None else format_html(' value="{}"', option["value"])
    tag = format_html(
        '<input type="{}" name="{}"{}{}>',
        option["type"],
        option["name"],
        value,
        mark_safe(_attrs_html(option["attrs"])),  # noqa: S308 (built with format_html)
    )
    if not option.get("wrap_label"):
        return tag
    label_for = format_html(' for="{}"', option["attrs"]["id"]) if option["attrs"].get("id") else ""
    return format_html("<label{}>{}\n {}</label>", label_for, tag, option["label"])
