"""Template filters of the people-who-serve pages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from civicgrid.network.models import Node, node_label

register = template.Library()


@register.filter
def place(node: Node | None) -> str:
    """A node's name in the page's language (its Chinese name when it has none)."""
    return node_label(node) if isinstance(node, Node) else ""


@register.filter
def label(record: Any) -> str:
    """A team's or activity's name in the page's language."""
    return str(getattr(record, "label", record) or "")


@register.filter
def amount(value: Any) -> str:
    """Points and hours as people write them: 11, 2.5, 0.25 (never 11.00)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
