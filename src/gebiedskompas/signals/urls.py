from django.urls import path

from gebiedskompas.signals import open311, views

app_name = "signals"
urlpatterns = [
    path("meldingen/nieuw/", views.signal_new, name="new"),
    path("meldingen/categorie-voorstel/", views.suggest, name="suggest"),
    path("meldingen/", views.work_list, name="work-list"),
    path("meldingen/aannemen/", views.staff_intake, name="intake"),
    path("meldingen/<str:reference>/", views.signal_detail, name="detail"),
    path("meldingen/<str:reference>/status/", views.signal_status, name="status"),
    path("meldingen/<str:reference>/notitie/", views.signal_note, name="note"),
    path("meldingen/<str:reference>/toewijzen/", views.signal_assign, name="assign"),
    path("meldingen/<str:reference>/splitsen/", views.signal_split, name="split"),
    path("meldingen/<str:reference>/samenvoegen/", views.signal_merge, name="merge"),
    path("meldingen/<str:reference>/foto/", views.signal_photo, name="photo"),
    path("meldingen/<str:reference>/foto/bekijken/", views.signal_photo_file, name="photo-file"),
    path("gebieden/<str:code>/meldingen/", views.area_map, name="area-map"),
    path("gebieden/<str:code>/meldingen.geojson", views.area_points, name="area-points"),
    path("open311/v2/discovery.<str:fmt>", open311.discovery, name="open311-discovery"),
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
