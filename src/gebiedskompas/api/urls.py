"""API v1 routes: Dutch plural resources, no trailing slashes (API Design Rules)."""

from django.urls import path, re_path

from gebiedskompas.api import views

app_name = "api"
urlpatterns = [
    path("gebieden", views.GebiedList.as_view(), name="gebieden"),
    path("gebieden/<str:code>", views.GebiedDetail.as_view(), name="gebied"),
    path("indicatoren", views.IndicatorList.as_view(), name="indicatoren"),
    path("indicatoren/<str:key>", views.IndicatorDetail.as_view(), name="indicator"),
    path("waarnemingen", views.WaarnemingList.as_view(), name="waarnemingen"),
    path("analyses", views.AnalyseList.as_view(), name="analyses"),
    path("analyses/<int:run_id>", views.AnalyseDetail.as_view(), name="analyse"),
    path("openapi.json", views.OpenApiView.as_view(), name="openapi"),
    path("docs", views.DocsView.as_view(), name="docs"),
    re_path(r"^(?P<rest>.*)$", views.unknown, name="unknown"),
]
