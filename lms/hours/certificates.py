"""Electronic certificates for completed years (威人社字〔2022〕2号 三: 电子证书, 查询验证码)."""
from __future__ import annotations

import base64
import secrets
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit, clock
from ..accounts.models import Person
from ..errors import Conflict, NotEligible, NotFound
from .models import HoursCertificate
from .summary import year_summary


def new_code() -> str:
    """A 128-bit random verification code, base32 in groups: unguessable and not sequential."""
    raw = base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=")
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def issue_certificate(s: Session, person: Person, year: int) -> HoursCertificate:
    """Issue (or return the existing) certificate for a year the person has completed under their policy."""
    existing = s.scalar(select(HoursCertificate).where(HoursCertificate.person_id == person.id,
                                                       HoursCertificate.year == year))
    if existing is not None and existing.revoked_at is None:
        return existing
    if existing is not None:
        raise Conflict("该年度的证书已被撤销，如需重新出具请联系人社局")
    if year >= clock.study_year():
        raise NotEligible("学习年度尚未结束，年度结束后方可出具电子证书")
    summary = year_summary(s, person, year)
    if not summary["complete"]:
        short = "、".join(f"{b['label']}还差 {b['short']}" for b in summary["bars"] if b["short"] > 0)
        raise NotEligible(f"{year} 年度学时未达到要求（{short}），不能出具电子证书")
    got = summary["totals"]
    cert = HoursCertificate(person_id=person.id, year=year, code=new_code(), total_hours=summary["total"],
                            general_public=got["general_public"], industry_public=got["industry_public"],
                            professional=got["professional"], policy=summary["policy"].id, issued_at=clock.now())
    s.add(cert)
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError as exc:  # issued concurrently by another request
        raise Conflict("证书正在出具，请刷新页面") from exc
    audit.record(s, person, "certificate.issue", cert, year=year, total=str(cert.total_hours))
    return cert


def revoke_certificate(s: Session, actor: Person, cert: HoursCertificate, reason: str,
                       ip: str | None = None) -> None:
    """Revoke a certificate (e.g. forged evidence, 温人社发〔2020〕125号 第十五条); the reason is required."""
    reason = reason.strip()
    if not reason:
        raise Conflict("请填写撤销原因")
    if cert.revoked_at is not None:
        raise Conflict("该证书已撤销")
    cert.revoked_at, cert.revoked_by_id, cert.revoke_reason = clock.now(), actor.id, reason
    audit.record(s, actor, "certificate.revoke", cert, ip=ip, reason=reason, code=cert.code)


def find_certificate(s: Session, code: str) -> HoursCertificate:
    cleaned = code.strip().upper()
    cert = s.scalar(select(HoursCertificate).where(HoursCertificate.code == cleaned)) if len(cleaned) <= 40 else None
    if cert is None:
        raise NotFound("查无此验证码对应的证书，请核对验证码是否输入正确")
    return cert


def certificate_hours(cert: HoursCertificate) -> dict[str, Decimal]:
    return {"general_public": cert.general_public, "industry_public": cert.industry_public,
            "professional": cert.professional}
