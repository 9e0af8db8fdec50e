"""Pages of the people-who-serve module: wishes (filled in by its builder)."""

from django.urls import URLPattern

console_urls: list[URLPattern] = []
public_urls: list[URLPattern] = []
