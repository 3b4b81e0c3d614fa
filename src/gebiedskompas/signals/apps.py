from django.apps import AppConfig


class SignalsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "gebiedskompas.signals"
    label = "signals"
    verbose_name = "Meldingen"

    def ready(self) -> None:
        from gebiedskompas.signals import retention

        retention.register()
