"""A claim is shown in words (issue 12): the claim's page — the claimant's and the HR bureau's — names every fact
by its Chinese label and every value as the policy names it (choices by their names, yes/no as 是/否), for every
kind of each region's policy; no kind id, field name, choice value or boolean literal appears."""
from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest

from lms import clock
from lms.claims.models import HourClaim
from rules import load_policy
from rules.claims import claim_kinds
from tests.claims.test_claims import web_login

SAMPLE = {"date": "2026-01-05", "decimal": "8", "int": "2", "text": "证书-2026-01", "bool": "true"}


def raw_identifiers(policy_id: str) -> set[str]:
    """Everything of a policy's claim kinds that is an identifier, not a word for people."""
    out = {"true", "false", "True", "False", "None"}
    for kind in claim_kinds(load_policy(policy_id)):
        out |= {kind.id, kind.activity} | {f.name for f in kind.fields}
        out |= {value for f in kind.fields for value, _ in f.choices if len(value) > 1}
    return out


@pytest.mark.parametrize(("policy_id", "region", "city"), [
    pytest.param("wenzhou-2020", "wenzhou-lucheng", "wenzhou", id="wenzhou"),
    pytest.param("zhejiang-2016", "hangzhou", "hangzhou", id="zhejiang"),
    pytest.param("tonglu-2018", "tonglu", "tonglu", id="tonglu"),
    pytest.param("weihai-2022", "weihai-huancui", "weihai", id="weihai"),
    pytest.param("sichuan-2016", "chengdu-wuhou", "chengdu", id="sichuan"),
])
def test_no_raw_identifier_appears_on_a_claims_page_for_any_kind_of_the_region(
        app: Any, db: Any, make: Any, policy_id: str, region: str, city: str) -> None:
    p = make.practitioner("孙老师", region=region)
    make.staff("bureau", "hrclerk", region=city)
    policy = load_policy(policy_id)
    now = clock.now()
    claims = []
    for kind in claim_kinds(policy):
        facts = {f.name: f.choices[0][0] if f.type == "choice" else SAMPLE[f.type] for f in kind.fields}
        claim = HourClaim(person_id=p.id, year=2026, policy=policy_id, kind=kind.id, kind_label=kind.label,
                          rule=kind.rule[:160], chain="default", steps=1, facts=json.dumps(facts, ensure_ascii=False),
                          item_id=None, title=f"{kind.label}（2026-01-05）", hours_claimed=Decimal(8),
                          status="pending", step=0, version=1, filed_by_id=p.id, filed_at=now, updated_at=now)
        db.add(claim)
        claims.append((kind, claim))
    db.commit()
    raw = raw_identifiers(policy_id)
    for login in (p.id_number, "hrclerk"):
        c = app.test_client()
        web_login(c, login)
        for kind, claim in claims:
            page = c.get(f"/claims/{claim.id}").get_data(as_text=True)
            shown = page.split("<h1>")[1].split("</dl>")[0]
            words = set(re.findall(r"[A-Za-z_]+", re.sub(r"<[^>]+>", " ", shown)))
            assert not words & raw, f"{login} {kind.id}: {sorted(words & raw)}"
            for f in kind.fields:   # every fact is there, by its label and in words
                assert f"<dt>{f.label}</dt>" in shown, (kind.id, f.name)
                if f.type == "bool":
                    assert f"<dt>{f.label}</dt><dd>是</dd>" in shown
                if f.type == "choice":
                    assert f"<dt>{f.label}</dt><dd>{f.choices[0][1]}</dd>" in shown
