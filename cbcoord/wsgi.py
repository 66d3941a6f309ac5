"""WSGI entry point for production servers (e.g. gunicorn cbcoord.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbcoord.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402
from django.core.exceptions import ImproperlyConfigured  # noqa: E402

from cbcoord.core.startup import freeze_what_is_loaded  # noqa: E402

if getattr(settings, "SECRET_KEY_IS_EPHEMERAL", False):
    raise ImproperlyConfigured("SECRET_KEY must be set to serve cbcoord with DEBUG off.")


freeze_what_is_loaded()
