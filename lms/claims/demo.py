"""Demo claims (issue 12): 张伟 (工程技术) and 李娜 (教育) file professional-subject claims with evidence, so the
city industry authorities that approve them (温人社发〔2020〕125号 第十二条) have a queue: 住建局 two claims waiting,
教育局 one; and 张伟 has one returned for correction, one approved (credited to the hours bank) and one rejected.
Made through the claims' own operations (filing with an evidence file, each decision audited). Idempotent."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import clock
from ..accounts.models import Person
from .models import HourClaim
from .operations import Upload, decide, file_claim

LINE = ("  学时认证        住建局 zhujian 待审 2 项、教育局 jiaoyu 待审 1 项；张伟（/me/claims）另有退回修改、"
        "已认定、未通过各 1 项")


def load_claims_demo(s: Session) -> list[str]:
    """File the demo claims once (when the demo practitioners have none); return the line describing them."""
    zhang = _practitioner(s, "13900000001")
    li = _practitioner(s, "13900000002")
    zhujian = s.scalar(select(Person).where(Person.username == "zhujian"))
    jiaoyu = s.scalar(select(Person).where(Person.username == "jiaoyu"))
    if zhang is None or li is None or zhujian is None or jiaoyu is None:
        return []
    if s.scalar(select(HourClaim.id).where(HourClaim.person_id.in_((zhang.id, li.id))).limit(1)) is None:
        _create(s, zhang, li, zhujian)
    return [LINE]


def _practitioner(s: Session, mobile: str) -> Person | None:
    return s.scalar(select(Person).where(Person.mobile == mobile, Person.role == "practitioner"))


def _evidence(title: str) -> list[Upload]:
    from ..demo import demo_pdf  # the demo's own PDF maker (lms.demo imports this module inside a function)
    return [Upload(f"{title}.pdf", demo_pdf(title, f"{title}（演示用证明材料，非真实文件）"))]


def _create(s: Session, zhang: Person, li: Person, zhujian: Person) -> None:
    today = clock.china_today()
    first = date(today.year, 1, 1)

    def day(ago: int) -> str:  # a day of this study year, never in the future
        return max(today - timedelta(days=ago), first).isoformat()

    def claim(person: Person, kind: str, title: str, **form: str) -> HourClaim:
        return file_claim(s, person, person, kind, form, _evidence(title))

    # waiting at 住建局
    claim(zhang, "conference", "全国建筑结构学术会议参会证明", start=day(30), end=day(29), hours="12")
    claim(zhang, "paper", "论文：装配式建筑节点抗震性能研究", start=day(20), hours="15",
          item_id="doi:10.0000/demo.2026.001")
    # waiting at 教育局
    claim(li, "unit_training", "温州市第一中学校本研修记录", start=day(15), end=day(14), hours="8")
    # decided by 住建局: returned, approved (credited), rejected
    returned = claim(zhang, "training", "BIM 技术应用培训班结业证书", start=day(40), end=day(38), hours="24")
    decide(s, zhujian, returned.id, version=returned.version, decision="return",
           reason="结业证书未盖培训机构公章，请补充后重新提交")
    approved = claim(zhang, "expert_service", "服务乡镇建设项目技术指导证明", start=day(50), end=day(50), hours="6")
    decide(s, zhujian, approved.id, version=approved.version, decision="approve")
    rejected = claim(zhang, "research_project", "课题：某住宅小区施工组织设计", start=day(60), hours="10",
                     item_id="演示课题-2026-01")
    decide(s, zhujian, rejected.id, version=rejected.version, decision="reject",
           reason="所附材料为单位内部施工方案，不属于科研课题或规划（行业标准）制定")
