from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "gebiedskompas.api"
    label = "api"
    verbose_name = "API"
