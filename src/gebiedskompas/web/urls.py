from django.urls import path

from gebiedskompas.web import cycle_views, open_data, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("zoeken", views.search, name="search"),
    path("gebieden/<str:code>/", views.area_detail, name="area"),
    path("gebieden/<str:code>/kaart.geojson", views.area_geojson, name="area-geojson"),
    path("gebieden/<str:code>/kaart.<str:fmt>", views.area_map_image, name="area-map"),
    path("gebieden/<str:code>/wijkfoto.pdf", views.area_pdf, name="area-pdf"),
    path("gebieden/<str:code>/trend/<slug:key>/", views.trend, name="trend"),
    path("gebieden/<str:code>/trend/<slug:key>.<str:fmt>", views.trend_image, name="trend-image"),
    path("gebieden/<str:code>/verhalen/", views.area_stories, name="area-stories"),
    path("gebieden/<str:code>/verhalen/nieuw/", views.story_new, name="story-new"),
    path("vergelijk/", views.compare, name="compare"),
    path("ranglijst/", views.ranking_view, name="ranking"),
    path("ranglijst/kaart.geojson", views.ranking_geojson, name="ranking-geojson"),
    path("ranglijst/grafiek.<str:fmt>", views.ranking_image, name="ranking-image"),
    path("verhalen/beoordelen/", views.moderation, name="moderation"),
    # the gebiedscyclus
    path("gebieden/<str:code>/agenda/", cycle_views.area_agenda, name="area-agenda"),
    path(
        "gebieden/<str:code>/agenda/<int:agenda_id>/status",
        cycle_views.agenda_status,
        name="agenda-status",
    ),
    path(
        "gebieden/<str:code>/agenda/<int:agenda_id>/documenten/",
        cycle_views.agenda_documents,
        name="agenda-documents",
    ),
    path(
        "gebieden/<str:code>/agenda/<int:agenda_id>/documenten/<int:document_id>",
        cycle_views.agenda_document,
        name="agenda-document",
    ),
    path("gebieden/<str:code>/plan/", cycle_views.area_plan, name="area-plan"),
    path("gebieden/<str:code>/acties/<int:action_id>/", cycle_views.action_detail, name="action"),
    path("gebieden/<str:code>/activiteiten/", cycle_views.area_activities, name="area-activities"),
    path(
        "gebieden/<str:code>/activiteiten.geojson",
        cycle_views.area_activities_geojson,
        name="area-activities-geojson",
    ),
    path("gebieden/<str:code>/koppelkansen/", cycle_views.area_couplings, name="area-couplings"),
    path("gebieden/<str:code>/knelpunten/", cycle_views.area_barriers, name="area-barriers"),
    path("knelpunten/terugkerend/", cycle_views.recurring_barriers, name="recurring-barriers"),
    path("budgetten/", cycle_views.budgets, name="budgets"),
    path("voortgang/", cycle_views.progress_report, name="progress"),
    path("voortgang.pdf", cycle_views.progress_report_pdf, name="progress-pdf"),
    path("mijn-werk/", cycle_views.my_work, name="my-work"),
    path("open-data/", open_data.open_data, name="open-data"),
    path("open-data/<str:code>.<str:fmt>", open_data.open_data_download, name="open-data-download"),
]
