"""Command line for staff: ``explain`` a person's year under a policy.

    python -m rules.cli explain --policy weihai-2022 activities.json [--year 2025]
    python -m rules.cli policies

``activities.json`` is either a list of activity objects or
``{"year": 2025, "activities": [...]}``; see docs/rules.md for the fields.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from .model import CATEGORIES, CATEGORY_LABELS, Activity, Compliance, NotCovered, fmt
from .policy import Policy, available_policies, load_policy

__all__ = ["main", "read_activities", "render"]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [_width(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row[:-1]):
            widths[i] = max(widths[i], _width(cell))
    out = []
    for row in [list(headers), *rows]:
        cells = [_pad(cell, widths[i]) for i, cell in enumerate(row[:-1])]
        out.append("  ".join([*cells, row[-1]]).rstrip())
    return out


def read_activities(path: Path, year: int | None) -> tuple[int, list[Activity]]:
    """Parse an activities file; returns the study year and the activities."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not valid JSON ({exc})") from None
    if isinstance(data, dict):
        unknown = set(data) - {"year", "activities"}
        if unknown or "activities" not in data:
            raise ValueError(
                f"{path}: expected {{'year': ..., 'activities': [...]}}, got keys {sorted(data)}"
            )
        if year is None and data.get("year") is not None:
            if isinstance(data["year"], bool) or not isinstance(data["year"], int):
                raise ValueError(f"{path}: 'year' must be an integer")
            year = data["year"]
        items = data["activities"]
    else:
        items = data
    if not isinstance(items, list):
        raise ValueError(f"{path}: 'activities' must be a list")
    activities = []
    for index, item in enumerate(items):
        try:
            activities.append(Activity.from_mapping(item, default_year=year))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"activities[{index}]: {exc}") from None
    if year is None:
        years = {a.year for a in activities}
        if len(years) != 1:
            raise ValueError(
                f"{path}: activities span years {sorted(years)}; give --year or a top-level 'year'"
            )
        year = years.pop()
    return year, activities


def render(policy: Policy, report: Compliance) -> str:
    """The evaluation as a readable table."""
    unit = report.unit
    lines = [
        f"政策：{policy.id}  {policy.title}（{policy.document}）",
        f"年度：{report.year}    计量单位：{unit}",
        "",
        "认定明细",
    ]
    rows = []
    for n, credit in enumerate(report.lines, 1):
        hours = fmt(credit.hours)
        if credit.capped_from is not None:
            hours = f"{hours}（原{fmt(credit.capped_from)}）"
        rows.append([str(n), CATEGORY_LABELS[credit.category], hours, credit.rule, credit.explanation])
    if rows:
        lines += _table(["序号", "科目", unit, "依据", "说明"], rows)
    else:
        lines.append("（本年度没有可认定的活动）")
    if report.skipped:
        lines += ["", "未计入"]
        lines += [f"- {text}" for text in report.skipped]
    lines += ["", "分类合计"]
    lines += _table(
        ["科目", unit, ""],
        [[CATEGORY_LABELS[c], fmt(report.totals[c]), ""] for c in CATEGORIES]
        + [["总计", fmt(report.total), ""]],
    )
    lines += ["", "年度要求"]
    req_rows = [
        [r.label, fmt(r.minimum), fmt(r.credited), fmt(r.short), "达标" if r.met else "未达标", r.rule]
        for r in report.requirements
    ]
    lines += _table(["要求", "最低", "已认定", "差额", "结论", "依据"], req_rows)
    verdict = "已完成" if report.complete else "未完成"
    lines += ["", f"结论：{report.year}年度继续教育{unit}要求{verdict}。"]
    return "\n".join(lines) + "\n"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rules", description="学时通继续教育学时规则")
    sub = parser.add_subparsers(dest="command", required=True)
    explain = sub.add_parser("explain", help="按政策解释一个人一个年度的学时")
    explain.add_argument("--policy", required=True, help=f"政策编号：{', '.join(available_policies())}")
    explain.add_argument("--year", type=int, default=None, help="学习年度（默认取文件中的 year）")
    explain.add_argument("activities", type=Path, help="activities.json")
    sub.add_parser("policies", help="列出可用的政策")
    return parser


def main(argv: list[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 bad input)."""
    stdout = out if out is not None else sys.stdout
    stderr = err if err is not None else sys.stderr
    args = _parser().parse_args(argv)
    if args.command == "policies":
        for policy_id in available_policies():
            policy = load_policy(policy_id)
            stdout.write(f"{policy_id}\t{policy.document}\t{policy.title}\n")
        return 0
    try:
        policy = load_policy(args.policy)
    except KeyError as exc:
        stderr.write(f"错误：{exc.args[0]}\n")
        return 2
    try:
        year, activities = read_activities(args.activities, args.year)
        report = policy.evaluate(activities, year)
    except OSError as exc:
        stderr.write(f"错误：无法读取 {args.activities}：{exc.strerror}\n")
        return 2
    except (NotCovered, ValueError) as exc:
        stderr.write(f"错误：{exc}\n")
        return 2
    stdout.write(render(policy, report))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
