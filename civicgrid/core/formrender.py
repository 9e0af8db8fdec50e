"""The form renderer: Django's, with `<select>` written in Python.

Django renders every `<option>` through two included templates. The console's filter panel
(about a hundred options) and a need's dispatch form (every worker of the area) spent more
time there than in the rest of their pages (issue 13). `select_html` writes the same bytes as
`django/forms/widgets/select.html` with its `select_option.html` and `attrs.html`;
`core/tests/test_formrender.py` holds the two equal. A widget with its own templates goes
through Django's as before.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


class Renderer(DjangoTemplates):
    def render(self, template_name: str, context: Any, request: Any = None) -> str:
        if template_name == SELECT:
            html = select_html(context["widget"])
            if html is not None:
                return html
        return str(super().render(template_name, context, request))


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
    """`{{ value }}`: localised, then escaped unless safe."""
    value = localize(value)
    return str(conditional_escape(value if isinstance(value, str) else str(value)))
