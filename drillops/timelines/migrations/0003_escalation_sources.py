"""One escalation per event, step and target: escalation injects list the department copies they
speak for (InjectSource); steps count from 1 and may give the escalation its own deadline.

Existing rows: step positions move from 0-based to 1-based (through +1000 so that the unique
(inject, position) holds row by row); every existing escalation gets its source as its one
InjectSource, joined when it was delivered; and its level becomes the position of the step that
made it (its timeline entry names the step and the injects it made)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('departments', '0001_initial'),
        ('scenarios', '0001_initial'),
        ('timelines', '0002_inject_fewer_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='InjectSource',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('joined_at', models.DateTimeField(verbose_name='joined at')),
            ],
            options={
                'verbose_name': 'escalation source',
                'verbose_name_plural': 'escalation sources',
                'ordering': ['inject', 'joined_at', 'id'],
            },
        ),
        migrations.AddField(
            model_name='escalationstep',
            name='response_deadline_seconds',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="escalation's response deadline (seconds)"),
        ),
        migrations.AlterField(
            model_name='escalationstep',
            name='position',
            field=models.PositiveSmallIntegerField(help_text='1 for the first step of the ladder.', verbose_name='position'),
        ),
        migrations.RunSQL(
            sql=[
                "UPDATE timelines_escalationstep SET position = position + 1000",
                "UPDATE timelines_escalationstep SET position = position - 999",
                # The updates queued deferred foreign-key checks; ALTER TABLE below refuses to run
                # while any are pending, so check them now.
                "SET CONSTRAINTS ALL IMMEDIATE",
                "SET CONSTRAINTS ALL DEFERRED",
            ],
            reverse_sql=[
                "UPDATE timelines_escalationstep SET position = position + 1000",
                "UPDATE timelines_escalationstep SET position = position - 1001",
                "SET CONSTRAINTS ALL IMMEDIATE",
                "SET CONSTRAINTS ALL DEFERRED",
            ],
        ),
        migrations.AddIndex(
            model_name='inject',
            index=models.Index(condition=models.Q(('cause', 'escalation')), fields=['drill', 'event', 'escalation_level', 'department'], name='inject_escalation_key'),
        ),
        migrations.AddConstraint(
            model_name='escalationstep',
            constraint=models.CheckConstraint(condition=models.Q(('position__gte', 1)), name='escalation_step_position_from_one'),
        ),
        migrations.AddField(
            model_name='injectsource',
            name='inject',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='source_links', to='timelines.inject', verbose_name='escalation inject'),
        ),
        migrations.AddField(
            model_name='injectsource',
            name='source',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='escalation_links', to='timelines.inject', verbose_name='source'),
        ),
        migrations.AddConstraint(
            model_name='injectsource',
            constraint=models.UniqueConstraint(fields=('inject', 'source'), name='inject_source_unique'),
        ),
        migrations.RunSQL(
            sql=[
                """INSERT INTO timelines_injectsource (inject_id, source_id, joined_at)
                   SELECT id, source_id, COALESCE(delivered_at, created_at) FROM timelines_inject
                   WHERE cause = 'escalation' AND source_id IS NOT NULL""",
                """UPDATE timelines_inject i SET escalation_level = (e.data->>'step')::int + 1
                   FROM timelines_timelineentry e, jsonb_array_elements_text(e.data->'injects') made(id)
                   WHERE e.kind = 'escalation' AND jsonb_typeof(e.data->'injects') = 'array'
                     AND jsonb_typeof(e.data->'step') = 'number'
                     AND i.cause = 'escalation' AND i.id = made.id::bigint""",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
