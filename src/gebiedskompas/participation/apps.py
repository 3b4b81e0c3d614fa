from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "gebiedskompas.participation"
    label = "participation"
    verbose_name = "Participatie"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from gebiedskompas.participation import retention

        retention.register()
