"""Drills (runs of one pinned scenario version) and their rosters, with the scenario-to-real time rule."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from drillops.core import glossary
from drillops.core.models import TimeStampedModel
from drillops.departments.models import Department, Organisation
from drillops.scenarios.models import ScenarioVersion


def values_of(choices: type[models.TextChoices]) -> list[str]:
    return [c.value for c in choices]


def sql_list(values: Iterable[Any]) -> str:
    """An SQL list literal of enum values, e.g. ('delivered', 'acknowledged'): SQL fragments are
    built from the same enums as the ORM, never typed out again. Values are our own identifiers."""
    items = [str(getattr(v, "value", v)) for v in values]
    if not all(item.replace("_", "").isalnum() for item in items):
        raise ValueError(f"not an identifier list: {items}")
    return "(" + ", ".join(f"'{item}'" for item in items) + ")"


def sql_value(value: Any) -> str:
    """One enum value as an SQL literal, e.g. 'pending' (see sql_list)."""
    return sql_list([value])[1:-1]


def real_seconds(scenario_seconds: float, time_scale: float) -> float:
    """Scenario seconds as real seconds: the one division by the time scale (SQL twin:
    real_interval_sql; parity-tested)."""
    return scenario_seconds / time_scale


def scenario_seconds(real: float, time_scale: float) -> float:
    """Real seconds as scenario seconds, the way back (a report shows both)."""
    return real * time_scale


def real_delta(scenario_seconds: float, time_scale: float) -> timedelta:
    """Scenario seconds as real time (SQL twin: real_interval_sql)."""
    return timedelta(seconds=real_seconds(scenario_seconds, time_scale))


def real_interval_sql(scenario_seconds: str, time_scale: str) -> str:
    """SQL twin of real_delta(): an interval from a scenario-seconds expression and a time scale.
    In double precision, as in Python: two integer expressions would divide to a whole number."""
    return f"make_interval(secs => ({scenario_seconds})::double precision / ({time_scale}))"


class DrillState(models.TextChoices):
    SCHEDULED = "scheduled", glossary.DRILL_SCHEDULED
    RUNNING = "running", glossary.DRILL_RUNNING
    PAUSED = "paused", glossary.DRILL_PAUSED
    FINISHED = "finished", glossary.DRILL_FINISHED
    STOPPED = "stopped", glossary.DRILL_STOPPED


class Drill(TimeStampedModel):
    """One run of one pinned scenario version."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="drills"
    )
    scenario_version = models.ForeignKey(
        ScenarioVersion, verbose_name=_("scenario version"), on_delete=models.PROTECT, related_name="drills"
    )
    name = models.CharField(_("name"), max_length=200)
    state = models.CharField(_("state"), max_length=16, choices=DrillState.choices, default=DrillState.SCHEDULED)
    time_scale = models.FloatField(
        _("time scale"), default=1.0, help_text=_("Scenario seconds per real second; 60 plays a minute each second.")
    )
    scheduled_start = models.DateTimeField(_("scheduled start"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_total = models.DurationField(_("total time paused"), default=timedelta)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    stop_reason = models.TextField(_("stop reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(state__in=values_of(DrillState)), name="drill_state_valid"),
            models.CheckConstraint(
                condition=models.Q(time_scale__gt=0) & models.Q(time_scale__lte=3600), name="drill_time_scale_range"
            ),
        ]
        indexes = [models.Index(fields=["state", "scheduled_start"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.state in {DrillState.RUNNING, DrillState.PAUSED}

    @property
    def is_over(self) -> bool:
        return self.state in {DrillState.FINISHED, DrillState.STOPPED}

    def scenario_elapsed(self, now: datetime) -> float:
        """The scenario clock at `now`: the real time it ran since the start (pauses left out;
        standing still while paused and after the end), in scenario seconds."""
        if self.started_at is None:
            return 0.0
        end = self.ended_at or now
        if self.paused_at is not None:
            end = min(end, self.paused_at)
        ran = (end - self.started_at - self.paused_total).total_seconds()
        return scenario_seconds(max(0.0, ran), self.time_scale)


class SeatRole(models.TextChoices):
    PLAYER = "player", glossary.SEAT_PLAYER
    DEPUTY = "deputy", glossary.SEAT_DEPUTY
    CONTROLLER = "controller", glossary.SEAT_CONTROLLER
    OBSERVER = "observer", glossary.ROLE_OBSERVER


class RosterEntry(TimeStampedModel):
    """Who plays which seat for which department in this drill, and who attended."""

    drill = models.ForeignKey(Drill, verbose_name=_("drill"), on_delete=models.CASCADE, related_name="roster")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="roster_entries"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role"), max_length=16, choices=SeatRole.choices, default=SeatRole.PLAYER)
    seat = models.CharField(_("seat"), max_length=200, blank=True)
    attended = models.BooleanField(_("attended"), default=False)
    invitation = models.ForeignKey(
        "timelines.ObserverInvitation",
        verbose_name=_("joined through"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="joins",
    )

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster")
        ordering = ["drill", "department", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["drill", "user", "department"], name="roster_entry_unique", nulls_distinct=False
            ),
            models.CheckConstraint(condition=models.Q(role__in=values_of(SeatRole)), name="roster_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.drill} · {self.user} · {self.get_role_display()}"
