import hashlib
from typing import Any

from django import forms
from django.core.cache import caches
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


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


# Everything about a field that shows in an unbound form's HTML.
_FIELD_LOOKS = ("label", "help_text", "required", "disabled", "initial", "label_suffix")
_WIDGET_LOOKS = ("attrs", "choices", "input_type", "template_name", "option_template_name")


def blank_form_key(form: forms.BaseForm) -> str | None:
    """A name for what a form with no data looks like, or None when it may look different.

    Only unbound forms without a prefix, initial values or an edited instance qualify (a form
    whose initial values are choices may opt in with `initial_values_are_choices`), and no
    field may have a callable initial (a date of today) or query its choices. The name covers
    the form's class and every field's label, help, requirement, choices and widget attributes,
    so a form built differently (say, with a step's own prompts) gets a name of its own."""
    # An unbound form can still carry errors added by code (add_error): those are never reused.
    if form.is_bound or form.prefix or form._errors:
        return None
    initial = {name: value for name, value in form.initial.items() if value not in ("", None)}
    # Initial values are user data (a draft, an earlier answer): only a form that declares its
    # initial values to be choices from its own code (say, a role) may be named with them.
    if initial and not getattr(form, "initial_values_are_choices", False):
        return None
    looks = [
        f"{type(form).__module__}.{type(form).__qualname__}",
        repr((form.auto_id, form.label_suffix, form.use_required_attribute, form.template_name)),
        f"{type(form.renderer).__module__}.{type(form.renderer).__qualname__}",
        repr(sorted(initial.items())),
    ]
    for name, field in form.fields.items():
        if isinstance(field, forms.ModelChoiceField) or callable(field.initial):
            return None
        widget = field.widget
        looks.append(
            repr(
                (
                    name,
                    type(field).__qualname__,
                    type(widget).__qualname__,
                    [str(getattr(field, look, "")) for look in _FIELD_LOOKS],
                    getattr(field, "choices", None),
                    [getattr(widget, look, None) for look in _WIDGET_LOOKS],
                    field.widget_attrs(widget),
                )
            )
        )
    return "blank-form:" + hashlib.sha256("\n".join(looks).encode()).hexdigest()


class BlankFormCache:
    """Renders a blank form once per process and reuses its HTML (the `fragments` cache).

    A step page shows up to four blank forms, and Django renders each through a dozen templates:
    about 3 ms a page. Their HTML depends only on how the form was built (blank_form_key), never
    on who asks; forms with data, errors, initial values or an instance render as usual."""

    def render(self, template_name=None, context=None, renderer=None) -> SafeString:  # type: ignore[no-untyped-def]
        key = None
        if template_name is None and context is None and renderer is None:
            key = blank_form_key(self)  # type: ignore[arg-type]
        if key is None:
            return super().render(template_name, context, renderer)  # type: ignore[misc]
        fragments = caches["fragments"]
        html = fragments.get(key)
        if html is None:
            html = str(super().render())  # type: ignore[misc]
            fragments.set(key, html)
        return mark_safe(html)  # noqa: S308 (rendered by Django's own form templates)

    __str__ = render
    __html__ = render
