"""Drop the index on the observations' import batch (see ``Observation.batch``).

Written by hand: the autodetector's AlterField would make SQLite copy the whole observations
table to drop one index.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "indicators_observation_batch_id_722f8bfa"


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0003_percentage_caps"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="observation",
                    name="batch",
                    field=models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="indicators.importbatch",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX}",
                    reverse_sql=f"CREATE INDEX {INDEX} ON indicators_observation (batch_id)",
                ),
            ],
        ),
    ]
