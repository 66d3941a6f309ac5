"""The signed-in user's own API tokens: create (shown once), list, revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cbcoord.accounts.models import ApiToken, User
from cbcoord.accounts.services import api_token_create, api_token_revoke, login_lockout_lift
from cbcoord.accounts.services import login_lockouts as services_lockouts
from cbcoord.core.errors import ServiceError


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # login_required
    new_token = None
    error = None
    if request.method == "POST":
        days = request.POST.get("days", "")
        try:
            _token, new_token = api_token_create(
                user=user,
                owner=user,
                name=request.POST.get("name", ""),
                valid_days=int(days) if days.isdigit() else None,
            )
        except ServiceError as failure:
            error = failure.message
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at")
    response = render(
        request,
        "accounts/api_tokens.html",
        {"tokens": tokens, "new_token": new_token, "error": error},
    )
    # The page may show a token in clear: no browser or proxy may keep a copy.
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, " + response["Cache-Control"]
    return response


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(user=request.user, token=token)
    messages.success(request, _("Token revoked."))
    return redirect("api-tokens")


@login_required
@require_http_methods(["GET", "POST"])
def login_lockouts(request: HttpRequest) -> HttpResponse:
    """The secretariat lifts paused logins (too many wrong passwords)."""
    if request.method == "POST":
        try:
            login_lockout_lift(user=request.user, attempt_id=int(request.POST.get("attempt", 0)))
        except (ServiceError, ValueError) as error:
            messages.error(request, str(getattr(error, "message", error)))
        else:
            messages.success(request, _("The login may be tried again."))
        return redirect("login-lockouts")
    return render(
        request, "accounts/lockouts.html", {"attempts": services_lockouts(user=request.user)}
    )
