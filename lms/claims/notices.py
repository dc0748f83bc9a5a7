"""What a claimant is told of their claim: every review decision (approve at a step, lower, return, reject, the
final crediting) becomes a message in the app and, when they gave an address, an outbox mail (lms/messages), written
in the decision's own transaction (issue 12 item 10)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from rules import load_policy
from rules.claims import ReviewStep

from ..messages.operations import notify
from ..orgs.models import Organisation
from .models import HourClaim


def _n(value: Decimal | None) -> str:
    """Hours as people write them: 10, 10.5 (not 10.00)."""
    return "" if value is None else f"{value.normalize():f}"


def tell_decision(s: Session, claim: HourClaim, decision: str, *, step: ReviewStep, steps: tuple[ReviewStep, ...],
                  org: Organisation, reason: str, lowered: Decimal | None) -> None:
    """Tell the claimant of a decision just taken on their claim (once per decision: its version is the ref)."""
    unit = load_policy(claim.policy).unit
    where = f"{org.name}（{step.label}）"
    if decision == "approve" and claim.status == "approved":
        subject = f"学时认证已认定：{_n(claim.credited_hours)} {unit}"
        body = (f"您申报的“{claim.title}”经{where}审核通过，已认定 {_n(claim.credited_hours)} {unit}并登记到学时银行。"
                + (f"\n审核认定学时低于按规定可得的 {_n(claim.hours_claimed)}，理由：{reason}"
                   if lowered is not None else ""))
        if claim.credited_hours is not None and claim.credited_hours < (lowered or claim.hours_claimed):
            body += "\n因本年度同类学时已达上限或同一成果已登记，按规定计入的学时少于本项可得学时，详见学时银行的说明。"
    elif decision == "approve":
        subject = "学时认证：已通过一级审核"
        body = (f"您申报的“{claim.title}”已由{where}审核通过，转“{steps[claim.step].label}”。"
                + (f"\n本级审核认定 {_n(lowered)} {unit}（低于按规定可得的 {_n(claim.hours_claimed)}），理由：{reason}"
                   if lowered is not None else ""))
    elif decision == "return":
        subject = "学时认证被退回修改"
        body = f"您申报的“{claim.title}”被{where}退回修改。\n原因：{reason}\n请按要求修改或补充佐证材料后重新提交。"
    else:
        subject = "学时认证未通过"
        body = f"您申报的“{claim.title}”经{where}审核，不予认定。\n原因：{reason}"
    notify(s, claim.person_id, subject, body, f"/claims/{claim.id}", kind="claim.decision",
           ref=f"claim:{claim.id}:v{claim.version}")
