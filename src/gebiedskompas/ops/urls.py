from django.urls import path

from gebiedskompas.ops import views

app_name = "ops"
urlpatterns = [
    path("gezondheid/", views.health, name="health"),
    path("metrics", views.metrics_view, name="metrics"),
    path("beheer/bewaartermijnen/", views.retention_periods, name="retention"),
]
