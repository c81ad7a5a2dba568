"""The MSEL rules that name the problem (a condition on a later event or on itself, a ladder that
escalates to the event's own department, a deadline longer than the drill), reordering, review by
someone other than the author, clone, and the diff between two versions: through the services."""

from __future__ import annotations

from typing import Any

import pytest

from drillops.core.errors import InvalidInput, TransitionNotAllowed
from drillops.core.models import AuditEntry
from drillops.departments.models import Role
from drillops.scenarios import services
from drillops.scenarios.diff import version_diff
from drillops.scenarios.models import ScenarioEvent, VersionStatus
from drillops.scenarios.selectors import version_problems
from drillops.scenarios.validation import DEADLINE_MARGIN_SECONDS
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(org: Any, coordinator: Any) -> Any:
    return services.scenario_create(organisation=org, by=coordinator, title="Press storm")


def add(scenario: Any, by: Any, title: str, offset: int, departments: list[Any], **fields: Any) -> ScenarioEvent:
    return services.event_create(
        scenario=scenario, by=by, title=title, body="B", offset_seconds=offset, departments=departments, **fields
    )


def test_a_condition_on_a_later_event_is_refused_naming_it(draft, coordinator, cs, risk):
    first = add(draft, coordinator, "Call", 0, [cs], sequence=1)
    later = add(draft, coordinator, "Press", 600, [risk], sequence=5)
    with pytest.raises(InvalidInput) as caught:
        add(
            draft,
            coordinator,
            "Follow-up",
            60,
            [cs],
            sequence=3,
            condition={"kind": "after_resolved", "event": later.pk, "delay_seconds": 0},
        )
    [message] = caught.value.errors["condition"]
    assert "#5" in message and "Press" in message and "later" in message
    ok = add(draft, coordinator, "Follow-up", 60, [cs], condition={"kind": "after_resolved", "event": first.pk})
    assert ok.condition_event == first


def test_a_condition_on_itself_is_refused(draft, coordinator, cs):
    event = add(draft, coordinator, "Call", 0, [cs])
    with pytest.raises(InvalidInput) as caught:
        services.event_update(event=event, by=coordinator, condition={"kind": "after_resolved", "event": event.pk})
    assert "itself" in caught.value.errors["condition"][0]


def test_a_ladder_back_to_the_events_own_department_is_refused(draft, coordinator, cs, risk):
    steps = [
        {"after_seconds": 60, "department": risk.pk},
        {"after_seconds": 120, "department": cs.pk, "message": "Again"},
    ]
    with pytest.raises(InvalidInput) as caught:
        add(draft, coordinator, "Call", 0, [cs], escalations=steps)
    [message] = caught.value.errors["escalations"]
    assert message.startswith("Step 2 escalates to Customer Service")
    with pytest.raises(InvalidInput):  # a role that is the department's code is the department too
        add(draft, coordinator, "Call", 0, [cs], escalations=[{"after_seconds": 60, "role": "cs"}])
    assert add(draft, coordinator, "Call", 0, [cs], escalations=steps[:1]).escalations[0]["department"] == risk.pk


def test_changing_the_targets_under_an_existing_ladder_is_checked_too(draft, coordinator, cs, risk):
    event = add(draft, coordinator, "Call", 0, [cs], escalations=[{"after_seconds": 60, "department": risk.pk}])
    with pytest.raises(InvalidInput) as caught:
        services.event_update(event=event, by=coordinator, departments=[cs, risk])
    assert "Risk Management" in caught.value.errors["escalations"][0]


def test_a_deadline_longer_than_the_drill_is_refused(draft, coordinator, cs):
    add(draft, coordinator, "Closing", 3600, [cs])
    within = DEADLINE_MARGIN_SECONDS + 3600  # ends exactly an hour after the last event
    assert add(draft, coordinator, "Opening", 0, [cs], response_deadline_seconds=within).pk
    with pytest.raises(InvalidInput) as caught:
        add(draft, coordinator, "Typo", 0, [cs], response_deadline_seconds=10 * 3600)
    [message] = caught.value.errors["response_deadline_seconds"]
    assert "10:00:00" in message and "T+01:00:00" in message and "longer than the drill" in message


