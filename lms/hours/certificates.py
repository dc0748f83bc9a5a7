"""Electronic certificates for completed years (威人社字〔2022〕2号 三: 电子证书, 查询验证码)."""
from __future__ import annotations

import base64
import itertools
import re
import secrets
import unicodedata
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import audit, clock
from ..accounts.models import Person
from ..errors import Conflict, NotEligible, NotFound
from .issuer import issuing_bureau
from .models import HoursCertificate, HoursSheet
from .review import in_review
from .summary import year_summary

CODE_LENGTH = 26  # 128 bits in RFC 4648 base32 (A–Z, 2–7), without padding
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
# Characters outside the alphabet that a reader may type for exactly one letter of it: 0 and 8 are not base32
# digits, and O and B are the only letters they look like. 2 (Z), 5 (S) and 6 (G) are never replaced: they are
# base32 digits themselves.
_ONE_READING = {"0": "O", "8": "B"}
# 1, and a lower-case l (typed for an upper-case I, which looks the same in sans-serif print), stand for I or L,
# both in the alphabet: every reading is looked up. With 128 random bits two readings never both exist.
_TWO_READINGS = {"1": "IL", "l": "IL"}
_MAX_AMBIGUOUS = 6  # at most 2**6 readings; a typed code with more is not looked up
# Separators people type or paste between the groups: spaces of every kind, dashes, underscores, dots.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―_.·・]+")


def new_code() -> str:
    """A 128-bit random verification code, base32 in groups: unguessable and not sequential."""
    raw = base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=")
    return _grouped(raw)


def _grouped(raw: str) -> str:
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def code_readings(typed: str) -> list[str]:
    """The stored codes a typed verification code can stand for (grouped with dashes); [] when none.

    Accepts the code without dashes, with spaces, in lower case, in full-width characters, and with the
    look-alikes above; nothing else is guessed.
    """
    text = unicodedata.normalize("NFKC", typed[:80])
    text = _SEPARATORS.sub("", text)
    chars: list[str] = []
    for ch in text:
        if ch in _TWO_READINGS:
            chars.append(_TWO_READINGS[ch])
            continue
        ch = _ONE_READING.get(ch, ch.upper())
        if ch not in _ALPHABET:
            return []
        chars.append(ch)
    if len(chars) != CODE_LENGTH or sum(len(c) > 1 for c in chars) > _MAX_AMBIGUOUS:
        return []
    return [_grouped("".join(p)) for p in itertools.product(*chars)]


def issue_certificate(s: Session, person: Person, year: int) -> HoursCertificate:
    """Issue (or return the existing) certificate for a year the person has completed under their policy, once no
    registration of that year is still in review."""
    existing = s.scalar(select(HoursCertificate).where(HoursCertificate.person_id == person.id,
                                                       HoursCertificate.year == year))
    if existing is not None and existing.revoked_at is None:
        return existing
    if existing is not None:
        raise Conflict("该年度的证书已被撤销，如需重新出具请联系人社局")
    if year >= clock.study_year():
        raise NotEligible("学习年度尚未结束，年度结束后方可出具电子证书")
    # 威人社字〔2022〕2号 三: "在服务平台登记并经审核认定后，可打印电子证书" — not while a registration is in review.
    pending = in_review(s, person.id, year)
    if pending:
        raise NotEligible(f"{year} 年度还有 {pending} 项学时登记在审核中（含退回修改的），审核认定后方可出具电子证书")
    summary = year_summary(s, person, year)
    if not summary["complete"]:
        short = "、".join(f"{b['label']}还差 {b['short']}" for b in summary["bars"] if b["short"] > 0)
        raise NotEligible(f"{year} 年度学时未达到要求（{short}），不能出具电子证书")
    got = summary["totals"]
    cert = HoursCertificate(person_id=person.id, year=year, code=new_code(), total_hours=summary["total"],
                            general_public=got["general_public"], industry_public=got["industry_public"],
                            professional=got["professional"], policy=summary["policy"].id, issued_at=clock.now(),
                            issuer=issuing_bureau(s, person, year))
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


def find_document(s: Session, typed: str) -> HoursCertificate | HoursSheet:
    """The certificate or registration sheet a typed verification code stands for."""
    readings = code_readings(typed)
    if readings:
        cert = s.scalar(select(HoursCertificate).where(HoursCertificate.code.in_(readings)))
        if cert is not None:
            return cert
        sheet = s.scalar(select(HoursSheet).where(HoursSheet.code.in_(readings)))
        if sheet is not None:
            return sheet
    raise NotFound("查无此验证码对应的证书或登记表，请核对验证码是否输入正确")


def certificate_issuer(s: Session, cert: HoursCertificate, person: Person) -> str:
    """The bureau named on cert: as kept when it was issued, else the person's issuing bureau for that year."""
    return cert.issuer or issuing_bureau(s, person, cert.year)


def certificate_hours(cert: HoursCertificate) -> dict[str, Decimal]:
    return {"general_public": cert.general_public, "industry_public": cert.industry_public,
            "professional": cert.professional}
