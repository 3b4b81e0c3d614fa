from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "gebiedskompas.web"
    verbose_name = "Web"
