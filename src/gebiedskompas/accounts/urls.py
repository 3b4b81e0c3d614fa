from django.urls import path

from gebiedskompas.accounts import views

app_name = "accounts"
urlpatterns = [
    path("inloggen/", views.KompasLoginView.as_view(), name="login"),
    path("inloggen/code/", views.verify, name="verify"),
    path("uitloggen/", views.sign_out, name="logout"),
    path("account/tweestapsverificatie/", views.second_factor, name="second-factor"),
    path("geschiedenis/<slug:model>/<int:pk>/", views.object_history, name="history"),
]