def test_a_conditional_events_deadline_counts_from_when_it_can_first_arrive(draft, coordinator, cs, risk):
    first = add(draft, coordinator, "Call", 0, [cs], response_deadline_seconds=1800)
    add(draft, coordinator, "Closing", 1800, [risk])
    # Waits for the first call's deadline (T+30m) + 10 min: arrives at T+40m at the earliest, which
    # makes it the drill's last event; its deadline may end an hour after that.
    condition = {"kind": "if_not_acknowledged", "event": first.pk, "delay_seconds": 600}
    with pytest.raises(InvalidInput) as caught:
        add(draft, coordinator, "Regulator", 0, [risk], condition=condition, response_deadline_seconds=7200)
    [message] = caught.value.errors["response_deadline_seconds"]
    assert "T+02:40:00" in message and "T+00:40:00" in message
    assert add(draft, coordinator, "Regulator", 0, [risk], condition=condition, response_deadline_seconds=3600).pk


def test_move_swaps_two_numbers_and_leaves_the_others(draft, coordinator, cs):
    a = add(draft, coordinator, "A", 0, [cs], sequence=10)
    b = add(draft, coordinator, "B", 60, [cs], sequence=20)
    c = add(draft, coordinator, "C", 120, [cs], sequence=30)
    moved = services.event_move(event=c, by=coordinator, direction="up")
    assert moved == {c.pk: 20, b.pk: 30}
    assert dict(ScenarioEvent.objects.values_list("title", "sequence")) == {"A": 10, "B": 30, "C": 20}
    assert services.event_move(event=a, by=coordinator, direction="up") == {}  # already first
    assert AuditEntry.objects.filter(action="event.reorder").count() == 1


def test_reorder_that_puts_an_event_before_what_it_waits_for_is_refused(draft, coordinator, cs):
    first = add(draft, coordinator, "Call", 0, [cs])
    second = add(draft, coordinator, "Follow-up", 60, [cs], condition={"kind": "after_resolved", "event": first.pk})
    with pytest.raises(InvalidInput) as caught:
        services.event_reorder(scenario=draft, by=coordinator, order=[second.pk, first.pk])
    assert "#1" in caught.value.errors["order"][0]
    with pytest.raises(InvalidInput):
        services.event_update(event=first, by=coordinator, sequence=9)
    assert dict(ScenarioEvent.objects.values_list("title", "sequence")) == {"Call": 1, "Follow-up": 2}
    with pytest.raises(InvalidInput):
        services.event_reorder(scenario=draft, by=coordinator, order=[first.pk])  # not every event


def test_duplicate_copies_the_row_to_the_end(draft, coordinator, cs, risk):
    first = add(draft, coordinator, "Call", 0, [cs], escalations=[{"after_seconds": 60, "department": risk.pk}])
    copy = services.event_duplicate(event=first, by=coordinator)
    assert copy.sequence == 2 and copy.title == "Call" and list(copy.departments.all()) == [cs]
    assert copy.escalations == first.escalations


def test_submit_checks_the_whole_version_and_records_the_author(draft, coordinator, cs):
    event = add(draft, coordinator, "Call", 0, [cs])
    later = add(draft, coordinator, "Press", 60, [cs])
    version = draft.versions.get()
    # A row written around the services (an import, the admin) is caught at submit.
    ScenarioEvent.objects.filter(pk=event.pk).update(condition_kind="after_resolved", condition_event=later)
    assert [p.sequence for p in version_problems(version)] == [1]
    with pytest.raises(TransitionNotAllowed) as caught:
        services.version_submit(scenario=draft, by=coordinator)
    assert "#1" in caught.value.message and "later" in caught.value.message
    ScenarioEvent.objects.filter(pk=event.pk).update(condition_kind="", condition_event=None)
    submitted = services.version_submit(scenario=draft, by=coordinator)
    assert submitted.submitted_by == coordinator and submitted.submitted_at is not None
    assert submitted.author_id == coordinator.pk


def test_independent_review_refuses_the_author_and_lets_another_coordinator_approve(draft, coordinator, cs, org):
    add(draft, coordinator, "Call", 0, [cs])
    services.version_submit(scenario=draft, by=coordinator)
    org.require_independent_review = True
    org.save()
    draft.refresh_from_db()
    with pytest.raises(TransitionNotAllowed) as caught:
        services.version_approve(scenario=draft, by=coordinator)
    assert "other than the author" in caught.value.message
    assert draft.versions.get().status == VersionStatus.IN_REVIEW
    second = MembershipFactory(organisation=org, role=Role.COORDINATOR, user=UserFactory(username="coord2")).user
    approved = services.version_approve(scenario=draft, by=second)
    assert approved.status == VersionStatus.APPROVED and approved.approved_by == second


def test_without_the_setting_the_author_may_approve(draft, coordinator, cs):
    add(draft, coordinator, "Call", 0, [cs])
    services.version_submit(scenario=draft, by=coordinator)
    assert services.version_approve(scenario=draft, by=coordinator).status == VersionStatus.APPROVED


