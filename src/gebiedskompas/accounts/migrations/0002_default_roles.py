"""Seed the default roles (accounts/roles.py); roles already present keep their actions."""

from django.db import migrations


def seed(apps, schema_editor):
    from gebiedskompas.accounts.roles import DEFAULT_ROLES

    Role = apps.get_model("accounts", "Role")
    for spec in DEFAULT_ROLES.values():
        Role.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "description": spec.description,
                "permissions": sorted(spec.actions),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
