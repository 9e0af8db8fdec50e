"""Placeholder: filled in by this module's pages."""

from django.urls import URLPattern

console_urls: list[URLPattern] = []
public_urls: list[URLPattern] = []
