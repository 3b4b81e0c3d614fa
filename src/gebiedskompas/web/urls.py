from django.urls import path

from gebiedskompas.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("gebieden/<str:code>/", views.area_detail, name="area"),
]
