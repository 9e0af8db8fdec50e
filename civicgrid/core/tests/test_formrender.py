"""The form renderer writes `<select>` in Python (issue 13): byte for byte what Django's
templates write, for any choices, groups, values and attributes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from civicgrid.core.formrender import Renderer, select_html

DJANGO = DjangoTemplates()
OURS = Renderer()

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
label = st.one_of(text, text.map(mark_safe), st.integers(-5000, 5000))
value = st.one_of(text, st.integers(-50, 5000))
choice = st.tuples(value, label)
group = st.tuples(text.filter(bool), st.lists(choice, min_size=1, max_size=4))
choices = st.lists(st.one_of(choice, group), max_size=8)
attrs = st.dictionaries(
    st.sampled_from(["class", "id", "data-x", "aria-label", "disabled", "required"]),
    st.one_of(st.booleans(), text, text.map(mark_safe), st.integers(0, 9)),
    max_size=4,
)


@hsettings(max_examples=300, deadline=None)
@given(
    choices=choices,
    attrs=attrs,
    selected=st.lists(value, max_size=3),
    multiple=st.booleans(),
    name=text,
)
def test_a_select_is_written_as_djangos_templates_write_it(
    choices: list[Any], attrs: dict[str, Any], selected: list[Any], multiple: bool, name: str
) -> None:
    widget_class = forms.SelectMultiple if multiple else forms.Select
    widget = widget_class(attrs=attrs, choices=choices)
    value = selected if multiple else (selected[0] if selected else None)
    assert widget.render(name, value, renderer=OURS) == widget.render(name, value, renderer=DJANGO)


def test_the_site_renders_forms_with_it() -> None:
    assert settings.FORM_RENDERER == "civicgrid.core.formrender.Renderer"
    assert isinstance(get_default_renderer(), Renderer)


def test_a_widget_with_its_own_option_template_goes_through_djangos() -> None:
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/radio_option.html"

    widget = Custom(choices=[("a", "A")])
    context = widget.get_context("x", "a", None)
    assert select_html(context["widget"]) is None
    assert widget.render("x", "a", renderer=OURS) == widget.render("x", "a", renderer=DJANGO)
