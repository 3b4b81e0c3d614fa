from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "gebiedskompas.areas"
    verbose_name = "Gebieden"
