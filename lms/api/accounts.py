"""JSON API: registration (注册) and the choices it needs."""
from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_wtf.csrf import generate_csrf

from ..accounts.operations import register_practitioner
from ..accounts.sessions import sign_in
from ..db import transaction
from ..errors import InvalidFields
from ..regions import INDUSTRIES, SELECTABLE
from ..security import login_rate_limit
from ..validation import json_object
from . import bp, person_json

REGISTER_FIELDS = ("name", "id_number", "mobile", "region", "industry", "password")


@bp.get("/regions")
def regions() -> Any:
    """The regions and industries a practitioner registers with (their codes are the accepted values)."""
    return jsonify(regions=[{"code": r.code, "name": r.name, "level": r.level, "parent": r.parent, "bureau": r.bureau}
                            for r in SELECTABLE],
                   industries=list(INDUSTRIES))


@bp.post("/auth/register")
@login_rate_limit()
def api_register() -> Any:
    """Register a practitioner account and log it in; every problem of the details at once, by field."""
    data = json_object()
    wrong_type = {f: "应为文字" for f in (*REGISTER_FIELDS, "employer") if f in data and not isinstance(data[f], str)}
    if wrong_type:
        raise InvalidFields(wrong_type)
    text = {f: data.get(f) or "" for f in (*REGISTER_FIELDS, "employer")}
    if len(text["employer"]) > 100:
        raise InvalidFields({"employer": "工作单位不能超过 100 个字"})
    with transaction() as s:
        person = register_practitioner(s, **text)
        out = person_json(person)
    sign_in(person)
    return jsonify(person=out, csrf_token=generate_csrf()), 201
