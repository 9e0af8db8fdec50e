"""Django's admin app with the project's site (adminsite.py): named in INSTALLED_APPS in place of
`django.contrib.admin`. Kept apart from the site because this module is imported before the
models are ready, and the site's login form needs them."""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class SuperuserAdminConfig(AdminConfig):
    default_site = "civicgrid.network.adminsite.SuperuserAdminSite"
