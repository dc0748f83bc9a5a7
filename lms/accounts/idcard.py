"""Resident ID number (居民身份证号码) validation per GB 11643-1999."""
from __future__ import annotations

import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_PATTERN = re.compile(r"^\d{17}[\dX]$")


def check_digit(first17: str) -> str:
    """Return the GB 11643 check character for the first 17 digits (ISO 7064 MOD 11-2)."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def id_number_problem(value: str) -> str | None:
    """Return a Chinese explanation of what is wrong with an 18-digit ID number, or None if valid."""
    v = value.strip().upper()
    if not _PATTERN.match(v):
        return "身份证号码应为 18 位：前 17 位为数字，最后一位为数字或 X"
    try:
        born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return "身份证号码中的出生日期无效"
    if born.year < 1900 or born > date.today():
        return "身份证号码中的出生日期无效"
    if check_digit(v[:17]) != v[17]:
        return "身份证号码校验位不正确，请核对后重新输入"
    return None
