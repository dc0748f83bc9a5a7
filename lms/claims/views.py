"""Pages of hour claims: a practitioner files and follows their claims; reviewers see the claims waiting at their
step of the chain (within their scope), open the evidence and decide."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from rules import load_policy
from rules.claims import fact_texts

from .. import clock
from ..accounts.models import Person
from ..db import get_session, transaction
from ..errors import DomainError, InvalidFields, InvalidInput
from ..orgs.scope import visible_person
from ..security import practitioner_required, roles_required
from .corrections import CORRECTION_KIND_LABEL, corrections_of
from .forms import DecisionForm, FilingForm
from .models import MAX_FILES, HourClaim
from .operations import (
    chain_of,
    decide,
    file_claim,
    files_for,
    history_of,
    kinds_for,
    may_decide,
    my_claims,
    resubmit_claim,
    step_labels,
    visible_claim,
)
from .web import (
    FILER_ROLES,
    REVIEWER_ROLES,
    claim_kind,
    decidable_claim,
    evidence_download,
    fact_values,
    kind_named,
    may_resubmit,
    preview,
    uploads,
    version_of,
)

bp = Blueprint("claims", __name__)


@bp.get("/me/claims")
@practitioner_required
def mine() -> Any:
    """The practitioner's claims and the kinds their policy lets them claim (学时认证)."""
    s = get_session()
    policy, kinds = kinds_for(s, current_user)
    return render_template("claims/mine.html", claims=my_claims(s, current_user), kinds=kinds, policy=policy,
                           chain=chain_of(s, current_user, policy), corrections=corrections_of(s, current_user),
                           correction_kind=CORRECTION_KIND_LABEL)


@bp.route("/me/claims/new", methods=["GET", "POST"])
@practitioner_required
def new() -> Any:
    """File a claim of one kind with its evidence; every problem is shown at once."""
    return _filing(current_user)


@bp.get("/org/people/<int:person_id>/claims")
@roles_required(*FILER_ROLES)
def person_claims(person_id: int) -> Any:
    """A staff member's or client's claims, and the kinds the administrator may file for them where the policy
    says the employer files (桐人社发〔2018〕26号 第十三条)."""
    s = get_session()
    person = visible_person(s, current_user, person_id)
    policy, kinds = kinds_for(s, person)
    chain = chain_of(s, person, policy)
    return render_template("claims/mine.html", claims=my_claims(s, person), kinds=kinds, policy=policy,
                           chain=chain, person=person, may_file=files_for(s, current_user, person, chain),
                           corrections=corrections_of(s, person), correction_kind=CORRECTION_KIND_LABEL)


@bp.route("/org/people/<int:person_id>/claims/new", methods=["GET", "POST"])
@roles_required(*FILER_ROLES)
def new_for(person_id: int) -> Any:
    """File a claim on a person's behalf where the policy names the employer as filer (桐 第十三条)."""
    s = get_session()
    return _filing(visible_person(s, current_user, person_id))


def _filing(person: Person) -> Any:
    s = get_session()
    if not request.values.get("kind"):  # the kinds are chosen on the list page
        own = person.id == current_user.id
        return redirect(url_for("claims.mine") if own else url_for("claims.person_claims", person_id=person.id))
    policy, kind = kind_named(s, person, request.values.get("kind", ""))
    form = FilingForm()
    problems: dict[str, str] = {}
    values = fact_values(kind)
    if request.method == "POST":
        if not form.validate_on_submit():
            raise InvalidInput("页面已过期，请刷新后重试")
        files = uploads()
        if request.form.get("action") == "preview":
            # What the policy would give, line by line with its article, before anything is stored.
            p = preview(s, person, kind.id, values)
            return render_template("claims/new.html", kind=kind, policy=policy, form=form, values=values,
                                   problems=p.problems, chain=p.chain, max_files=MAX_FILES, preview=p.got,
                                   person=person, deadline=p.deadline)
        try:
            with transaction():
                claim = file_claim(s, current_user, person, kind.id, values, files, ip=request.remote_addr)
        except InvalidFields as exc:
            problems = exc.fields
        except DomainError as exc:
            problems = {"form": exc.message}
        else:
            flash(f"已提交“{claim.kind_label}”的申报，请等待审核", "success")
            return redirect(url_for("claims.claim", claim_id=claim.id))
    return render_template("claims/new.html", kind=kind, policy=policy, form=form, values=values,
                           problems=problems, chain=chain_of(s, person, policy, kind.id), max_files=MAX_FILES,
                           preview=None, person=person, deadline=policy.claim_deadline_explained(clock.china_today()))


