"""Sign-in with optional second factor, the second-factor set-up, sign-out and object history."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp import devices_for_user, match_token, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from gebiedskompas.accounts import history, oidc
from gebiedskompas.accounts.forms import CodeForm
from gebiedskompas.accounts.ratelimit import limit_posts


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


@method_decorator(limit_posts("login"), name="dispatch")
class KompasLoginView(LoginView):
    """Django's sign-in form; django-axes locks out after repeated failures. A user with a
    confirmed TOTP device goes on to the code page before any other page opens."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = False

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "oidc_enabled": oidc.is_enabled()}

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        if user_has_device(form.get_user(), confirmed=True):
            return redirect(f"/inloggen/code/?next={quote(self.get_success_url())}")
        return response


@require_http_methods(["GET", "HEAD", "POST"])
@limit_posts("otp")
def verify(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["otp_token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("otp_token", _("Deze code klopt niet of is verlopen."))
    return render(request, "accounts/verify.html", {"form": form, "next": _next(request)})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """Turn on TOTP: a new unconfirmed device shows its key; a correct code confirms it."""
    user = request.user
    confirmed = list(devices_for_user(user, confirmed=True))
    if confirmed:
        return render(request, "accounts/second_factor.html", {"enabled": True})
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp_token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, _("Tweestapsverificatie staat aan."))
            return redirect("accounts:second-factor")
        form.add_error("otp_token", _("Deze code klopt niet of is verlopen."))
    return render(
        request,
        "accounts/second_factor.html",
        {"enabled": False, "form": form, "secret": _base32(device), "uri": device.config_url},
    )


def _base32(device: TOTPDevice) -> str:
    from base64 import b32encode

    return b32encode(device.bin_key).decode("ascii")


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("/")


@require_safe
def object_history(request: HttpRequest, model: str, pk: int) -> HttpResponse:
    model_class = history.model_of(model)
    if model_class is None:
        raise Http404
    obj = model_class._default_manager.filter(pk=pk).first()
    if obj is None:
        raise Http404
    if not history.AUDITED[model].may_read(request.user, obj):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    return render(
        request,
        "accounts/history.html",
        {"object": obj, "model": model, "entries": history.entries(obj)},
    )
