"""The form renderer writes selects, inputs, text areas and labels in Python (issue 13): byte
for byte what Django's templates write, for any choices, groups, values and attributes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from civicgrid.core.formrender import DJANGOS_OWN, Renderer, select_html

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


INPUTS = [
    forms.TextInput,
    forms.NumberInput,
    forms.EmailInput,
    forms.URLInput,
    forms.PasswordInput,
    forms.HiddenInput,
    forms.DateInput,
    forms.DateTimeInput,
    forms.TimeInput,
    forms.CheckboxInput,
    forms.Textarea,
]
moment = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 1, 1), timezones=st.just(dt.UTC)
)
input_value = st.one_of(st.none(), text, text.map(mark_safe), st.integers(), st.booleans(), moment)


@hsettings(max_examples=400, deadline=None)
@given(widget_class=st.sampled_from(INPUTS), attrs=attrs, value=input_value, name=text)
def test_an_input_or_text_area_is_written_as_djangos_templates_write_it(
    widget_class: type[forms.Widget], attrs: dict[str, Any], value: Any, name: str
) -> None:
    widget = widget_class(attrs=attrs)
    assert widget.render(name, value, renderer=OURS) == widget.render(name, value, renderer=DJANGO)


@hsettings(max_examples=300, deadline=None)
@given(
    label=st.one_of(text, text.map(mark_safe)),
    suffix=st.one_of(st.none(), text),
    attrs=st.one_of(st.none(), st.dictionaries(st.sampled_from(["class", "for", "data-x"]), text)),
    auto_id=st.sampled_from(["id_%s", "", "f-%s"]),
    required=st.booleans(),
    tag=st.sampled_from([None, "legend", "span"]),
)
def test_a_label_is_written_as_djangos_template_writes_it(
    label: str,
    suffix: str | None,
    attrs: dict[str, Any] | None,
    auto_id: str,
    required: bool,
    tag: str | None,
) -> None:
    class Form(forms.Form):
        required_css_class = "needed"
        field = forms.CharField(label=label, required=required)

    ours = Form(auto_id=auto_id, renderer=OURS)["field"]
    theirs = Form(auto_id=auto_id, renderer=DJANGO)["field"]
    assert ours.label_tag(attrs=attrs, label_suffix=suffix, tag=tag) == theirs.label_tag(
        attrs=attrs, label_suffix=suffix, tag=tag
    )
    assert ours.label_tag("<b>x</b>") == theirs.label_tag("<b>x</b>")


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


def test_an_app_that_overrides_a_widget_template_gets_its_own(tmp_path: Path) -> None:
    """The Python writers stand aside when an app overrides a template they stand in for (or
    one it includes), instead of passing over it silently."""
    override = tmp_path / "django" / "forms" / "widgets" / "attrs.html"
    override.parent.mkdir(parents=True)
    override.write_text(
        "{% for name, value in widget.attrs.items %} data-app-{{ name }}{% endfor %}"
    )

    class Overridden(Renderer):
        @cached_property
        def engine(self) -> Any:
            return self.backend(
                {"APP_DIRS": True, "DIRS": [tmp_path, DJANGOS_OWN], "NAME": "t", "OPTIONS": {}}
            )

    widget = forms.TextInput(attrs={"class": "x"})
    assert OURS.writes_in_python
    assert not Overridden().writes_in_python
    assert "data-app-class" in widget.render("q", "v", renderer=Overridden())
    assert "data-app-class" not in widget.render("q", "v", renderer=OURS)
