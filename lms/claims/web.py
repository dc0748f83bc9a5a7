"""What the claim pages (views.py) and the claim API (api.py) share: reading a request's facts, files and version,
whom an account files for, the preview of a claim's hours, and the evidence download. The checks themselves are
the operations' (operations.py); these helpers only read the request the same way for both."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy.orm import Session

from rules import Policy, load_policy
from rules.claims import ClaimDeadline, ClaimHours, ClaimKind, ReviewChain

from .. import clock
from ..accounts.models import Person
from ..errors import InvalidInput, NotAllowed
from ..orgs.scope import visible_person
from .models import EVIDENCE_TYPES, MAX_FILE_BYTES, HourClaim
from .operations import (
    Upload,
    acts_in_chain,
    chain_of,
    check_facts,
    evidence_of,
    evidence_store,
    kind_of,
    kinds_for,
    may_refile,
    visible_claim,
)

# Accounts whose organisation may act in some region's review chain; which claims each sees is the scope's.
REVIEWER_ROLES = ("employer", "agency", "authority", "bureau")
# Accounts that may file for someone where a chain names their organisation as filer (桐 第十三条: employers).
FILER_ROLES = ("employer", "agency")


def uploads(name: str = "evidence") -> list[Upload]:
    """The files of a form field, each read up to one byte over the limit (enough to refuse it) and closed."""
    out = []
    for f in request.files.getlist(name):
        try:
            out.append(Upload(f.filename or "", f.read(MAX_FILE_BYTES + 1)))
        finally:
            f.close()
    return out


def fact_values(kind: ClaimKind) -> dict[str, str]:
    """The kind's facts as the form sent them (every field, empty when missing); the operations check them."""
    return {f.name: request.form.get(f.name, "") for f in kind.fields}


def version_of(raw: str | None) -> int:
    """The claim version a page or client last saw (a decision or correction on another version is refused)."""
    text = (raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise InvalidInput("页面已过期，请刷新后重试（缺少或无效的版本号 version）")
    return int(text)


def kind_named(s: Session, person: Person, kind_id: str) -> tuple[Policy, ClaimKind]:
    """The person's policy and the kind a request names (404 for a kind the policy does not have)."""
    policy, _kinds = kinds_for(s, person)
    return policy, kind_of(policy, kind_id)


def claim_kind(claim: HourClaim) -> ClaimKind:
    """The kind of a filed claim, under the policy it was filed under."""
    return kind_of(load_policy(claim.policy), claim.kind)


def decidable_claim(s: Session, actor: Person, claim_id: int) -> HourClaim:
    """A claim the reviewer sees (404 outside the scope, before anything else is said) and whose chain their
    organisation acts in (403 otherwise: the HR bureau reads claims it does not review, for findings and audits)."""
    claim = visible_claim(s, actor, claim_id)
    if not acts_in_chain(s, actor, claim):
        raise NotAllowed("您所在机构不审核这项申报")
    return claim


def may_resubmit(s: Session, actor: Person, claim: HourClaim) -> bool:
    """Whether actor may correct the claim and file it again now: it was returned, and they may file for its
    claimant."""
    return claim.status == "returned" and may_refile(s, actor, claim)


def claimant(s: Session, actor: Person, person_id: int | None) -> Person:
    """Whose claims the request is about: the practitioner themself, or (person_id given) a person an employer's or
    agency's administrator has in scope (404 otherwise); whether they may file for them is the chain's."""
    if person_id is None:
        if actor.role != "practitioner":
            raise NotAllowed("请指定为哪位专业技术人员申报（person_id）")
        return actor
    if actor.role not in FILER_ROLES:
        raise NotAllowed()
    return visible_person(s, actor, person_id)


@dataclass(frozen=True)
class Preview:
    """What a claim would give before anything is stored: the hours with each line's article, or the problems."""

    policy: Policy
    kind: ClaimKind
    chain: ReviewChain
    got: ClaimHours | None
    problems: dict[str, str]
    deadline: ClaimDeadline | None
    """The filing deadline of an activity ending today (what the form says before anything is entered)."""


def preview(s: Session, person: Person, kind_id: str, values: dict[str, str]) -> Preview:
    """The hours the person's policy gives these facts (Policy.credit, line by line), or every problem with them."""
    policy, _kinds = kinds_for(s, person)
    kind = kind_of(policy, kind_id)
    got, problems = check_facts(policy, kind, {k: v for k, v in values.items() if v.strip()})
    return Preview(policy, kind, chain_of(s, person, policy, kind.id), got, problems,
                   policy.claim_deadline_explained(clock.china_today()))


def evidence_download(s: Session, actor: Person, claim_id: int, evidence_id: int, inline: bool) -> Any:
    """An evidence file for its claimant and the reviewers who see the claim (404 for others): a download, never
    cached or sniffed; inline (a reviewer viewing it in the page) only for the types a browser shows safely."""
    ev = evidence_of(s, actor, claim_id, evidence_id)
    inline = inline and ev.mime in EVIDENCE_TYPES
    resp = evidence_store().send(ev.key, mimetype=ev.mime, as_attachment=not inline, download_name=ev.filename,
                                 conditional=False, etag=False, max_age=0)  # FileLost: 410
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "no-store, private"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; plugin-types application/pdf; sandbox"
    return resp
