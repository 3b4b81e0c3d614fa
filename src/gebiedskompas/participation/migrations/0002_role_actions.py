"""Give the default roles the participation actions.

Roles already in the database keep their other actions; only these are added where the default
role has them, so an installation's own edits survive.
"""

from django.db import migrations

ADDED = {
    "operator": ["participate", "manage_budget_round", "assess_initiative"],
    "beheerder": ["participate", "manage_budget_round", "assess_initiative"],
    "analist": ["participate"],
    "gebiedsmanager": ["participate", "manage_budget_round", "assess_initiative"],
    "gebiedsverbinder": ["participate", "manage_budget_round", "assess_initiative"],
    "afdeling": ["participate"],
    "partner": ["participate"],
    "wethouder": ["participate"],
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
    dependencies = [("participation", "0001_initial"), ("accounts", "0003_signal_actions")]
    operations = [migrations.RunPython(add, remove)]
