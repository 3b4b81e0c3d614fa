from django.apps import AppConfig


class AnalysisConfig(AppConfig):
    name = "gebiedskompas.analysis"
    label = "analysis"
    verbose_name = "Gebiedsanalyse"
    default_auto_field = "django.db.models.BigAutoField"
