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

from bench.fuzz import ROLES, build_template, drop_databases, run_role

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
