"""Pages of the assessment. Being written."""

from django.urls import URLPattern

console_urls: list[URLPattern] = []
