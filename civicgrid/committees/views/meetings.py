"""Pages of joint meetings. Being written."""

from django.urls import URLPattern

console_urls: list[URLPattern] = []
