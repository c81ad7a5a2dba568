"""Observer scores: each observer's latest P/S/M/U per objective and critical task, the coordinator's
agreed rating, and agreement as Krippendorff's ordinal alpha."""

from __future__ import annotations

from collections.abc import Callable

import krippendorff
from rest_framework.test import APIClient

from drillops.reports import services
from drillops.reports.models import RATING_ORDER
from drillops.reports.selectors import ordinal_alpha, score_summary
from drillops.timelines import services as drill_services
from drillops.timelines.models import SeatRole

from ..api.world import World

Clients = Callable[[str], APIClient]

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers,
# twelve units, values 1-5, missing values; the ordinal alpha it works out is 0.815.
_: None = None
WORKED_EXAMPLE: list[list[int | None]] = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],  # observer A
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],  # observer B
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],  # observer C
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],  # observer D
]


def test_ordinal_alpha_reproduces_krippendorffs_worked_example() -> None:
    alpha = ordinal_alpha(WORKED_EXAMPLE, value_domain=[1, 2, 3, 4, 5])
    assert alpha is not None and round(alpha, 3) == 0.815


def test_alpha_is_undefined_until_two_observers_rate_one_unit() -> None:
    assert ordinal_alpha([[1, None], [None, 2]], value_domain=[1, 2, 3, 4]) is None
    assert ordinal_alpha([[1, 1], [1, 1]], value_domain=[1, 2, 3, 4]) is None  # no variation at all


def _second_observer(world: World):
    observer = world.users["observer_uninvited"]
    drill_services.roster_add(drill=world.drill, user=observer, by=world.users["coordinator"], role=SeatRole.OBSERVER)
    return observer


def test_each_observers_latest_rating_counts_once(world: World) -> None:
    first, second = world.users["observer_invited"], _second_observer(world)
    task = world.objective.critical_tasks.get()
    for observer, rating in [(first, "P"), (first, "M"), (second, "S")]:  # first changes their mind
        services.observation_create(drill=world.drill, by=observer, critical_task=task, rating=rating)
    unit = next(u for u in score_summary(world.drill)["units"] if u["critical_task"] == task.pk)
    assert unit["distribution"] == {"P": 0, "S": 1, "M": 1, "U": 0}
    assert sorted(r["rating"] for r in unit["ratings"]) == ["M", "S"]


def test_agreement_is_the_packages_ordinal_alpha_over_the_observers_latest_ratings(world: World) -> None:
    first, second = world.users["observer_invited"], _second_observer(world)
    task = world.objective.critical_tasks.get()
    # The world's observer rated the objective S already; here the task as well, by both.
    services.observation_create(drill=world.drill, by=first, critical_task=task, rating="M")
    services.observation_create(drill=world.drill, by=second, objective=world.objective, rating="S")
    services.observation_create(drill=world.drill, by=second, critical_task=task, rating="U")
    agreement = score_summary(world.drill)["agreement"]
    by_hand = krippendorff.alpha(
        reliability_data=[[RATING_ORDER["S"], RATING_ORDER["M"]], [RATING_ORDER["S"], RATING_ORDER["U"]]],
        level_of_measurement="ordinal",
        value_domain=[1, 2, 3, 4],
    )
    assert agreement["observers"] == 2 and agreement["units_pairable"] == 2
    assert agreement["alpha"] == round(by_hand, 4)


def test_coordinator_sees_every_observer_and_sets_the_agreed_rating(world: World, client_as: Clients) -> None:
    second = _second_observer(world)
    services.observation_create(drill=world.drill, by=second, objective=world.objective, rating="M")
    url = f"/api/v1/drills/{world.drill.pk}/scores/"
    answer = client_as("coordinator").post(
        url + "agree/", {"objective": world.objective.pk, "rating": "S"}, format="json"
    )
    assert answer.status_code == 200, answer.json()
    unit = next(u for u in answer.json()["units"] if u["critical_task"] is None)
    assert {r["observer_name"] for r in unit["ratings"]} == {"obs1", "obs2"}
    assert unit["agreed"]["rating"] == "S" and unit["agreed"]["set_by"] == "coord"
    again = client_as("coordinator").post(
        url + "agree/", {"objective": world.objective.pk, "rating": "M"}, format="json"
    )
    assert next(u for u in again.json()["units"] if u["critical_task"] is None)["agreed"]["rating"] == "M"


def test_an_observer_sees_only_their_own_ratings(world: World, client_as: Clients) -> None:
    second = _second_observer(world)
    services.observation_create(drill=world.drill, by=second, objective=world.objective, rating="U", note="Mine")
    scores = client_as("observer_invited").get(f"/api/v1/drills/{world.drill.pk}/scores/").json()
    ratings = [r for unit in scores["units"] for r in unit["ratings"]]
    assert [r["observer_name"] for r in ratings] == ["obs1"] and scores["agreement"] is None
    assert all(unit["agreed"] is None for unit in scores["units"])
    notes = client_as("observer_invited").get(f"/api/v1/drills/{world.drill.pk}/observations/").json()
    assert [o["observer"] for o in notes["results"]] == [world.users["observer_invited"].pk]
    assert client_as("coordinator").get(f"/api/v1/drills/{world.drill.pk}/observations/").json()["count"] == 2


def test_players_do_not_read_scores_before_the_report_is_published(world: World, client_as: Clients) -> None:
    assert client_as("staff_target").get(f"/api/v1/drills/{world.drill.pk}/scores/").status_code == 403
