from django.urls import path

from gebiedskompas.web import open_data, views

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
    path("open-data/", open_data.open_data, name="open-data"),
    path("open-data/<str:code>.<str:fmt>", open_data.open_data_download, name="open-data-download"),
]
