from django.apps import AppConfig


class OpsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "gebiedskompas.ops"
    label = "ops"
    verbose_name = "Beheer en bedrijfsvoering"
