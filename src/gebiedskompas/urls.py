from django.contrib import admin
from django.urls import include, path

from gebiedskompas.accounts import oidc

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("gebiedskompas.api.urls")),
    # Single sign-on; both answer 404 unless single sign-on is configured.
    path(
        "oidc/authenticate/",
        oidc.AuthenticateView.as_view(),
        name="oidc_authentication_init",
    ),
    path("oidc/callback/", oidc.CallbackView.as_view(), name="oidc_authentication_callback"),
    path("", include("gebiedskompas.accounts.urls")),
    path("analyse/", include("gebiedskompas.analysis.urls")),
    path("beheer/", include("gebiedskompas.indicators.urls")),
    path("", include("gebiedskompas.signals.urls")),
    path("", include("gebiedskompas.ops.urls")),
    path("", include("gebiedskompas.participation.urls")),
    path("", include("gebiedskompas.web.urls")),
]
