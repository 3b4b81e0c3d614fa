from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "gebiedskompas.areas"
    verbose_name = "Gebieden"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from gebiedskompas.areas import versioning

        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(versioning.on_model_change, dispatch_uid=f"kompas-version-{signal!r}")
