"""The form renderer: Django's, with the common widgets and labels written in Python.

Django renders every `<option>`, `<input>` and `<label>` through a template and an included
one for its attributes. The console's filter panel (about a hundred options), a need's
dispatch form (every worker of the area) and a need's page (seven small forms) spent more time
there than in the rest of their pages (issue 13). `select_html`, `input_html`,
`textarea_html` and `label_html` write the same bytes as Django's `select.html` (with
`select_option.html`), `input.html` (and the input types that only include it),
`textarea.html` and `label.html`, each with its `attrs.html`; `core/tests/test_formrender.py`
holds them equal. Any other template, a widget with templates of its own, or an app that
overrides one of these templates goes through Django's as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import django.forms
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in the stubs

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
TEXTAREA = "django/forms/widgets/textarea.html"
LABEL = "django/forms/label.html"
# The input types whose template is nothing but an include of input.html.
INPUTS = frozenset(
    f"django/forms/widgets/{kind}.html"
    for kind in (
        *("input", "text", "checkbox", "date", "datetime", "time", "email", "hidden"),
        *("number", "password", "search", "tel", "url", "color"),
    )
)


# What the Python writers stand in for: the templates they replace and the ones those include.
STOOD_IN_FOR = frozenset(
    {
        SELECT,
        OPTION,
        TEXTAREA,
        LABEL,
        *INPUTS,
        "django/forms/attrs.html",
        "django/forms/widgets/attrs.html",
    }
)
DJANGOS_OWN = Path(django.forms.__file__).parent / "templates"


class Renderer(DjangoTemplates):
    @cached_property
    def writes_in_python(self) -> bool:
        """False when an app overrides one of the templates the writers stand in for: its
        template is then rendered, not silently passed over (asked once per process)."""
        return all(
            Path(self.get_template(name).origin.name).is_relative_to(DJANGOS_OWN)
            for name in STOOD_IN_FOR
        )

    def render(self, template_name: str, context: Any, request: Any = None) -> str:
        html = written(template_name, context) if self.writes_in_python else None
        if html is not None:
            return html.strip()  # as BaseRenderer.render strips a template's output
        return str(super().render(template_name, context, request))


def written(template_name: str, context: Any) -> str | None:
    """What the template would write, or None for a template not written here."""
    if template_name == SELECT:
        return select_html(context["widget"])
    if template_name in INPUTS:
        return input_html(context["widget"])
    if template_name == TEXTAREA:
        return textarea_html(context["widget"])
    if template_name == LABEL:
        return label_html(context)
    return None


def input_html(widget: dict[str, Any]) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{_formatted(value)}"'
    return (
        f'<input type="{_shown(widget["type"])}" name="{_shown(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


def textarea_html(widget: dict[str, Any]) -> str:
    value = widget["value"]
    return (
        f'<textarea name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{_shown(value) if value else ''}</textarea>"
    )


def label_html(context: dict[str, Any]) -> str:
    label = _shown(context["label"])
    if not context["use_tag"]:
        return label
    tag = _shown(context["tag"])
    return f"<{tag}{_attrs(context['attrs'] or {})}>{label}</{tag}>"


def select_html(widget: dict[str, Any]) -> str | None:
    """The select as Django's templates write it, or None when an option has a template of
    its own."""
    parts = [f'<select name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION:
                return None
            # select_option.html ends with a newline, which its include keeps.
            parts.append(
                f'\n  <option value="{_formatted(option["value"])}"'
                f"{_attrs(option['attrs'])}>{_shown(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _attrs(attrs: dict[str, Any]) -> str:
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {_shown(name)}")
        else:
            out.append(f' {_shown(name)}="{_formatted(value)}"')
    return "".join(out)


def _formatted(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`: formatted, then escaped even if it was safe."""
    return str(conditional_escape("%s" % (value,)))  # noqa: UP031 (the filter's own operator)


def _shown(value: Any) -> str:
    """`{{ value }}`: in the current time zone and localised, then escaped unless safe."""
    value = localize(template_localtime(value))
    return str(conditional_escape(value if isinstance(value, str) else str(value)))
