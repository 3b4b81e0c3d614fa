from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "gebiedskompas.indicators"
    verbose_name = "Indicatoren"
