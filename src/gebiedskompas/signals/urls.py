from django.urls import path

from gebiedskompas.signals import open311, views

app_name = "signals"
urlpatterns = [
    path("meldingen/nieuw/", views.signal_new, name="new"),
    path("open311/v2/services.<str:fmt>", open311.services_list, name="open311-services"),
    path(
        "open311/v2/services/<slug:code>.<str:fmt>",
        open311.service_definition,
        name="open311-service",
    ),
    path("open311/v2/requests.<str:fmt>", open311.requests_view, name="open311-requests"),
    path(
        "open311/v2/requests/<str:request_id>.<str:fmt>",
        open311.request_detail,
        name="open311-request",
    ),
]
