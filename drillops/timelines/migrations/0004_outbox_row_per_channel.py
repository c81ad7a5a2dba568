# One outbox row per inject (or notice) and channel, claimed by compare-and-swap, retried alone.

import django.db.models.deletion
import django.db.models.functions.datetime
from django.db import migrations, models

# Rows of the old shape become rows of the new one: a `deliveries` row (one claim, many injects)
# becomes a row per inject and channel; a channel without a recipient is a no-op when it runs.
# Done rows stay done; rows whose drill is gone are dropped.
FORWARD = """
DELETE FROM timelines_outbox o
WHERE NOT EXISTS (SELECT 1 FROM timelines_drill d WHERE d.id = (o.payload->>'drill')::bigint);

INSERT INTO timelines_outbox (topic, channel, drill_id, payload, idempotency_key, attempts, last_error, created_at)
SELECT 'inject', c.channel, (o.payload->>'drill')::bigint, jsonb_build_object('inject', i.value::bigint),
       'inject:' || i.value || ':' || c.channel, 0, o.last_error, o.created_at
FROM timelines_outbox o
CROSS JOIN LATERAL jsonb_array_elements_text(o.payload->'injects') AS i(value)
CROSS JOIN (VALUES ('inapp'), ('email'), ('webhook')) AS c(channel)
WHERE o.topic = 'deliveries' AND o.done_at IS NULL
  AND EXISTS (SELECT 1 FROM timelines_inject j WHERE j.id = i.value::bigint)
ON CONFLICT (idempotency_key) DO NOTHING;

INSERT INTO timelines_outbox (topic, channel, drill_id, payload, idempotency_key, attempts, last_error, created_at)
SELECT o.topic, c.channel, (o.payload->>'drill')::bigint, o.payload, o.idempotency_key || ':' || c.channel,
       0, o.last_error, o.created_at
FROM timelines_outbox o CROSS JOIN (VALUES ('inapp'), ('email')) AS c(channel)
WHERE o.topic = 'escalation_role' AND o.done_at IS NULL
ON CONFLICT (idempotency_key) DO NOTHING;

DELETE FROM timelines_outbox WHERE channel = '' AND done_at IS NULL;
UPDATE timelines_outbox SET channel = 'inapp', state = 'done', drill_id = (payload->>'drill')::bigint,
    topic = CASE WHEN topic = 'deliveries' THEN 'inject' ELSE topic END
WHERE channel = '';
"""


class Migration(migrations.Migration):

    dependencies = [
        ('timelines', '0003_escalation_sources'),
    ]

    operations = [
        migrations.RemoveIndex(model_name='outbox', name='outbox_not_done'),
        migrations.AddField(
            model_name='outbox',
            name='channel',
            field=models.CharField(choices=[('inapp', 'In-app notification'), ('email', 'E-mail'), ('webhook', 'Webhook')], default='', max_length=16, verbose_name='channel'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='outbox',
            name='state',
            field=models.CharField(choices=[('pending', 'Pending'), ('done', 'Done'), ('failed', 'Failed (given up)'), ('dismissed', 'Dismissed')], db_default='pending', max_length=16, verbose_name='state'),
        ),
        migrations.AddField(
            model_name='outbox',
            name='drill',
            field=models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='timelines.drill', verbose_name='drill'),
        ),
        migrations.AddField(
            model_name='outbox',
            name='next_attempt_at',
            field=models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), verbose_name='next attempt at'),
        ),
        migrations.AddField(
            model_name='outbox',
            name='claimed_until',
            field=models.DateTimeField(blank=True, null=True, verbose_name='claimed until'),
        ),
        migrations.AlterField(
            model_name='outbox',
            name='created_at',
            field=models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), verbose_name='created at'),
        ),
        migrations.AlterField(
            model_name='outbox',
            name='enqueued_at',
            field=models.DateTimeField(blank=True, db_default=django.db.models.functions.datetime.Now(), null=True, verbose_name='enqueued at'),
        ),
        migrations.AlterField(
            model_name='outbox',
            name='topic',
            field=models.CharField(choices=[('inject', 'Inject delivered'), ('escalation_role', 'Escalation to a role')], max_length=64, verbose_name='topic'),
        ),
        migrations.RunSQL(FORWARD, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name='outbox',
            name='drill',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='timelines.drill', verbose_name='drill'),
        ),
        migrations.AlterField(
            model_name='outbox',
            name='idempotency_key',
            field=models.CharField(max_length=120, verbose_name='idempotency key'),
        ),
        migrations.AddConstraint(
            model_name='outbox',
            constraint=models.UniqueConstraint(fields=('idempotency_key',), name='outbox_idempotency_key_unique'),
        ),
        migrations.AddIndex(
            model_name='outbox',
            index=models.Index(condition=models.Q(('state', 'pending')), fields=['next_attempt_at'], name='outbox_pending'),
        ),
        migrations.AddIndex(
            model_name='outbox',
            index=models.Index(condition=models.Q(('state', 'failed')), fields=['drill'], name='outbox_failed'),
        ),
        migrations.AddConstraint(
            model_name='outbox',
            constraint=models.CheckConstraint(condition=models.Q(('state__in', ['pending', 'done', 'failed', 'dismissed'])), name='outbox_state_valid'),
        ),
        migrations.AddConstraint(
            model_name='outbox',
            constraint=models.CheckConstraint(condition=models.Q(('channel__in', ['inapp', 'email', 'webhook'])), name='outbox_channel_valid'),
        ),
    ]
