"""The policy files themselves: the facts of each document, inheritance, self-containment."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from rules import available_policies, load_policy

PACKAGE = Path(__file__).resolve().parents[2] / "rules"

# (policy, document, unit, minutes per hour, [(categories, minimum)])  — 浙 第八条, 温 第六条, 川 二(二), 威 二, 桐 第七条
FACTS = [
    (
        "zhejiang-2016",
        "浙人社发〔2016〕63号",
        "学时",
        60,
        [
            ({"general_public", "industry_public", "professional"}, 90),
            ({"professional"}, 60),
            ({"general_public", "industry_public"}, 18),
        ],
    ),
    (
        "wenzhou-2020",
        "温人社发〔2020〕125号",
        "学时",
        60,
        [
            ({"general_public", "industry_public", "professional"}, 90),
            ({"general_public"}, 18),
            ({"professional"}, 60),
        ],
    ),
    (
        "sichuan-2016",
        "川人社发〔2016〕20号",
        "学时",
        45,
        [({"general_public", "industry_public", "professional"}, 90), ({"professional"}, 60)],
    ),
    (
        "weihai-2022",
        "威人社字〔2022〕2号",
        "学时",
        60,
        [
            ({"general_public", "industry_public", "professional"}, 90),
            ({"general_public", "industry_public"}, 30),
            ({"professional"}, 60),
        ],
    ),
    (
        "tonglu-2018",
        "桐人社发〔2018〕26号",
        "学分",
        60,
        [
            ({"general_public", "industry_public", "professional"}, 90),
            ({"professional"}, 60),
            ({"general_public", "industry_public"}, 18),
        ],
    ),
]


@pytest.mark.parametrize(("policy_id", "document", "unit", "minutes", "requirements"), FACTS)
def test_each_policy_states_its_documents_annual_requirement(
    policy_id: str, document: str, unit: str, minutes: int, requirements: list[tuple[set[str], int]]
) -> None:
    policy = load_policy(policy_id)
    assert (policy.id, policy.document, policy.unit, policy.minutes_per_hour) == (
        policy_id,
        document,
        unit,
        minutes,
    )
    assert policy.title
    assert [(set(r.categories), r.minimum) for r in policy.requirements] == [
        (c, Decimal(m)) for c, m in requirements
    ]
    assert all(r.rule.startswith(document) and r.label for r in policy.requirements)


def test_wenzhou_and_tonglu_extend_zhejiang() -> None:
    assert load_policy("wenzhou-2020").lineage == ("zhejiang-2016", "wenzhou-2020")
    assert load_policy("tonglu-2018").lineage == ("zhejiang-2016", "tonglu-2018")
    assert load_policy("weihai-2022").extends is None


def test_load_policy_returns_the_same_compiled_policy() -> None:
    assert load_policy("weihai-2022") is load_policy("weihai-2022")


@pytest.mark.parametrize("policy_id", available_policies())
def test_every_policy_file_is_safe_yaml_citing_an_article_for_each_rule(policy_id: str) -> None:
    data = yaml.safe_load((PACKAGE / "policies" / f"{policy_id}.yaml").read_text(encoding="utf-8"))
    assert data["id"] == policy_id and data["title"] and data["document"]
    for kind, spec in (data.get("conversions") or {}).items():
        assert spec is None or spec["rule"], kind  # null removes an inherited rule
    for cap in (data.get("caps") or []) + (data.get("daily_caps") or []):
        assert cap["rule"] and cap["limit"] > 0
    claims = data.get("claims") or {}
    for kind in claims.get("kinds") or []:
        assert kind["rule"] and kind["activity"], kind
    for chain in claims.get("chains") or []:
        assert chain["rule"] and all(step["rule"] for step in chain["steps"]), chain


def test_every_ambiguity_resolution_sits_next_to_its_rule_as_a_note() -> None:
    weihai = yaml.safe_load((PACKAGE / "policies" / "weihai-2022.yaml").read_text(encoding="utf-8"))
    assert "同一样品" in weihai["same_item"]["note"]
    assert "按月份比例" in weihai["conversions"]["aid_dispatch"]["note"]
    tonglu = yaml.safe_load((PACKAGE / "policies" / "tonglu-2018.yaml").read_text(encoding="utf-8"))
    assert "12月30日" in tonglu["claim_deadline"]["note"]
    assert "近三年" in tonglu["consequences"]["title_if_incomplete"]["note"]


def test_the_package_never_reads_the_shared_regulations() -> None:
    for path in PACKAGE.rglob("*"):
        if path.suffix in (".py", ".yaml"):
            assert "shared/regulations" not in path.read_text(encoding="utf-8"), path


def test_every_covered_kind_is_a_known_kind() -> None:
    from rules import KINDS

    for policy_id in available_policies():
        assert set(load_policy(policy_id).kinds) <= set(KINDS)
