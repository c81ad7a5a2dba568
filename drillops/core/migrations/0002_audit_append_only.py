from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# The audit trail is append-only at the database level too: an UPDATE may only clear the actor
# (when a user is deleted), and no row may be deleted. TRUNCATE (test teardown) is not a row event.
FORBID = """
CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit entries are append-only';
    END IF;
    IF (NEW.id, NEW.at, NEW.organisation_id, NEW.drill_id, NEW.action, NEW.object_type, NEW.object_id, NEW.data)
       IS DISTINCT FROM
       (OLD.id, OLD.at, OLD.organisation_id, OLD.drill_id, OLD.action, OLD.object_type, OLD.object_id, OLD.data)
       OR NEW.actor_id IS NOT NULL AND NEW.actor_id IS DISTINCT FROM OLD.actor_id THEN
        RAISE EXCEPTION 'audit entries are append-only';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditentry_append_only
    BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only();
"""
ALLOW = """
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP FUNCTION IF EXISTS core_auditentry_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunSQL(FORBID, ALLOW),
    ]
