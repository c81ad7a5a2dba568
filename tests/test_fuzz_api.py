"""Schemathesis against the running server, as the coordinator, a member of staff and an observer,
each on a fresh copy of the demo database (bench/fuzz.py does the work; it has the longer run).

A fixed seed and a few examples per operation keep it reproducible and within CI's budget; the
coverage phase (every boundary and negative case of the schema, many minutes) is left to the
bench run. It fails on a 5xx, an undocumented status code or Content-Type, a body that violates
its schema, and on a run that leaves an organisation without a coordinator or changes an
administrator's or a coordinator's credentials.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from bench.fuzz import ROLES, build_template, drop_databases, invariant_problems, run_role

SEED = 20261201
EXAMPLES = 3
PHASES = "examples,fuzzing"


@pytest.fixture(scope="module")
def template() -> Iterator[str]:
    server_url = os.environ["DATABASE_URL"]
    name = build_template(server_url)
    yield name
    drop_databases(server_url, [name])


@pytest.mark.parametrize("role", list(ROLES))
def test_fuzzing_the_api_finds_no_server_error_nor_schema_violation(template: str, role: str) -> None:
    result = run_role(os.environ["DATABASE_URL"], template, role, examples=EXAMPLES, seed=SEED, phases=PHASES)
    assert result.operations_total > 100 and result.operations_tested == result.operations_total, result.summary()
    assert result.examples >= result.operations_total * EXAMPLES // 2, result.summary()
    assert result.ok, "\n".join([result.summary(), *result.details()])


def test_the_database_check_after_a_run_can_fail() -> None:
    """The check each run ends with flags what no coordinator, staff member or observer may do."""
    accounts = {
        1: ("admin", "h1", "a@x", True, True, True),
        2: ("coordinator", "h2", "c@x", True, False, False),
        3: ("cs", "h3", "", True, False, False),
    }
    before = {"accounts": accounts, "privileged": {1, 2}, "coordinated": {7: "Acme"}}
    assert invariant_problems(before, before) == []
    left = {**before, "privileged": {1}}  # the coordinator left the organisation: anyone may
    assert invariant_problems(before, left) == []
    taken = {
        "accounts": {1: ("admin", "chosen", "a@x", True, True, True), 3: ("cs", "h3", "", True, True, False)},
        "privileged": {1, 3},
        "coordinated": {},
    }
    assert invariant_problems(before, taken) == [
        "organisation 'Acme' has no active coordinator any more",
        "administrator or coordinator 'admin': password changed",
        "the account of administrator or coordinator 'coordinator' was deleted",
        "'cs' became an administrator",
    ]
