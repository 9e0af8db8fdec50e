"""Pages of the people-who-serve module: members (filled in by its builder)."""

from django.urls import URLPattern

console_urls: list[URLPattern] = []
public_urls: list[URLPattern] = []
