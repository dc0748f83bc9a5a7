"""What the rules command line prints, to the character: the explain table (columns aligned by display width, a
CJK character taking two), the help texts and the refusals of a malformed activities file. Written after `make mutate`
showed the rendering and the messages unguarded (the older tests look for fragments of the output)."""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from rules.cli import main, read_activities

WEIHAI_YEAR = {
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
}

WEIHAI_TABLE = [
    '政策：weihai-2022  威海市人力资源和社会保障局关于做好威海市专业技术人员继续教育学时管理认定工作的通知（威人社字〔2022〕2号）',
    '年度：2025    计量单位：学时',
    '',
    '认定明细',
    '序号  科目          学时        依据                            说明',
    '1     一般公需科目  20          威人社字〔2022〕2号 二(一)2     全国职称外语考试（B级）：20学时，计入一般公需科目',
    '2     一般公需科目  20          威人社字〔2022〕2号 二(一)3     全国专业技术人员计算机应用能力考试：4个模块×5学时=20学时，计入一般公需科目',
    '3     一般公需科目  10（原20）  威人社字〔2022〕2号 二(一)3     全国专业技术人员计算机应用能力考试：4个模块×5学时=20学时，计入一般公需科目；超出计算机应用能力考试每年30学时上限（威人社字〔2022〕2号 二(一)3），核减为10学时',
    '4     专业科目      6           威人社字〔2022〕2号 二(二)1(1)  培训班、研（进）修班、专题讲座、岗位培训：1天6学时，计入专业科目',
    '5     专业科目      10          威人社字〔2022〕2号 二(二)4     论文：10学时，计入专业科目',
    '',
    '未计入',
    '- 论文（item_id=doi:1，10学时）：同一成果已按最高学时计入，不重复计算（威人社字〔2022〕2号 二(二)4）',
    '',
    '分类合计',
    '科目          学时',
    '一般公需科目  50',
    '行业公需科目  0',
    '专业科目      16',
    '总计          66',
    '',
    '年度要求',
    '要求                                最低  已认定  差额  结论    依据',
    '年度总学时                          90    66      24    未达标  威人社字〔2022〕2号 二',
    '公需科目（一般公需与行业公需合计）  30    50      0     达标    威人社字〔2022〕2号 二',
    '专业科目                            60    16      44    未达标  威人社字〔2022〕2号 二',
    '',
    '结论：2025年度继续教育学时要求未完成。',
]


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "activities.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_explain_prints_the_whole_table_aligned_by_display_width(tmp_path: Path) -> None:
    """威人社字〔2022〕2号 二: a capped line shows what it was cut from, a repeated item is listed as not counted."""
    out, err = io.StringIO(), io.StringIO()
    assert main(["explain", "--policy", "weihai-2022", str(write(tmp_path, WEIHAI_YEAR))], out=out, err=err) == 0
    assert out.getvalue() == "\n".join(WEIHAI_TABLE) + "\n" and err.getvalue() == ""


def test_explain_writes_refusals_to_the_error_stream_it_is_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["explain", "--policy", "atlantis-2030", str(write(tmp_path, []))], out=out, err=err) == 2
    assert out.getvalue() == "" and err.getvalue().startswith("错误：unknown policy 'atlantis-2030'")
    assert capsys.readouterr() == ("", "")


def test_the_help_names_the_commands_and_the_policies(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    assert capsys.readouterr().out == (
        "usage: rules [-h] {explain,policies} ...\n\n学时通继续教育学时规则\n\npositional arguments:\n"
        "  {explain,policies}\n    explain           按政策解释一个人一个年度的学时\n"
        "    policies          列出可用的政策\n\noptions:\n  -h, --help          show this help message and exit\n"
    )
    with pytest.raises(SystemExit):
        main(["explain", "--help"])
    assert capsys.readouterr().out == (
        "usage: rules explain [-h] --policy POLICY [--year YEAR] activities\n\npositional arguments:\n"
        "  activities       activities.json\n\noptions:\n  -h, --help       show this help message and exit\n"
        "  --policy POLICY  政策编号：sichuan-2016, tonglu-2018, weihai-2022, wenzhou-2020, zhejiang-2016\n"
        "  --year YEAR      学习年度（默认取文件中的 year）\n"
    )


@pytest.mark.parametrize(("argv", "missing"), [([], "command"), (["explain", "a.json"], "--policy")])
def test_a_command_and_a_policy_are_required(
    argv: list[str], missing: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    assert capsys.readouterr().err.endswith(f"error: the following arguments are required: {missing}\n")


@pytest.mark.parametrize(("data", "message"), [
    pytest.param({"year": 2025, "activities": [], "person": "x"},
                 "expected {'year': ..., 'activities': [...]}, got keys ['activities', 'person', 'year']",
                 id="an unknown key"),
    pytest.param({"year": 2025}, "expected {'year': ..., 'activities': [...]}, got keys ['year']",
                 id="no activities"),
    pytest.param({"year": True, "activities": []}, "'year' must be an integer", id="a year that is a boolean"),
    pytest.param({"year": "2025", "activities": []}, "'year' must be an integer", id="a year that is text"),
    pytest.param({"year": 2025, "activities": {"kind": "paper"}}, "'activities' must be a list", id="not a list"),
])
def test_a_malformed_activities_file_is_refused_naming_what_is_wrong(
    tmp_path: Path, data: Any, message: str
) -> None:
    path = write(tmp_path, data)
    with pytest.raises(ValueError) as refused:
        read_activities(path, None)
    assert str(refused.value) == f"{path}: {message}"


def test_the_year_given_on_the_command_line_wins_over_the_files(tmp_path: Path) -> None:
    year, activities = read_activities(write(tmp_path, {"year": 2025, "activities": [{"kind": "book"}]}), 2024)
    assert year == 2024 and activities[0].year == 2024


def test_the_files_year_applies_when_none_is_given(tmp_path: Path) -> None:
    year, activities = read_activities(write(tmp_path, {"year": 2025, "activities": [{"kind": "book"}]}), None)
    assert year == 2025 and activities[0].year == 2025


def test_an_activities_file_is_read_as_utf8_whatever_the_locale(tmp_path: Path, ascii_locale: None) -> None:
    path = write(tmp_path, {"year": 2025, "activities": [{"kind": "book", "item_id": "《继续教育》"}]})
    year, activities = read_activities(path, None)
    assert year == 2025 and activities[0].item_id == "《继续教育》"
