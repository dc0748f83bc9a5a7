"""The study record (学习记录): evidence of every segment and presence prompt."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from ua_parser import parse as parse_user_agent

from ..catalogue.models import Chapter, Enrolment
from .models import PresencePrompt, StudySegment

END_REASONS = {None: "进行中", "idle": "脱机过久，自动结束", "prompt_missed": "人机交互确认超时",
               "superseded": "在其他页面或设备继续学习", "closed": "离开学习页面", "logout": "退出登录"}
PROMPT_STATUS = {"pending": "等待确认", "answered": "已确认", "missed": "未确认（超时）"}


# Browser families as people call them ("Chrome Mobile" is Chrome on a phone; the OS already says so).
_BROWSER_NAMES = {"Chrome Mobile": "Chrome", "Chrome Mobile WebView": "Android WebView", "Mobile Safari": "Safari",
                  "Mobile Safari UI/WKWebView": "Safari", "Firefox Mobile": "Firefox", "Edge Mobile": "Edge",
                  "WeChat": "微信", "WeChat Browser": "微信", "QQ Browser": "QQ 浏览器",
                  "QQ Browser Mobile": "QQ 浏览器", "UC Browser": "UC 浏览器", "HeadlessChrome": "Chrome（无界面）"}


@lru_cache(maxsize=1024)
def device_label(user_agent: str) -> str:
    """A readable device for the study record ("Chrome · Android") from the raw User-Agent it keeps."""
    if not user_agent:
        return "未知设备"
    found = parse_user_agent(user_agent)
    parts = []
    if found.user_agent is not None and found.user_agent.family != "Other":
        parts.append(_BROWSER_NAMES.get(found.user_agent.family, found.user_agent.family))
    if found.os is not None and found.os.family != "Other":
        parts.append(found.os.family)
    return " · ".join(parts) if parts else user_agent[:40]


def study_record(s: Session, enrolment: Enrolment) -> dict[str, Any]:
    """Every segment and presence prompt of one enrolment, oldest first."""
    titles = dict(s.execute(select(Chapter.id, Chapter.title).where(Chapter.course_id == enrolment.course_id)).all())
    segments = [{
        "id": seg.id, "chapter": titles.get(seg.chapter_id, ""), "chapter_version": seg.chapter_version,
        "started_at": seg.started_at, "ended_at": seg.ended_at, "last_beat_at": seg.last_beat_at,
        "credited_seconds": seg.credited_ms / 1000, "end_reason": seg.end_reason,
        "end_reason_text": END_REASONS.get(seg.end_reason, seg.end_reason), "ip": seg.ip or "",
        "device": seg.device or "", "device_label": device_label(seg.device or ""), "beats": seg.beats,
    } for seg in s.scalars(select(StudySegment).where(StudySegment.enrolment_id == enrolment.id)
                           .order_by(StudySegment.started_at, StudySegment.id))]
    seg_chapter = {seg["id"]: seg["chapter"] for seg in segments}
    prompts = [{
        "id": p.id, "segment_id": p.segment_id, "chapter": seg_chapter.get(p.segment_id, ""),
        "shown_at": p.shown_at, "deadline": p.deadline, "answered_at": p.answered_at, "status": p.status,
        "status_text": PROMPT_STATUS[p.status],
    } for p in s.scalars(select(PresencePrompt).where(PresencePrompt.enrolment_id == enrolment.id)
                         .order_by(PresencePrompt.shown_at, PresencePrompt.id))]
    return {"segments": segments, "prompts": prompts,
            "total_seconds": sum(seg["credited_seconds"] for seg in segments)}
