"""Give the default roles the signal actions (handle_signal, view_reporter).

Roles already in the database keep their other actions; only these two are added where the
default role has them, so an installation's own edits survive.
"""

from django.db import migrations

ADDED = {
    "operator": ["handle_signal", "view_reporter"],
    "beheerder": ["handle_signal", "view_reporter"],
    "gebiedsmanager": ["handle_signal"],
    "gebiedsverbinder": ["handle_signal", "view_reporter"],
    "afdeling": ["handle_signal", "view_reporter"],
}


def add(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for code, actions in ADDED.items():
        for role in Role.objects.filter(code=code):
            role.permissions = sorted(set(role.permissions or []) | set(actions))
            role.save(update_fields=["permissions"])


def remove(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for code, actions in ADDED.items():
        for role in Role.objects.filter(code=code):
            role.permissions = sorted(set(role.permissions or []) - set(actions))
            role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_default_roles")]
    operations = [migrations.RunPython(add, remove)]
