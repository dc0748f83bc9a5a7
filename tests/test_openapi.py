"""The OpenAPI description of /api/v1 (lms/api/openapi.yaml) is the API: every route of the URL map is in it, every
field it names is in docs/api.md, and Schemathesis checks the running app against it as a logged-in practitioner
(random and malformed requests to every operation: no server error, every answer as described)."""
from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import load_all_checks
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from exams.demo import DEMO_QUESTIONS
from exams.imports import add_questions
from exams.operations import (
    ExamSettings,
    SessionSpec,
    add_sessions,
    assign_proctor,
    book_seat,
    check_in,
    create_plan,
    start_exam,
)
from lms.api.description import openapi
from lms.claims.operations import Upload, file_claim
from lms.hours.certificates import issue_certificate
from tests.conftest import START, Factory, login
from tests.test_hours import completed_2025

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "/api/v1"
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def described_operations() -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in openapi()["paths"].items() for method in item
            if method.upper() in METHODS}


def routed_operations(app: Any) -> set[tuple[str, str]]:
    """Every (method, path) of the URL map under /api/v1, written as OpenAPI paths (<int:x> → {x})."""
    out = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX):])
        out |= {(m, path) for m in (rule.methods or set()) & METHODS}
    return out


def test_every_api_route_of_the_url_map_is_described_and_nothing_else(app: Any) -> None:
    routed, described = routed_operations(app), described_operations()
    assert routed - described == set(), "routes under /api/v1 missing from lms/api/openapi.yaml"
    assert described - routed == set(), "operations in lms/api/openapi.yaml that the app does not have"


