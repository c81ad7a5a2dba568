from django.db import migrations

# An approved (or archived) scenario version is immutable at the database level, whatever door
# a change comes through (admin, shell, a future bug): drills pin it, reports point into it and
# the dispatcher keeps its escalation ladders in memory. Rows of such a version are refused
# UPDATE and DELETE (new rows are the services' to refuse); its status only moves from approved
# to archived. Deleting a whole scenario (scenarios.services.scenario_delete, which refuses one
# that has drills) names itself in the transaction-local setting drillops.deleting_scenario.
# Status values are the VersionStatus values at the time of writing, frozen as a migration must be.
FORBID = """
CREATE OR REPLACE FUNCTION scenarios_version_frozen(version bigint) RETURNS boolean AS $$
    SELECT EXISTS (
        SELECT 1 FROM scenarios_scenarioversion v
        WHERE v.id = version AND v.status IN ('approved', 'archived')
          AND v.scenario_id::text IS DISTINCT FROM current_setting('drillops.deleting_scenario', true)
    )
$$ LANGUAGE sql STABLE;

-- TG_ARGV[0] names the column that leads from the row to its version.
CREATE OR REPLACE FUNCTION scenarios_refuse_frozen_row() RETURNS trigger AS $$
DECLARE
    rows jsonb[] := ARRAY[to_jsonb(OLD)];
    r jsonb;
    version bigint;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        rows := rows || to_jsonb(NEW);  -- nor may a row move into a frozen version
    END IF;
    FOREACH r IN ARRAY rows LOOP
        version := CASE TG_ARGV[0]
            WHEN 'version_id' THEN (r ->> 'version_id')::bigint
            WHEN 'objective_id' THEN
                (SELECT o.version_id FROM scenarios_objective o WHERE o.id = (r ->> 'objective_id')::bigint)
            ELSE (SELECT e.version_id FROM scenarios_scenarioevent e WHERE e.id = (r ->> TG_ARGV[0])::bigint)
        END;
        IF scenarios_version_frozen(version) THEN
            RAISE EXCEPTION 'scenario version % is approved or archived: % of % refused', version, TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'restrict_violation';
        END IF;
    END LOOP;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION scenarios_version_refuse_change() RETURNS trigger AS $$
BEGIN
    IF OLD.status NOT IN ('approved', 'archived')
       OR OLD.scenario_id::text IS NOT DISTINCT FROM current_setting('drillops.deleting_scenario', true) THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE'
       OR NOT (NEW.status = OLD.status OR (OLD.status = 'approved' AND NEW.status = 'archived'))
       OR (NEW.scenario_id, NEW.number, NEW.notes, NEW.approved_at)
          IS DISTINCT FROM (OLD.scenario_id, OLD.number, OLD.notes, OLD.approved_at)
       -- the approver may only be cleared, when that user is deleted
       OR NEW.approved_by_id IS NOT NULL AND NEW.approved_by_id IS DISTINCT FROM OLD.approved_by_id THEN
        RAISE EXCEPTION 'scenario version % is %: % refused', OLD.id, OLD.status, TG_OP
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER scenarios_version_immutable BEFORE UPDATE OR DELETE ON scenarios_scenarioversion
    FOR EACH ROW EXECUTE FUNCTION scenarios_version_refuse_change();
CREATE TRIGGER scenarios_event_frozen BEFORE UPDATE OR DELETE ON scenarios_scenarioevent
    FOR EACH ROW EXECUTE FUNCTION scenarios_refuse_frozen_row('version_id');
CREATE TRIGGER scenarios_objective_frozen BEFORE UPDATE OR DELETE ON scenarios_objective
    FOR EACH ROW EXECUTE FUNCTION scenarios_refuse_frozen_row('version_id');
CREATE TRIGGER scenarios_criticaltask_frozen BEFORE UPDATE OR DELETE ON scenarios_criticaltask
    FOR EACH ROW EXECUTE FUNCTION scenarios_refuse_frozen_row('objective_id');
CREATE TRIGGER scenarios_event_department_frozen BEFORE UPDATE OR DELETE ON scenarios_scenarioevent_departments
    FOR EACH ROW EXECUTE FUNCTION scenarios_refuse_frozen_row('scenarioevent_id');
CREATE TRIGGER scenarios_attachment_frozen BEFORE UPDATE OR DELETE ON scenarios_eventattachment
    FOR EACH ROW EXECUTE FUNCTION scenarios_refuse_frozen_row('event_id');
"""
ALLOW = """
DROP TRIGGER IF EXISTS scenarios_attachment_frozen ON scenarios_eventattachment;
DROP TRIGGER IF EXISTS scenarios_event_department_frozen ON scenarios_scenarioevent_departments;
DROP TRIGGER IF EXISTS scenarios_criticaltask_frozen ON scenarios_criticaltask;
DROP TRIGGER IF EXISTS scenarios_objective_frozen ON scenarios_objective;
DROP TRIGGER IF EXISTS scenarios_event_frozen ON scenarios_scenarioevent;
DROP TRIGGER IF EXISTS scenarios_version_immutable ON scenarios_scenarioversion;
DROP FUNCTION IF EXISTS scenarios_version_refuse_change();
DROP FUNCTION IF EXISTS scenarios_refuse_frozen_row();
DROP FUNCTION IF EXISTS scenarios_version_frozen(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [("scenarios", "0003_version_created_and_submitted_by")]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
