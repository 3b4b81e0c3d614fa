from django.urls import path

from gebiedskompas.participation import views

app_name = "participation"
urlpatterns = [
    path("buurtbegroting/", views.rounds, name="rounds"),
    path("buurtbegroting/<int:round_id>/", views.round_detail, name="round"),
    path("buurtbegroting/<int:round_id>/idee/", views.idea_new, name="idea-new"),
    path("buurtbegroting/<int:round_id>/stemmen/", views.vote, name="vote"),
    path("buurtbegroting/<int:round_id>/stemmen/email/", views.vote_email, name="vote-email"),
    path("buurtbegroting/<int:round_id>/stemmen/inlog/", views.vote_login, name="vote-login"),
    path(
        "buurtbegroting/<int:round_id>/stemmen/email/<str:token>/",
        views.vote_email_link,
        name="vote-email-link",
    ),
    path("buurtbegroting/<int:round_id>/uitslag/", views.results, name="results"),
    path("initiatieven/nieuw/", views.initiative_new, name="initiative-new"),
    path("initiatieven/status/<str:token>/", views.initiative_status, name="initiative-status"),
    path("beheer/buurtbegroting/<int:round_id>/", views.manage_round, name="manage-round"),
    path("beheer/initiatieven/", views.initiatives, name="initiatives"),
    path(
        "beheer/initiatieven/<int:initiative_id>/",
        views.initiative_detail,
        name="initiative",
    ),
    path(
        "beheer/initiatieven/<int:initiative_id>/foto/",
        views.initiative_photo,
        name="initiative-photo",
    ),
]
