"""Reading policy files and applying ``extends`` (rules/loading.py), on small policy files written for the test: what
a child inherits, replaces and adds, and the exact refusal of a file that cannot be read. Written after `make mutate`
showed the loader's merging and messages unguarded (the shipped files exercise only the paths they happen to use)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rules import load_policy, loading
from rules.loading import PolicyError, resolve

PARENT: dict[str, Any] = {
    "id": "parent-2000",
    "document": "父〔2000〕1号",
    "title": "parent",
    "region": "parentland",
    "in_force": {"from": "2000-01-01", "rule": "第九条"},
    "unit": "学时",
    "requirements": [{"category": "professional", "min": 60, "rule": "第八条"}],
    "conversions": {
        "paper": {"method": "fixed", "amount": 10, "rule": "第七条"},
        "book": {"method": "fixed", "amount": 20, "rule": "第七条"},
    },
    "caps": [{"id": "papers", "max": 30, "rule": "第六条"}, {"id": "books", "max": 40, "rule": "第六条"}],
    "daily_caps": [],
    "consequences": {"excellent_if_incomplete": {"text": "不得评优", "rule": "第五条"}, "not_stated": ["无"]},
    "platform_courses": {"professional": {"rule": "第四条"}},
    "same_item": {"rule": "第三条"},
    "sector_rules": [{"sector": "health", "rule": "第二条"}],
    "minutes_per_hour": 45,
}


@pytest.fixture
def policy_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Policy files are read from a folder of the test's own instead of rules/policies."""
    monkeypatch.setattr(loading, "_policy_dir", lambda: tmp_path)
    return tmp_path


def write(folder: Path, data: Any, name: str | None = None) -> None:
    name = name or str(data["id"])
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_an_unknown_policy_is_refused_listing_the_policies_there_are() -> None:
    with pytest.raises(KeyError) as refused:
        load_policy("atlantis-2030")
    assert refused.value.args[0] == (
        "unknown policy 'atlantis-2030'; available: sichuan-2016, tonglu-2018, weihai-2022, wenzhou-2020, zhejiang-2016"
    )


def test_only_yaml_files_are_policies(policy_dir: Path) -> None:
    write(policy_dir, PARENT)
    (policy_dir / "notes.txt").write_text("not a policy", encoding="utf-8")
    assert loading.available_policies() == ["parent-2000"]


def test_a_file_whose_id_is_not_its_name_is_refused(policy_dir: Path) -> None:
    write(policy_dir, {**PARENT, "id": "other-2000"}, name="parent-2000")
    with pytest.raises(PolicyError) as refused:
        resolve("parent-2000")
    assert str(refused.value) == "policy file parent-2000.yaml must be a mapping with id: parent-2000"


def test_a_file_that_is_not_a_mapping_is_refused(policy_dir: Path) -> None:
    write(policy_dir, ["id", "parent-2000"], name="parent-2000")
    with pytest.raises(PolicyError) as refused:
        resolve("parent-2000")
    assert str(refused.value) == "policy file parent-2000.yaml must be a mapping with id: parent-2000"


def test_policy_files_are_read_as_utf8_whatever_the_locale(policy_dir: Path, ascii_locale: None) -> None:
    (policy_dir / "parent-2000.yaml").write_bytes(yaml.safe_dump(PARENT, allow_unicode=True).encode("utf-8"))
    assert resolve("parent-2000")["document"] == "父〔2000〕1号"


def test_circular_extends_is_refused_naming_the_circle(policy_dir: Path) -> None:
    write(policy_dir, {**PARENT, "id": "a-2000", "extends": "b-2000"})
    write(policy_dir, {**PARENT, "id": "b-2000", "extends": "a-2000"})
    with pytest.raises(PolicyError) as refused:
        resolve("a-2000")
    assert str(refused.value) == "circular extends: a-2000 -> b-2000 -> a-2000"


def test_the_old_single_daily_cap_is_refused_naming_its_replacement(policy_dir: Path) -> None:
    write(policy_dir, {**PARENT, "daily_cap": 8})
    with pytest.raises(PolicyError) as refused:
        resolve("parent-2000")
    assert str(refused.value) == "parent-2000: daily_cap is now daily_caps (a list of budgets with an id)"


def test_every_rule_is_stamped_with_the_document_that_states_it(policy_dir: Path) -> None:
    write(policy_dir, PARENT)
    data = resolve("parent-2000")
    stamped = [
        data["conversions"]["paper"], data["caps"][0], data["requirements"][0],
        data["consequences"]["excellent_if_incomplete"], data["platform_courses"]["professional"],
        data["same_item"], data["sector_rules"][0],
    ]
    assert {rule["_document"] for rule in stamped} == {"父〔2000〕1号"}
    assert data["consequences"]["not_stated"] == ["无"]  # notes, not a rule
    assert data["lineage"] == ["parent-2000"]


