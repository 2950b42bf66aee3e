"""Schemathesis over the whole OpenAPI document, as every role of a district, as the city
and anonymously, on SQLite and PostgreSQL: no server error (5xx) and no answer that breaks
its declared schema. Generated inputs include the bad ones (out-of-range numbers, odd dates,
NUL bytes, long strings): each must be a 4xx.

Bounded to fit the test command: ``FUZZ_EXAMPLES`` examples per operation for the admin and
fewer for the other callers; ``bench``-sized runs set URBANGRID_FUZZ_EXAMPLES higher.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from scope_world import CITY, D1, make_scope_world
from urbangrid.api.app import create_app

FUZZ_EXAMPLES = int(os.environ.get("URBANGRID_FUZZ_EXAMPLES", "6"))
CALLERS: dict[str, int] = {
    f"{D1}/admin": FUZZ_EXAMPLES,
    f"{D1}/intake": 2,
    f"{D1}/lead": 2,
    f"{D1}/dispatcher": 2,
    f"{D1}/leader": 2,
    f"{D1}/hw": 2,
    f"{D1}/i1": 2,
    f"{CITY}/leader": 2,
    "anonymous": 3,
}
CHECKS = [not_a_server_error, response_schema_conformance]
# Streams and logouts are not fuzzed: the stream stays open; a logout ends the run's session.
SKIP = {("GET", "/api/v1/web/events"), ("POST", "/api/v1/auth/logout"), ("POST", "/logout")}


def _fuzz(
    operation: Any,
    caller: str,
    examples: int,
    world: Any,
    client: TestClient,
    failures: list[str],
    calls: Counter[str],
    mode: GenerationMode = GenerationMode.POSITIVE,
) -> None:
    headers = {} if caller == "anonymous" else world.header(caller)

    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.headers = {**(case.headers or {}), **headers}
        response = case.call(session=client)
        calls[caller] += 1
        calls[f"status {response.status_code}"] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as exc:  # collect, then report every failure at once
            failures.append(
                f"{operation.method.upper()} {operation.path} as {caller}: "
                f"{response.status_code} {str(exc).splitlines()[0][:160]}"
            )

    run()


def test_whole_api_has_no_server_errors(engine: Engine, session: Session) -> None:
    world = make_scope_world(session)
    app = create_app(engine)
    client = TestClient(app)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    calls: Counter[str] = Counter()

    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        for caller, examples in CALLERS.items():
            _fuzz(operation, caller, examples, world, client, failures, calls)
        # Inputs that break the schema on purpose (wrong types, out of range, missing):
        # a 4xx each, never a 5xx.
        admin = f"{D1}/admin"
        try:
            _fuzz(operation, admin, FUZZ_EXAMPLES, world, client, failures, calls,
                  GenerationMode.NEGATIVE)  # fmt: skip
        except Exception as exc:  # an operation with nothing to break (no parameters)
            if "Unsatisfiable" not in type(exc).__name__ and "negative" not in str(exc).lower():
                raise
    client.close()
    requests = sum(n for k, n in calls.items() if not k.startswith("status"))
    print(f"fuzzed {requests} requests: {dict(calls)}")
    assert sum(n for k, n in calls.items() if not k.startswith("status")) > 500
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(sorted(set(failures))[:60])
