from django.urls import path

from gebiedskompas.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("zoeken", views.search, name="search"),
    path("gebieden/<str:code>/", views.area_detail, name="area"),
    path("gebieden/<str:code>/kaart.geojson", views.area_geojson, name="area-geojson"),
]