def _approved_with_condition(draft: Any, coordinator: Any, cs: Any, risk: Any) -> Any:
    objective = services.objective_create(
        scenario=draft,
        by=coordinator,
        capability="Comms",
        title="Report fast",
        critical_tasks=[{"title": "Ack", "target": {"metric": "acknowledge_p90", "op": "<=", "value": 300}}],
    )
    first = add(
        draft,
        coordinator,
        "Call",
        0,
        [cs],
        objective=objective,
        escalations=[{"after_seconds": 60, "department": risk.pk}],
    )
    add(draft, coordinator, "Follow-up", 60, [risk], condition={"kind": "after_resolved", "event": first.pk})
    services.version_submit(scenario=draft, by=coordinator)
    services.version_approve(scenario=draft, by=coordinator)
    return draft


def test_new_draft_and_clone_keep_every_events_departments(draft, coordinator, cs, risk):
    _approved_with_condition(draft, coordinator, cs, risk)
    new = services.version_new_draft(scenario=draft, by=coordinator)
    assert new.created_by == coordinator
    assert {e.title: [d.code for d in e.departments.all()] for e in new.events.all()} == {
        "Call": ["cs"],
        "Follow-up": ["risk"],
    }


def test_clone_is_a_new_scenario_with_a_draft_copy_of_the_chosen_version(draft, coordinator, cs, risk):
    _approved_with_condition(draft, coordinator, cs, risk)
    source = draft.versions.get(number=1)
    clone = services.scenario_clone(scenario=draft, by=coordinator, version=source)
    assert clone.pk != draft.pk and clone.title == "Press storm (copy)" and clone.organisation == draft.organisation
    [version] = clone.versions.all()
    assert version.number == 1 and version.status == VersionStatus.DRAFT and version.created_by == coordinator
    events = {e.title: e for e in version.events.prefetch_related("departments")}
    assert events["Follow-up"].condition_event == events["Call"]
    assert [d.code for d in events["Call"].departments.all()] == ["cs"]
    assert events["Call"].objective.version == version
    target = version.objectives.get().critical_tasks.get().target
    assert target is not None and target["metric"] == "acknowledge_p90"
    assert version_diff(source, version).events.is_empty  # same content, other ids
    assert AuditEntry.objects.filter(action="scenario.clone", object_id=clone.pk).exists()


def test_diff_names_added_removed_and_changed_fields(draft, coordinator, cs, risk):
    _approved_with_condition(draft, coordinator, cs, risk)
    new = services.version_new_draft(scenario=draft, by=coordinator)
    call = new.events.get(title="Call")
    services.event_update(event=call, by=coordinator, offset_seconds=30, departments=[cs, risk], escalations=[])
    services.event_delete(event=new.events.get(title="Follow-up"), by=coordinator)
    add(draft, coordinator, "Press", 600, [risk], sequence=3)  # matched by sequence: a new number
    services.objective_update(objective=new.objectives.get(), by=coordinator, title="Report faster")
    diff = version_diff(draft.versions.get(number=1), new)
    [changed] = diff.events.changed
    fields = {c.field: (c.before, c.after) for c in changed.changes}
    assert fields["offset_seconds"] == (0, 30)
    assert fields["departments"] == (["cs"], ["cs", "risk"])
    assert fields["escalations"][1] == [] and fields["escalations"][0][0]["department"] == "risk"
    assert [e["title"] for e in diff.events.removed] == ["Follow-up"]
    assert [e["title"] for e in diff.events.added] == ["Press"]
    assert diff.objectives.changed[0].changes[0].after == "Report faster"
    json = diff.as_json()
    assert json["from"]["number"] == 1 and json["to"]["number"] == 2
    assert json["events"]["changed"][0]["fields"][0] == {"field": "offset_seconds", "from": 0, "to": 30}


def test_a_scenario_with_conditions_can_be_deleted(draft, coordinator, cs):
    first = add(draft, coordinator, "Call", 0, [cs])
    add(draft, coordinator, "Follow-up", 60, [cs], condition={"kind": "after_resolved", "event": first.pk})
    services.scenario_delete(scenario=draft, by=coordinator)
    assert not ScenarioEvent.objects.exists()


def test_the_demo_scenario_passes_the_checks_before_review():
    from django.core.management import call_command

    from drillops.scenarios.models import ScenarioVersion

    call_command("seed_demo", "--password", "x", "--language", "en", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for version in ScenarioVersion.objects.all():
        assert version_problems(version) == []
