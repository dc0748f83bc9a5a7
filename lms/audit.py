"""Append-only audit trail of administrative actions (温人社发〔2020〕125号 第十六条: every action attributable)."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import DDL, ForeignKey, String, Text, event, insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from . import clock
from .db import Base

# Every action code that audit.record() writes, with the name a clerk reads in the audit log (one mapping for the
# whole app: tests/test_audit_log.py fails when code records an action missing here).
ACTION_NAMES: dict[str, str] = {
    "account.create": "创建账号",
    "account.activate": "启用账号",
    "account.deactivate": "停用账号",
    "account.password_reset": "重置密码",
    "account.password_reset_email": "通过邮箱验证码重置密码",
    "course.create": "创建课程",
    "course.offer": "列入年度",
    "course.publish": "发布课程",
    "course.unpublish": "下架课程",
    "chapter.add": "添加章节",
    "chapter.replace": "修改章节",
    "chapter.reorder": "调整章节顺序",
    "enrolment.change": "更换所选课程",
    "hours.register": "登记学时",
    "certificate.issue": "出具电子证书",
    "certificate.revoke": "撤销电子证书",
    "exam.plan.create": "创建考试计划",
    "exam.session.create": "添加考试场次",
    "exam.session.update": "修改考试场次",
    "exam.session.cancel": "取消考试场次",
    "exam.proctor.assign": "指派监考员",
    "exam.proctor.unassign": "取消指派监考员",
    "exam.questions.import": "导入题库",
    "exam.check_in": "考生签到",
    "exam.paper.start": "开始考试",
    "exam.paper.submit": "交卷",
    "org.register": "单位注册",
    "org.create": "创建机构",
    "org.approve": "审核通过单位",
    "org.reject": "审核不通过单位",
    "org.resubmit": "单位修改注册信息后重新提交",
    "org.disable": "停用机构",
    "org.enable": "启用机构",
    "org.import": "批量导入单位",
    "org.admin_change.ack": "确认管理员变更",
    "org.fees.report": "单位报告年度培训经费",
    "org.fees.correct": "单位更正年度培训经费",
    "employment.apply": "申请加入单位",
    "employment.withdraw": "撤回加入申请",
    "employment.confirm": "单位确认人员",
    "employment.decline": "单位不予确认",
    "employment.end": "人员离开单位",
    "claim.submit": "提交学时认证申报",
    "claim.resubmit": "修改后重新提交学时认证申报",
    "claim.evidence": "补充学时认证佐证材料",
    "claim.approve": "学时认证审核通过",
    "claim.return": "学时认证退回修改",
    "claim.reject": "学时认证不予认定",
    "hours.correction_file": "提交学时登记更正",
    "hours.correction_approve": "复核同意学时登记更正",
    "hours.correction_reject": "驳回学时登记更正",
    "claim.late_grant": "准予逾期申报学时",
    "claim.finding": "查实学时认证提供虚假材料",
    "person.sanction": "记录取消职称申报资格",
    "claim.audit_draw": "抽取学时认证抽查样本",
    "claim.audit_confirm": "抽查复核无误",
    "programme.file": "施教机构报备培训项目",
    "programme.approve": "批准培训项目",
    "programme.reject": "不批准培训项目",
    "programme.rate": "参训人员评价培训项目",
    "course.approve": "审核备案行业主管部门增设的课程",
    "course.submit": "提交课程审核备案",
    "course.return": "退回课程审核备案",
    "course.update": "修改课程信息",
    "programme.inspect": "记录培训项目检查意见",
    "roster.upload": "上传培训人员名单",
    "roster.confirm": "确认培训名单并登记学时",
    "exchange.request": "申请生成数据交换文件",
    "exchange.export": "导出数据交换文件",
    "exchange.export_failed": "数据交换文件生成失败",
    "exchange.import": "导入数据交换文件（外地学时转入）",
    "reminder.schedule": "安排年终学时提醒",
    "reminder.cancel": "取消年终学时提醒",
    "reminder.send": "发送年终学时提醒",
}

# The kind of object an entry is about, in the words of the audit log.
TARGET_NAMES: dict[str, str] = {
    "Person": "账号", "Course": "课程", "CourseOffering": "年度课程", "Chapter": "章节", "Enrolment": "培训报名",
    "HoursEntry": "学时登记", "HoursCertificate": "电子证书", "ExamPlan": "考试计划", "ExamSession": "考试场次",
    "Booking": "考试报名", "ExamPaper": "试卷", "Organisation": "机构", "Employment": "人员匹配",
    "AdminChange": "管理员变更", "HourClaim": "学时认证申报", "HoursCorrection": "学时登记更正", "Programme": "培训项目", "RosterUpload": "培训名单",
    "ExchangeExport": "数据交换文件", "ReminderCampaign": "年终学时提醒",
    "LateFilingGrant": "逾期申报许可",
    "ClaimAudit": "学时认证抽查",
    "FeeReport": "单位培训经费报告",
}

# When set (the test suite sets it), recording an action that has no name in ACTION_NAMES raises at once.
STRICT_ACTIONS = False


def action_name(code: str) -> str:
    """The Chinese name of an action code (the code itself for one recorded before it had a name)."""
    return ACTION_NAMES.get(code, code)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    # The actor's organisation and role when they acted (温 第十六条: administrators at every level answer for what
    # they do); kept on the entry so that a later move of the account does not rewrite who did what.
    actor_org_id: Mapped[int | None] = mapped_column(index=True)
    actor_role: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="{}")
    ip: Mapped[str | None] = mapped_column(String(64))

    @property
    def detail_dict(self) -> dict[str, Any]:
        return json.loads(self.detail or "{}")


def record(s: Session, actor: Any, action: str, target: Any, ip: str | None = None, **detail: Any) -> AuditEntry:
    """Append an audit entry for an action on target (a mapped object or a (type, id) pair)."""
    if STRICT_ACTIONS and action not in ACTION_NAMES:
        raise KeyError(f"audit action {action!r} has no Chinese name in lms.audit.ACTION_NAMES")
    if isinstance(target, tuple):
        ttype, tid = target
    else:
        ttype, tid = type(target).__name__, getattr(target, "id", None)
    entry = AuditEntry(
        at=clock.now(), actor_id=getattr(actor, "id", actor), actor_org_id=getattr(actor, "org_id", None),
        actor_role=getattr(actor, "role", None), action=action, target_type=str(ttype),
        target_id=str(tid), detail=json.dumps(detail, ensure_ascii=False, default=str), ip=ip,
    )
    s.add(entry)
    return entry


def record_many(s: Session, actor: Any, action: str, entries: list[tuple[tuple[str, Any], dict[str, Any]]],
                ip: str | None = None) -> int:
    """record() for many targets in one statement (a roster's thousands of registrations): the same entries, one
    per ((target type, target id), detail); returns how many were written."""
    if STRICT_ACTIONS and action not in ACTION_NAMES:
        raise KeyError(f"audit action {action!r} has no Chinese name in lms.audit.ACTION_NAMES")
    at = clock.now()
    rows = [{"at": at, "actor_id": getattr(actor, "id", actor), "actor_org_id": getattr(actor, "org_id", None),
             "actor_role": getattr(actor, "role", None), "action": action, "target_type": str(ttype),
             "target_id": str(tid), "detail": json.dumps(detail, ensure_ascii=False, default=str), "ip": ip}
            for (ttype, tid), detail in entries]
    if rows:
        s.execute(insert(AuditEntry.__table__), rows)
    return len(rows)


# Append-only in the database itself, on both engines: nobody, not even the app, may edit history.
APPEND_ONLY_TABLES = ("audit_log", "hours_entry")


def append_only_ddl(table: str, dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION xst_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION USING MESSAGE = 'append-only table ' || TG_TABLE_NAME || ': ' || TG_OP || ' refused'; "
            "END $$",
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION xst_append_only()",
        ]
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: UPDATE refused'); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: DELETE refused'); END",
    ]


def _attach(table_name: str) -> None:
    def after_create(target: Any, connection: Any, **_kw: Any) -> None:
        for stmt in append_only_ddl(table_name, connection.dialect.name):
            connection.execute(DDL(stmt))
    event.listen(Base.metadata.tables[table_name], "after_create", after_create)


_attach("audit_log")
