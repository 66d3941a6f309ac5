"""Swaps in the secretariat-only admin site (kept apart: it is imported before models load)."""

from django.contrib.admin.apps import AdminConfig


class CbcoordAdminConfig(AdminConfig):
    default_site = "cbcoord.accounts.admin_site.CbcoordAdminSite"
