from django.urls import path

from gebiedskompas.analysis import views

app_name = "analysis"
urlpatterns = [
    path("", views.start, name="start"),
    path("runs/", views.run_list, name="runs"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("runs/<int:run_id>/kaart.geojson", views.run_geojson, name="run-geojson"),
    path("runs/<int:run_id>/gebieden/<str:code>/", views.why, name="why"),
    path("signalen/", views.early_warning, name="early-warning"),
]
