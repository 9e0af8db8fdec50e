"""Template fragments written once for everything they show, and found again (issue 13).

A need's console page carries five to seven small action forms; rendering them through the
template engine cost a third of the page. An unbound form's HTML is a function of its fields
(names, widgets, labels, choices, initial values), of what the caller names in `key` and of the
language, time zone and script prefix: `remembered` keeps it under all of those
(`core/remembered.py`), so a change to any of them writes it again and nothing goes stale.

The one thing that differs between requests is the CSRF token: the fragment is written with a
placeholder that no data can contain, and every use puts the request's own token in its place.
A bound form (sent back with its errors) is written for its request alone.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Hashable
from decimal import Decimal
from typing import Any

from django import forms
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from civicgrid.core.remembered import Remembered

# Random per process: neither a need's text nor anything a resident types can hold it.
TOKEN_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"

# A need's dispatch form with its area's staff is ~8 KB: at most ~10 MB a process.
FRAGMENTS: Remembered[Hashable, str] = Remembered(lambda _key: "", limit=1_000)


def placeholder(name: str) -> str:
    """A stand-in for a value filled in at each use (`remembered`'s `fill`): random per
    process, so that no data can hold it."""
    return f"{name}-{secrets.token_hex(16)}"


# What `fill` may put in place of a placeholder: text that neither an address nor HTML
# escapes, so that it reads the same wherever the template wrote the placeholder.
FILLABLE = re.compile(r"[A-Za-z0-9_-]*")


def remembered(
    request: Any,
    template_name: str,
    context: dict[str, Any],
    *,
    key: Hashable,
    fill: dict[str, str] | None = None,
) -> SafeString:
    """`template_name` rendered with `context` (no context processors, no request: only what
    `context` and `key` hold may change the output), remembered under `key` and the template,
    language, time zone and script prefix; with the request's CSRF token, and each
    placeholder of `fill` (written in `context` in place of its value) replaced by its value.

    A value of `fill` that is not plain letters, digits, "-" or "_" raises `Unremembered`:
    the caller renders the fragment with the value itself, for its request alone."""
    fill = fill or {}
    if not all(FILLABLE.fullmatch(value) for value in fill.values()):
        raise Unremembered("a value to fill in that an address or HTML would escape")
    full_key = (
        template_name,
        key,
        get_language(),
        timezone.get_current_timezone_name(),
        get_script_prefix(),
    )

    def write() -> str:
        return render_to_string(template_name, {**context, "csrf_token": TOKEN_PLACEHOLDER})

    html = FRAGMENTS(full_key, write).replace(TOKEN_PLACEHOLDER, get_token(request))
    for stand_in, value in fill.items():
        html = html.replace(stand_in, value)
    return mark_safe(html)  # noqa: S308  # rendered with autoescape; fills are plain


def form_html(
    request: Any,
    template_name: str,
    context: dict[str, Any],
    *,
    form: forms.Form,
    key: Hashable = (),
    fill: dict[str, str] | None = None,
    fresh: dict[str, Any] | None = None,
) -> SafeString:
    """A template showing `form`: remembered under the form's fingerprint and `key` when it
    can be (`remembered`), else rendered for this request with `fresh` (the context with the
    values `fill` would have filled in; `context` itself without a `fill`)."""
    try:
        return remembered(
            request, template_name, context, key=(key, form_fingerprint(form)), fill=fill
        )
    except Unremembered:
        return render_to_string(template_name, fresh or context, request=request)


def form_fingerprint(form: forms.Form) -> Hashable:
    """All an unbound form's rendering depends on, as a hashable value. A bound form has
    none (it carries what was sent and its errors), nor has a form whose fields hold
    something `_frozen` cannot stand in for: both raise `Unremembered`."""
    if form.is_bound:
        raise Unremembered("a bound form is written for its request alone")
    fields = []
    for name, field in form.fields.items():
        widget = field.widget
        fields.append(
            (
                name,
                _kind(field),
                _kind(widget),
                _frozen(widget.attrs),
                str(field.label),
                str(field.help_text),
                _frozen(form.get_initial_for_field(field, name)),
                field.required,
                field.disabled,
                _frozen(getattr(field, "choices", None)),
            )
        )
    return (_kind(form), form.prefix, form.auto_id, tuple(fields))


def _kind(value: Any) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


class Unremembered(Exception):
    """A value `_frozen` cannot stand in for faithfully: the form is written afresh."""


def _frozen(value: Any) -> Hashable:
    """A hashable stand-in for a value made of lists, tuples, dicts and plain values; lazy
    texts are written in the current language. Anything else (a queryset's choices, say) is
    refused rather than guessed at."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if value is None or isinstance(value, str | int | float | bool):
        # With its type: True, 1 and 1.0 are equal keys, but a text input writes them apart.
        return (type(value).__name__, value)
    if isinstance(value, Promise | dt.date | dt.time | Decimal):
        return (type(value).__name__, str(value))
    raise Unremembered(type(value).__name__)