def _claim_page(c: HourClaim, problems: dict[str, str] | None = None, values: dict[str, str] | None = None) -> Any:
    s = get_session()
    kind = claim_kind(c)
    facts = c.facts_dict
    return render_template("claims/claim.html", claim=c, steps=step_labels(c), history=history_of(s, c),
                           may_decide=may_decide(s, current_user, c), form=DecisionForm(version=str(c.version)),
                           facts=fact_texts(kind, facts), unit=load_policy(c.policy).unit, kind=kind,
                           problems=problems or {},
                           values=values or {f.name: str(facts.get(f.name, "")) for f in kind.fields},
                           may_resubmit=may_resubmit(s, current_user, c),
                           filing=FilingForm(), max_files=MAX_FILES)


@bp.get("/claims/<int:claim_id>")
@login_required
def claim(claim_id: int) -> Any:
    """One claim: its facts, evidence, the chain and every decision; the decision form at the reviewer's step, the
    correction form for its claimant when it was returned."""
    return _claim_page(visible_claim(get_session(), current_user, claim_id))


@bp.post("/claims/<int:claim_id>/resubmit")
@roles_required("practitioner", *FILER_ROLES)
def resubmit(claim_id: int) -> Any:
    """Correct a returned claim and file it again."""
    s = get_session()
    values = fact_values(claim_kind(visible_claim(s, current_user, claim_id)))
    if not FilingForm().validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    version = version_of(request.form.get("version"))
    files = uploads()
    try:
        with transaction():
            resubmit_claim(s, current_user, claim_id, version=version, form=values, files=files,
                           ip=request.remote_addr)
    except InvalidFields as exc:
        s.expire_all()
        return _claim_page(visible_claim(s, current_user, claim_id), exc.fields, values)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash("已修改并重新提交，请等待审核", "success")
    return redirect(url_for("claims.claim", claim_id=claim_id))


@bp.post("/claims/<int:claim_id>/decide")
@roles_required(*REVIEWER_ROLES)
def decide_view(claim_id: int) -> Any:
    """Approve, return or reject the claim at the reviewer's step."""
    s = get_session()
    decidable_claim(s, current_user, claim_id)  # 404 outside the scope, 403 outside the chain, before the form
    form = DecisionForm()
    if not form.validate_on_submit():
        raise InvalidInput("页面已过期，请刷新后重试")
    version = version_of(form.version.data)
    try:
        with transaction():
            c = decide(s, current_user, claim_id, version=version, decision=form.decision.data or "",
                       reason=form.reason.data or "", hours=form.hours.data or "", ip=request.remote_addr)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("claims.claim", claim_id=claim_id))
    done = {"approved": f"已认定并登记 {c.credited_hours}{load_policy(c.policy).unit}", "pending": "已审核通过，转下一环节",
            "returned": "已退回申报人修改", "rejected": "已不予认定"}[c.status]
    flash(f"{c.title}：{done}", "success")
    return redirect(url_for("claims.queue"))


@bp.get("/claims/<int:claim_id>/evidence/<int:evidence_id>")
@login_required
def evidence(claim_id: int, evidence_id: int) -> Any:
    """An evidence file, for the claimant and the reviewers in scope only: a download, never cached or sniffed; a
    reviewer may view it in the page (?inline=1)."""
    return evidence_download(get_session(), current_user, claim_id, evidence_id, request.args.get("inline") == "1")
