"""rules.cli.main: ``explain --policy <id> activities.json`` prints a readable table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rules.cli import main


def write(tmp_path: Path, data: Any) -> str:
    path = tmp_path / "activities.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_explain_prints_lines_totals_requirements_and_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        {
            "year": 2025,
            "activities": [
                {"kind": "foreign_language_exam", "grade": "B"},
                {"kind": "computer_exam", "modules": 4},
                {"kind": "computer_exam", "modules": 4},
                {"kind": "training", "hours": 6, "start": "2025-03-02"},
                {"kind": "paper", "item_id": "doi:1"},
                {"kind": "paper", "item_id": "doi:1"},
                {"kind": "paper", "year": 2024},
            ],
        },
    )
    assert main(["explain", "--policy", "weihai-2022", path]) == 0
    out = capsys.readouterr().out
    assert "政策：weihai-2022" in out and "威人社字〔2022〕2号" in out and "年度：2025" in out
    assert "全国职称外语考试（B级）：20学时，计入一般公需科目" in out
    assert "10（原20）" in out and "核减为10学时" in out
    assert "未计入" in out and "不重复计算" in out
    assert "一般公需科目  50" in out
    assert "专业科目" in out and "年度要求" in out and "差额" in out
    assert "结论：2025年度继续教育学时要求未完成。" in out


def test_explain_reads_a_plain_list_and_reports_a_completed_year(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        [
            {"kind": "degree_education", "year": 2025, "related": True},
            {"kind": "foreign_language_exam", "year": 2025},
        ],
    )
    assert main(["explain", "--policy", "tonglu-2018", path]) == 0
    out = capsys.readouterr().out
    assert "计量单位：学分" in out and "结论：2025年度继续教育学分要求已完成。" in out


def test_explain_year_option_overrides_and_fills_missing_years(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, [{"kind": "paper", "year": 2024}, {"kind": "book"}])
    assert main(["explain", "--policy", "weihai-2022", "--year", "2025", path]) == 0
    out = capsys.readouterr().out
    assert "著作、译著：10学时" in out and "论文：10学时" not in out


def test_explain_needs_a_year_when_activities_span_several(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, [{"kind": "paper", "year": 2024}, {"kind": "book", "year": 2025}])
    assert main(["explain", "--policy", "weihai-2022", path]) == 2
    assert "--year" in capsys.readouterr().err


def test_explain_reports_an_uncovered_kind_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, {"year": 2025, "activities": [{"kind": "competition", "level": "city"}]})
    assert main(["explain", "--policy", "zhejiang-2016", path]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "zhejiang-2016" in captured.err and "'competition'" in captured.err


def test_explain_names_the_bad_activity_and_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path,
        {"year": 2025, "activities": [{"kind": "paper"}, {"kind": "foreign_language_exam", "grade": "E"}]},
    )
    assert main(["explain", "--policy", "weihai-2022", path]) == 2
    assert "activities[1]" in (err := capsys.readouterr().err) and "'grade'" in err


def test_explain_reports_invalid_json_and_missing_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert main(["explain", "--policy", "weihai-2022", str(bad)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert main(["explain", "--policy", "weihai-2022", str(tmp_path / "none.json")]) == 2
    assert "无法读取" in capsys.readouterr().err


def test_explain_rejects_an_unknown_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "--policy", "atlantis-2030", write(tmp_path, [])]) == 2
    assert "unknown policy" in capsys.readouterr().err


def test_explain_an_empty_year_says_nothing_was_credited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["explain", "--policy", "sichuan-2016", "--year", "2025", write(tmp_path, [])]) == 0
    assert "（本年度没有可认定的活动）" in capsys.readouterr().out.splitlines()


def test_policies_lists_every_policy_with_its_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policies"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 5 and out[0].startswith("sichuan-2016\t川人社发〔2016〕20号")


def test_the_benchmark_ends_with_one_throughput_line(capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "bench" / "bench_rules.py"
    spec = importlib.util.spec_from_file_location("bench_rules", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--n", "200", "--chunk", "50", "--pool", "100"]) == 0  # a small pool: make mutate runs it often
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].startswith("rules: ") and out[0].endswith(" person-years/s")
