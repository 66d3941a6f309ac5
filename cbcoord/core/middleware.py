"""Middleware of cbcoord's own."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect


class HtmxLoginRedirectMiddleware:
    """An htmx request whose session has ended is redirected to the login page as a whole page.

    The browser follows a plain redirect inside the htmx request, and htmx would then swap a
    part of the login page (nothing, for ``hx-select``) into the page: a report that follows an
    import would go blank. Answered with htmx's own redirect header instead, the browser goes to
    the login page, which comes back here afterwards.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            getattr(request, "htmx", False)
            and response.status_code in (301, 302)
            and response.get("Location", "").split("?", 1)[0] == resolve_url(settings.LOGIN_URL)
        ):
            return HttpResponseClientRedirect(response["Location"])
        return response
