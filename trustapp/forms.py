import functools
import hashlib
from typing import Any

from django import forms
from django.core.cache import caches
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext


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


def _attrs_html(attrs: dict[str, Any]) -> SafeString:
    # In the widget's own order, as Django's attrs.html writes them (flatatt would sort them).
    # Escaped piece by piece as format_html would, without its cost per call: a check-in form
    # has 18 options of 4-5 attributes each.
    return mark_safe(  # noqa: S308 (every name and value is escaped here)
        "".join(
            f" {conditional_escape(name)}"
            if value is True
            else f' {conditional_escape(name)}="{conditional_escape(value)}"'
            for name, value in attrs.items()
            if value is not False
        )
    )


def _option_html(option: dict[str, Any]) -> str:
    key = (
        option["type"],
        option["name"],
        option["value"],
        str(option["label"]),  # a lazy label as the words it shows now
        # With each value's type: True and 1 are equal as keys, but are written differently.
        tuple((name, type(value), value) for name, value in option["attrs"].items()),
        bool(option.get("wrap_label")),
    )
    try:
        return _option_html_of(*key)
    except TypeError:  # an attribute value that cannot be a key (a list, say)
        return _option_html_of.__wrapped__(*key)


# An option's HTML depends only on these values, which come from the form's code (its choices,
# labels and widget attributes) and on whether it is checked: the same few hundred options are
# written on page after page, so each is written once per process.
@functools.lru_cache(maxsize=4096, typed=True)
def _option_html_of(
    input_type: str,
    name: str,
    value: Any,
    label: str,
    typed_attrs: tuple[tuple[str, type, Any], ...],
    wrap_label: bool,
) -> SafeString:
    attrs = {attr: given for attr, _type, given in typed_attrs}
    value_html = "" if value is None else f' value="{conditional_escape(value)}"'
    tag = (
        f'<input type="{conditional_escape(input_type)}"'
        f' name="{conditional_escape(name)}"{value_html}{_attrs_html(attrs)}>'
    )
    if not wrap_label:
        return mark_safe(tag)  # noqa: S308 (escaped above)
    id_ = attrs.get("id")
    label_for = f' for="{conditional_escape(id_)}"' if id_ else ""
    return mark_safe(  # noqa: S308 (escaped above)
        f"<label{label_for}>{tag}\n {conditional_escape(label)}</label>"
    )


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


DIV_TEMPLATE = "django/forms/div.html"
LABEL_TEMPLATE = "django/forms/label.html"
FIELD_TEMPLATE = "django/forms/field.html"


def renders_in_python(form: forms.BaseForm) -> bool:
    """Whether `form_html` writes what Django's own div, field and label templates would: the
    form uses them, has a visible field, and no hidden field has errors (Django moves those into
    the form's own list)."""
    return (
        form.template_name == DIV_TEMPLATE
        and form.template_name_label == LABEL_TEMPLATE
        and all(bf.template_name in (None, FIELD_TEMPLATE) for bf in form)
        and any(not bf.is_hidden for bf in form)
        and not any(bf.is_hidden and bf.errors for bf in form)
    )


def _errors_html(errors: Any) -> str:
    # An empty list writes nothing; a full one goes through Django's own template.
    return str(errors) if errors else ""


def _label_html(bf: forms.BoundField, tag: str) -> str:
    """BoundField.label_tag() and label.html, written out: the same rules, in the same order."""
    contents = bf.label
    field, form = bf.field, bf.form
    label_suffix = field.label_suffix if field.label_suffix is not None else form.label_suffix
    if label_suffix and contents and contents[-1] not in gettext(":?.!"):
        contents = format_html("{}{}", contents, label_suffix)
    widget = field.widget
    id_ = widget.attrs.get("id") or bf.auto_id
    if not id_:
        return conditional_escape(contents)
    attrs: dict[str, Any] = {}
    id_for_label = widget.id_for_label(id_)
    if id_for_label and tag != "legend":
        attrs["for"] = id_for_label
    if field.required and hasattr(form, "required_css_class"):
        attrs["class"] = form.required_css_class
    return format_html("<{}{}>{}</{}>", tag, _attrs_html(attrs), contents, tag)


def _field_group_html(bf: forms.BoundField) -> str:
    """field.html, written out."""
    if bf.use_fieldset:
        described = bf.aria_describedby
        parts = [
            "\n  <fieldset",
            format_html(' aria-describedby="{}"', described) if described else "",
            ">\n  ",
            _label_html(bf, "legend") if bf.label else "",
            "\n",
        ]
    else:
        parts = ["\n  ", _label_html(bf, "label") if bf.label else "", "\n"]
    parts.append("\n")
    if bf.help_text:
        parts.append(
            format_html(
                '<div class="helptext"{}>{}</div>',
                format_html(' id="{}_helptext"', bf.auto_id) if bf.auto_id else "",
                # As Django's field.html does (help_text|safe): help texts are written in our
                # forms, never taken from what someone typed.
                mark_safe(bf.help_text),  # noqa: S308
            )
        )
    parts += ["\n", _errors_html(bf.errors), "\n", str(bf)]
    if bf.use_fieldset:
        parts.append("</fieldset>")
    return "".join(parts).strip()


def form_html(form: forms.BaseForm) -> SafeString:
    """A form as Django's div.html writes it (with field.html and label.html), in Python.

    Through the templates, every field costs three template renders and the form one more:
    about 1.5 ms for the check-in form with an answer in it. Only for forms that
    `renders_in_python`; a test compares the two for every form of the app."""
    errors = _errors_html(form.non_field_errors())
    parts = [errors, "\n\n"]
    fields = [bf for bf in form if not bf.is_hidden]
    hidden = "".join(str(bf) for bf in form if bf.is_hidden)
    for index, bf in enumerate(fields):
        classes = bf.css_classes()
        parts += [
            "\n  <div",
            format_html(' class="{}"', classes) if classes else "",
            ">\n    ",
            _field_group_html(bf),
            "\n    ",
            # The hidden fields go in the last field's div.
            f"\n      {hidden}\n    " if index == len(fields) - 1 else "",
            "\n</div>\n",
        ]
    parts.append("\n\n")
    # Literal markup, format_html's output, and Django's own rendering of errors and widgets.
    return mark_safe("".join(parts).strip())  # noqa: S308


class BlankFormCache:
    """Renders a blank form once per process and reuses its HTML (the `fragments` cache).

    A step page shows up to four blank forms, and Django renders each through a dozen templates:
    about 3 ms a page. Their HTML depends only on how the form was built (blank_form_key), never
    on who asks; forms with data, errors, initial values or an instance render as usual."""

    def render(self, template_name=None, context=None, renderer=None) -> SafeString:  # type: ignore[no-untyped-def]
        default = template_name is None and context is None and renderer is None
        key = blank_form_key(self) if default else None  # type: ignore[arg-type]
        if key is None and default and renders_in_python(self):  # type: ignore[arg-type]
            return form_html(self)  # type: ignore[arg-type]
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
