"""The study record a practitioner reads: no database ids, a readable device instead of the raw User-Agent."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from lms.study.models import StudySegment
from lms.study.record import device_label
from tests.conftest import START, login

ANDROID_CHROME = ("Mozilla/5.0 (Linux; Android 13; SM-S9180) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/120.0.0.0 Mobile Safari/537.36")
IPHONE_WECHAT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Mobile/15E148 MicroMessenger/8.0.44(0x18002c2d) NetType/WIFI Language/zh_CN")
WINDOWS_EDGE = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0")


@pytest.mark.parametrize(("ua", "label"), [(ANDROID_CHROME, "Chrome · Android"), (IPHONE_WECHAT, "微信 · iOS"),
                                           (WINDOWS_EDGE, "Edge · Windows"), ("", "未知设备"),
                                           ("演示数据", "演示数据")])
def test_device_label_names_browser_and_system(ua: str, label: str) -> None:
    assert device_label(ua) == label


def test_the_study_record_page_shows_no_ids_and_a_readable_device(app: Any, db: Any, make: Any) -> None:
    person = make.practitioner()
    course = make.course(chapters=1)
    e = make.enrol(person, course)
    seg = StudySegment(person_id=person.id, enrolment_id=e.id, chapter_id=course.chapters[0].id, chapter_version=1,
                       stream="s" * 32, started_at=START, last_beat_at=START + timedelta(seconds=90),
                       ended_at=START + timedelta(seconds=90), end_reason="closed", credited_ms=90_000, beats=4,
                       ip="10.1.2.3", device=ANDROID_CHROME)
    db.add(seg)
    db.commit()
    client = app.test_client()
    login(client, person.id_number)
    page = client.get(f"/study/{e.id}/record").get_data(as_text=True)
    row = page.split('id="segments"')[1].split("</table>")[0]
    assert "Chrome · Android" in row and "Mozilla/5.0" not in row
    assert "<th>序号</th>" in row and "<th>#</th>" not in row
    csv_text = client.get(f"/study/{e.id}/record.csv").get_data(as_text=True)
    assert "Chrome · Android" in csv_text and ANDROID_CHROME in csv_text  # the export keeps the evidence
