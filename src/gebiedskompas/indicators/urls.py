from django.urls import path

from gebiedskompas.indicators import views

app_name = "indicators"
urlpatterns = [
    path("inlezen/", views.upload, name="upload"),
]
