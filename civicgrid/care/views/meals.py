"""Console and public pages of the care module: meals."""

from __future__ import annotations

from django.urls import URLPattern

console_urls: list[URLPattern] = []
public_urls: list[URLPattern] = []
