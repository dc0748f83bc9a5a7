"""Malformed input at every route and form never answers 500 (docs/api.md: a refusal is never a 500).

A bounded, deterministic fuzz over the URL map, on both databases: every rule is requested by the role that may
use it (and anonymously) with ids out of range in its URL, a NUL or a lone surrogate in its string segments,
malformed query parameters, every known form field set to each malformed value, and malformed JSON bodies
(lone surrogates, NULs, ids past 2³¹−1, NaN, nesting 1,000 deep). The app runs with TESTING, so an unexpected
exception propagates and fails the test with its traceback; otherwise every answer must be below 500.
A new route is fuzzed without any change here (give its id parameter a real value in REAL_IDS when it has one).
"""
from __future__ import annotations

import json
import re
from typing import Any

from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter

from exams.operations import book_seat, check_in, start_exam
from lms.validation import Form
from tests.conftest import login
from tests.exams.conftest import SETTINGS, ExamWorld, world  # noqa: F401  (fixture)

BIG_INTS = ["2147483648", "99999999999999", "-1"]
BAD_TEXT = ["a\x00b", "\ud800"]
BAD_VALUES = ["a\x00b", "2147483648", "99999999999999999999", "NaN", "sNaN", "1E-999999", "0.001", "-1e999", "x" * 5000]
BAD_QUERY = {"year": "99999999999", "page": "99999999999999999999", "q": "a\x00b", "code": "\x00",
             "next": "/\x00", "chapter": "99999999999999"}
DEEP = "[" * 1000 + "]" * 1000
BAD_JSON_BODIES = [
    DEEP, '{"a": ' + DEEP + "}", '{"login": "\\ud800", "password": "\\u0000"}', "NaN", '{"x": NaN}',
    '{"x": 1e999}', "[1, 2", "\"\\ud800\"", "{}",
]
# Every id name a URL or a body takes gets its real value (so the request reaches the form or body) and
# out-of-range ones.
SKIP_WITH_REAL_IDS = {"accounts.logout", "api.api_logout", "admin.set_person_active"}  # would end the fuzz's session


def _form_fields() -> set[str]:
    names: set[str] = set()
    todo: list[type] = [Form]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        names |= {k for k, v in vars(cls).items() if hasattr(v, "field_class")}
    return names


def _json_ids(real: dict[str, int]) -> list[dict[str, Any]]:
    keys = ["course_id", "enrolment_id", "chapter_id", "session_id", "position"]
    out: list[dict[str, Any]] = [{k: 2**31 for k in keys}, {k: 2**63 for k in keys}, {k: -1 for k in keys},
                                 {k: True for k in keys}, {k: "1" for k in keys}]
    out.append({"stream": "a\x00b", "seq": 2**31, "position": 1e308, "answer": [2**40], "login": "a\x00",
                "password": "\x00", **{k: real.get(k.removesuffix("_id"), 1) for k in keys}})
    return out


def _urls(rule: Rule, real: dict[str, int]) -> list[tuple[str, bool]]:
    """(url, uses real ids) for a rule: one with real ids, then each argument made malformed in turn."""
    def value(arg: str, conv: Any) -> str:
        if type(conv).__name__ == "AnyConverter":
            return "csv"
        if arg == "year":
            return "2026"
        if arg == "active":
            return "1"
        return str(real.get(arg.removesuffix("_id"), 1)) if isinstance(conv, NumberConverter) else "abc"

    base = {arg: value(arg, conv) for arg, conv in rule._converters.items()}
    out = [(_build(rule, base), True)]
    for arg, conv in rule._converters.items():
        bad = BIG_INTS if isinstance(conv, NumberConverter) else [t.replace("\ud800", "%ED%A0%80") for t in BAD_TEXT]
        out += [(_build(rule, base | {arg: b}), False) for b in bad]
    return out


def _build(rule: Rule, args: dict[str, str]) -> str:
    return re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", lambda m: args[m.group(1)].replace("\x00", "%00"), rule.rule)


def _check(resp: Any, what: str) -> None:
    try:
        assert resp.status_code < 500, f"{what} -> {resp.status_code}: {resp.get_data(as_text=True)[:300]}"
    finally:
        resp.close()


def test_malformed_input_on_every_route_never_answers_500(world: ExamWorld) -> None:  # noqa: F811
    person = world.candidate()
    booking = book_seat(world.db, person, world.session, SETTINGS)
    world.db.commit()
    check_in(world.db, world.proctor, world.session, booking.ticket_no, person.id_number[-4:], SETTINGS)
    paper = start_exam(world.db, person, booking)
    world.db.commit()
    enrolment = world.enrolment_of(person)
    real = {"person": person.id, "enrolment": enrolment.id, "course": world.course.id, "plan": world.plan.id,
            "session": world.session.id, "booking": booking.id, "paper": paper.id, "proctor": world.proctor.id,
            "chapter": world.course.chapters[0].id, "entry": 1, "prompt": 1, "cert": 1}
    clients: dict[str, Any] = {}
    for role, who in (("practitioner", person.id_number), ("bureau", world.bureau.username),
                      ("proctor", world.proctor.username)):
        clients[role] = world.app.test_client()
        assert login(clients[role], who).status_code == 200
    clients["anonymous"] = world.app.test_client()
    fields = _form_fields()
    json_bodies = [json.dumps(b) for b in _json_ids(real)] + BAD_JSON_BODIES
    count = 0
    for rule in world.app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        urls = _urls(rule, real)
        if "GET" in methods:
            for role, client in clients.items():  # as each role, with malformed query parameters
                _check(client.get(urls[0][0]), f"{role} GET {urls[0][0]}")
                _check(client.get(urls[0][0], query_string=BAD_QUERY), f"{role} GET {urls[0][0]} bad query")
                count += 2
            for url, _ in urls[1:]:  # malformed URLs are refused before any access check
                _check(clients["bureau"].get(url), f"GET {url}")
                count += 1
        if "POST" not in methods:
            continue
        url = urls[0][0]
        # the roles this POST lets past its access checks get the malformed bodies; the others one each
        allowed = [role for role, client in clients.items()
                   if rule.endpoint not in SKIP_WITH_REAL_IDS and _passes_access(client.post(url, data={}))]
        bodies = ([("json", b) for b in json_bodies] if url.startswith("/api/")
                  else [("form", b) for b in BAD_VALUES] + [("json", b) for b in json_bodies[-3:]])
        for role in allowed:
            client = clients[role]
            for kind, bad in bodies:
                if kind == "form":
                    resp = client.post(url, data={f: bad for f in fields})
                else:
                    resp = client.post(url, data=bad, content_type="application/json")
                _check(resp, f"{role} POST {url} {kind} {bad[:40]!r}")
                count += 1
        for bad_url, _ in urls[1:]:
            client = clients[allowed[0] if allowed else "anonymous"]
            _check(client.post(bad_url, data={f: BAD_VALUES[0] for f in fields}), f"POST {bad_url}")
            count += 1
    assert count > 500  # the sweep really ran over the routes


def _passes_access(resp: Any) -> bool:
    return resp.status_code not in (401, 403) and not (resp.status_code == 302 and "/login" in resp.location)
