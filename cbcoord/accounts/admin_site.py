"""The Django admin is the secretariat's back office: only secretariat users may enter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from cbcoord.accounts.permissions import is_secretariat


class CbcoordAdminSite(admin.AdminSite):
    site_header = _("cbcoord administration")
    site_title = "cbcoord"
    index_title = _("Secretariat back office")

    def has_permission(self, request: HttpRequest) -> bool:
        return is_secretariat(request.user)


class SecretariatAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    """Model admin open to the secretariat role (not only to Django superusers)."""

    # An address typed without a scheme is https, as Django 6 will assume (and as the site's
    # own forms already do).
    formfield_overrides: ClassVar[Mapping[type[models.Field[Any, Any]], Mapping[str, Any]]] = {
        models.URLField: {"assume_scheme": "https"}
    }

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_secretariat(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_secretariat(request.user)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_secretariat(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_secretariat(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_secretariat(request.user)


class SecretariatInline:
    """Mixin for an inline of a ``SecretariatAdmin``: the same role check, where Django's
    inlines ask for model permissions, which only superusers hold (the secretariat saw the
    parent's page without its rows)."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_secretariat(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_secretariat(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_secretariat(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_secretariat(request.user)