def _property_names(node: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                names |= {k for k in value if k != "<<"}
            names |= _property_names(value)
    elif isinstance(node, list):
        for value in node:
            names |= _property_names(value)
    return names


def test_every_field_the_description_names_is_documented_in_docs_api_md() -> None:
    docs = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    missing = sorted(n for n in _property_names(openapi()["components"]) if not re.search(rf"\b{n}\b", docs))
    assert missing == []


def test_the_description_is_served_as_json(client: Any) -> None:
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert resp.get_json() == openapi() and resp.get_json()["openapi"].startswith("3.")


# ---- Schemathesis over every operation -------------------------------------------------------------------------

# Per operation and mode (about 600 requests in all, the same ones each run); SCHEMATHESIS_EXAMPLES=200
# SCHEMATHESIS_RANDOM=1 explores further with new data each run.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))
RANDOM = bool(os.environ.get("SCHEMATHESIS_RANDOM"))
SETTINGS = ExamSettings(max_attempts=3, offer_minutes=60, checkin_early_minutes=60)


@pytest.fixture
def practitioner_world(make_app: Any, db: Any, frozen_clock: Any) -> dict[str, Any]:
    """An app (CSRF off, as in the other API tests; tests/test_access.py checks CSRF) and a logged-in practitioner
    with something behind every kind of id: an enrolment with study time and a presence prompt, a completed earlier
    year with its certificate, a checked-in booking with a paper drawn, a claim with its evidence."""
    app = make_app(PRESENCE_MEAN_SECONDS=1)  # a presence prompt at the first credited beat
    make = Factory(app, db)
    person = make.practitioner(name="周文", password="Study2026ok")
    bureau, proctor = make.staff("bureau"), make.staff("proctor")
    course = make.course()
    enrolment = make.enrol(person, course)
    with app.app_context():
        completed_2025(app, db, person)
        issue_certificate(db, person, 2025)
        plan = create_plan(db, bureau, year=2026, category="general_public", title="2026 年度一般公需科目考试",
                           pass_mark=60, duration_minutes=60, question_count=10)
        add_questions(db, bureau, course, DEMO_QUESTIONS)
        spec = SessionSpec("温州市人才市场考点", "温州市鹿城区市府路 500 号", "第一考场", START,
                           START + timedelta(minutes=120), 30, START - timedelta(days=1), START + timedelta(minutes=60),
                           START + timedelta(minutes=30), "")
        (session,) = add_sessions(db, bureau, plan, [spec])
        assign_proctor(db, bureau, session, proctor)
        enrolment.completed_at = START
        booking = book_seat(db, person, session, SETTINGS)
        check_in(db, proctor, session, booking.ticket_no, person.id_number[-4:], SETTINGS)
        paper = start_exam(db, person, booking)
        claim = file_claim(db, person, person, "training", {"start": "2026-02-01", "hours": "8"},
                           [Upload("证书.pdf", b"%PDF-1.4\n%%EOF\n")])
        evidence_id = claim.evidence[0].id
        db.commit()
    client, spare = app.test_client(), app.test_client()
    assert login(client, person.id_number).status_code == 200
    assert login(spare, person.id_number).status_code == 200
    stream = client.post("/api/v1/study/streams", json={"enrolment_id": enrolment.id,
                                                        "chapter_id": course.chapters[0].id}).get_json()["stream"]
    client.post("/api/v1/study/heartbeat", json={"stream": stream, "seq": 1})
    frozen_clock.advance(30)
    prompt = client.post("/api/v1/study/heartbeat", json={"stream": stream, "seq": 2}).get_json()["prompt"]
    assert prompt is not None
    cookie, spare_cookie = client.get_cookie("session"), spare.get_cookie("session")
    assert cookie is not None and spare_cookie is not None
    return {"app": app, "session": cookie.value, "spare_session": spare_cookie.value,
            "ids": {"enrolment_id": enrolment.id, "booking_id": booking.id, "paper_id": paper.id,
                    "session_id": session.id, "year": 2025, "prompt_id": prompt["id"], "claim_id": claim.id,
                    "evidence_id": evidence_id}}  # any other id: 1


def _run(op: Any, mode: GenerationMode, examples: int, path_parameters: dict[str, Any] | None = None) -> list[str]:
    """Up to `examples` requests of one operation in one mode (with these path parameters, when given); the
    checks' failures, as text."""
    failures: list[str] = []

    @given(case=op.as_strategy(generation_mode=mode, auth_storage=op.schema.auth, path_parameters=path_parameters))
    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate], derandomize=not RANDOM,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        try:
            case.call_and_validate(excluded_checks=[positive_data_acceptance])
        except (Exception, FailureGroup) as exc:  # the failing checks of the case, or an error of the app
            found = exc.exceptions if isinstance(exc, FailureGroup) else (exc,)
            for failure in found:
                text = f"{op.method.upper()} {op.path} ({mode}): {type(failure).__name__}: {failure}"
                if text not in failures:
                    failures.append(text)

    try:
        run()
    except Unsatisfiable:  # nothing of this operation can be made wrong (no parameters, no body)
        assert mode == GenerationMode.NEGATIVE
    return failures


def test_the_api_answers_every_request_as_described(practitioner_world: dict[str, Any]) -> None:
    """Schemathesis' checks over every operation, as the logged-in practitioner, with data that fits the
    description and data that does not: no server error, every answer's status, type and body as described."""
    load_all_checks()
    schema = schemathesis.openapi.from_wsgi(PREFIX + "/openapi.json", practitioner_world["app"])

    @schema.auth()
    class SessionCookie:
        """The practitioner's session, as the description's `session` scheme (Schemathesis also tries without)."""

        def get(self, case: Any, ctx: Any) -> str:
            # logging out ends a session (issue 15): it gets a session of its own, the others keep theirs
            key = "spare_session" if case.operation.path == "/auth/logout" else "session"
            return str(practitioner_world[key])

        def set(self, case: Any, data: str, ctx: Any) -> None:
            case.cookies = {**(case.cookies or {}), "session": data}

    ids = practitioner_world["ids"]
    failures: list[str] = []
    for result in schema.get_all_operations():
        op = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += _run(op, mode, EXAMPLES)
        names = [p.name for p in op.path_parameters]
        if names:  # the same with the practitioner's own ids, so that answers other than 404 are checked too
            failures += _run(op, GenerationMode.POSITIVE, EXAMPLES, {n: ids.get(n, 1) for n in names})
    assert failures == [], "\n\n".join(failures)