def test_a_file_without_a_document_is_cited_by_its_id(policy_dir: Path) -> None:
    write(policy_dir, {k: v for k, v in PARENT.items() if k != "document"})
    assert resolve("parent-2000")["conversions"]["paper"]["_document"] == "parent-2000"


def test_a_child_inherits_what_it_does_not_restate_but_not_the_parents_region_or_date(policy_dir: Path) -> None:
    write(policy_dir, PARENT)
    write(policy_dir, {"id": "child-2010", "extends": "parent-2000", "document": "子〔2010〕2号"})
    parent, child = resolve("parent-2000"), resolve("child-2010")
    assert "region" not in child and "in_force" not in child  # facts of one document
    assert child["document"] == "子〔2010〕2号" and child["extends"] == "parent-2000"
    assert child["lineage"] == ["parent-2000", "child-2010"]
    same = {k for k in parent if k not in ("id", "document", "region", "in_force", "lineage")}
    assert {k: child[k] for k in same} == {k: parent[k] for k in same}
    assert child["requirements"][0]["_document"] == "父〔2000〕1号"  # inherited rules cite the parent


def test_a_child_replaces_adds_and_removes_rules(policy_dir: Path) -> None:
    write(policy_dir, PARENT)
    write(policy_dir, {
        "id": "child-2010", "extends": "parent-2000", "document": "子〔2010〕2号", "title": "child",
        "requirements": [{"category": "professional", "min": 90, "rule": "第一条"}],
        "conversions": {"paper": {"method": "fixed", "amount": 15, "rule": "第二条"}, "book": None,
                        "patent": {"method": "fixed", "amount": 5, "rule": "第三条"}},
        "caps": [{"id": "papers", "max": 20, "rule": "第四条"}, {"id": "patents", "max": 10, "rule": "第四条"}],
        "consequences": {"consecutive_incomplete": {"text": "基本合格", "rule": "第五条"}},
        "platform_courses": {"general_public": {"rule": "第六条"}},
        "same_item": {"rule": "第七条"},
        "sector_rules": [{"sector": "education", "rule": "第八条"}],
    })
    child = resolve("child-2010")
    assert child["title"] == "child"
    assert child["requirements"] == [{"category": "professional", "min": 90, "rule": "第一条", "_document": "子〔2010〕2号"}]
    assert child["conversions"] == {
        "paper": {"method": "fixed", "amount": 15, "rule": "第二条", "_document": "子〔2010〕2号"},
        "patent": {"method": "fixed", "amount": 5, "rule": "第三条", "_document": "子〔2010〕2号"},
    }
    assert [(c["id"], c["max"], c["_document"]) for c in child["caps"]] == [
        ("papers", 20, "子〔2010〕2号"), ("books", 40, "父〔2000〕1号"), ("patents", 10, "子〔2010〕2号"),
    ]
    assert child["consequences"] == {
        "excellent_if_incomplete": {"text": "不得评优", "rule": "第五条", "_document": "父〔2000〕1号"},
        "not_stated": ["无"],
        "consecutive_incomplete": {"text": "基本合格", "rule": "第五条", "_document": "子〔2010〕2号"},
    }
    assert child["platform_courses"] == {
        "professional": {"rule": "第四条", "_document": "父〔2000〕1号"},
        "general_public": {"rule": "第六条", "_document": "子〔2010〕2号"},
    }
    assert child["same_item"] == {"rule": "第七条", "_document": "子〔2010〕2号"}
    assert child["sector_rules"] == [
        {"sector": "health", "rule": "第二条", "_document": "父〔2000〕1号"},
        {"sector": "education", "rule": "第八条", "_document": "子〔2010〕2号"},
    ]


def test_a_policy_without_conversions_caps_or_consequences_has_them_empty(policy_dir: Path) -> None:
    bare = {"id": "bare-2000", "document": "空〔2000〕1号", "title": "bare", "unit": "学时"}
    write(policy_dir, bare)
    data = resolve("bare-2000")
    assert data["conversions"] == {} and data["caps"] == [] and data["daily_caps"] == []
    assert data["requirements"] == [] and data["consequences"] == {} and data["platform_courses"] == {}
    assert data["same_item"] is None and data["sector_rules"] == []


def test_a_child_may_remove_a_conversion_its_parent_never_had_and_keeps_its_own_facts_as_written(policy_dir: Path) -> None:
    # a county's document that says a kind does not count, where the province never counted it either
    write(policy_dir, PARENT)
    write(policy_dir, {"id": "child-2010", "extends": "parent-2000", "document": "子〔2010〕2号", "title": "child",
                       "in_force": {"from": "2010-01-01", "rule": "第十条"}, "conversions": {"patent": None}})
    child = resolve("child-2010")
    assert sorted(child["conversions"]) == ["book", "paper"]
    # its date in force is its own fact (OWN), read as written: neither inherited nor stamped like an inherited rule
    assert child["in_force"] == {"from": "2010-01-01", "rule": "第十条"}
