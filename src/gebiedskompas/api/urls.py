"""API v1 routes: Dutch plural resources, no trailing slashes (API Design Rules)."""

from django.urls import path, re_path

from gebiedskompas.api import cycle_views, views

app_name = "api"
urlpatterns = [
    path("gebieden", views.GebiedList.as_view(), name="gebieden"),
    path("gebieden/<str:code>", views.GebiedDetail.as_view(), name="gebied"),
    path("indicatoren", views.IndicatorList.as_view(), name="indicatoren"),
    path("indicatoren/<str:key>", views.IndicatorDetail.as_view(), name="indicator"),
    path("waarnemingen", views.WaarnemingList.as_view(), name="waarnemingen"),
    path("analyses", views.AnalyseList.as_view(), name="analyses"),
    path("analyses/<int:run_id>", views.AnalyseDetail.as_view(), name="analyse"),
    path("gebiedsagendas", cycle_views.GebiedsagendaList.as_view(), name="gebiedsagendas"),
    path(
        "gebiedsagendas/<int:agenda_id>",
        cycle_views.GebiedsagendaDetail.as_view(),
        name="gebiedsagenda",
    ),
    path(
        "gebiedsagendas/<int:agenda_id>/speerpunten",
        cycle_views.SpeerpuntList.as_view(),
        name="speerpunten",
    ),
    path("gebiedsplannen", cycle_views.GebiedsplanList.as_view(), name="gebiedsplannen"),
    path(
        "gebiedsplannen/<int:plan_id>", cycle_views.GebiedsplanDetail.as_view(), name="gebiedsplan"
    ),
    path("acties", cycle_views.ActieList.as_view(), name="acties"),
    path("acties/<int:action_id>", cycle_views.ActieDetail.as_view(), name="actie"),
    path("activiteiten", cycle_views.ActiviteitList.as_view(), name="activiteiten"),
    path(
        "activiteiten/<int:activity_id>", cycle_views.ActiviteitDetail.as_view(), name="activiteit"
    ),
    path("koppelkansen", cycle_views.KoppelkansList.as_view(), name="koppelkansen"),
    path(
        "koppelkansen/<int:coupling_id>", cycle_views.KoppelkansDetail.as_view(), name="koppelkans"
    ),
    path("knelpunten", cycle_views.KnelpuntList.as_view(), name="knelpunten"),
    path("knelpunten/<int:barrier_id>", cycle_views.KnelpuntDetail.as_view(), name="knelpunt"),
    path("openapi.json", views.OpenApiView.as_view(), name="openapi"),
    path("docs", views.DocsView.as_view(), name="docs"),
    re_path(r"^(?P<rest>.*)$", views.unknown, name="unknown"),
]
