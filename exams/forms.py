"""Forms of the exams pages; every one validated on the server (Flask-WTF, CSRF)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Regexp

from lms import clock
from lms.admin.forms import CATEGORY_CHOICES
from lms.validation import Form

from .models import ExamSession
from .operations import SessionSpec

DT = "%Y-%m-%dT%H:%M"


class PlanForm(Form):
    year = IntegerField("学习年度", validators=[InputRequired("请填写学习年度"), NumberRange(2000, 2100, "年度无效")])
    category = SelectField("科目类别", choices=CATEGORY_CHOICES)
    # Choices are the maker's (exams.operations.plan_regions); create_plan validates the region with a Chinese reason.
    region = SelectField("考试地区（只有该地区登记的专业技术人员可以报名）", choices=[], validate_choice=False)
    title = StringField("计划名称", validators=[DataRequired("请填写计划名称"), Length(max=200)])
    pass_mark = IntegerField("合格分数（满分 100）", default=60,
                             validators=[InputRequired("请填写合格分数"), NumberRange(1, 100, "合格分数应在 1–100 之间")])
    duration_minutes = IntegerField("考试时长（分钟）", default=60,
                                    validators=[InputRequired("请填写考试时长"), NumberRange(5, 600, "时长应为 5–600 分钟")])
    question_count = IntegerField("每卷题数", default=20,
                                  validators=[InputRequired("请填写题数"), NumberRange(1, 200, "题数应为 1–200")])


class SessionForm(Form):
    venue_name = StringField("考点名称", validators=[DataRequired("请填写考点名称"), Length(max=100)])
    venue_address = StringField("考点地址", validators=[DataRequired("请填写考点地址"), Length(max=200)])
    room = StringField("考场", validators=[DataRequired("请填写考场"), Length(max=50)])
    day = DateField("考试日期", validators=[InputRequired("请选择考试日期")])
    start = TimeField("开始时间", validators=[InputRequired("请填写开始时间")])
    end = TimeField("结束时间", validators=[InputRequired("请填写结束时间")])
    seats = IntegerField("座位数", validators=[InputRequired("请填写座位数"), NumberRange(1, 10000, "座位数应为 1–10000")])
    booking_opens = DateTimeLocalField("报名开始", format=DT, validators=[InputRequired("请填写报名开始时间")])
    booking_closes = DateTimeLocalField("报名截止", format=DT, validators=[InputRequired("请填写报名截止时间")])
    cancel_deadline = DateTimeLocalField("取消截止", format=DT, validators=[InputRequired("请填写取消截止时间")])
    allowed_cidrs = TextAreaField("允许开考的 IP 范围（可选，每行一个，如 10.1.2.0/24）", validators=[Length(max=2000)])


    def spec(self) -> SessionSpec:
        """The session a valid form describes (times entered in China time, kept in UTC)."""
        def china(day: Any, t: Any) -> datetime:
            return datetime.combine(day, t) - clock.CHINA
        return SessionSpec(venue_name=self.venue_name.data or "", venue_address=self.venue_address.data or "",
                           room=self.room.data or "", starts_at=china(self.day.data, self.start.data),
                           ends_at=china(self.day.data, self.end.data), seats=self.seats.data or 0,
                           booking_opens_at=self.booking_opens.data - clock.CHINA,  # type: ignore[operator]
                           booking_closes_at=self.booking_closes.data - clock.CHINA,  # type: ignore[operator]
                           cancel_deadline=self.cancel_deadline.data - clock.CHINA,  # type: ignore[operator]
                           allowed_cidrs=self.allowed_cidrs.data or "")

    @classmethod
    def of(cls, session: ExamSession) -> SessionForm:
        """The form filled with a session as it is (in China time), for editing it."""
        starts, ends = clock.china(session.starts_at), clock.china(session.ends_at)
        assert starts is not None and ends is not None
        return cls(data={
            "venue_name": session.venue_name, "venue_address": session.venue_address, "room": session.room,
            "day": starts.date(), "start": starts.time(), "end": ends.time(), "seats": session.seats,
            "booking_opens": clock.china(session.booking_opens_at),
            "booking_closes": clock.china(session.booking_closes_at),
            "cancel_deadline": clock.china(session.cancel_deadline), "allowed_cidrs": session.allowed_cidrs})


class CancelSessionForm(Form):
    reason = TextAreaField("取消原因（将通知考生）", validators=[
        DataRequired("请填写取消原因，考生会收到这段说明"), Length(max=200, message="取消原因不超过 200 字")])


class UploadForm(Form):
    file = FileField("文件（.csv 或 .xlsx）", validators=[FileRequired("请选择要上传的文件")])


class AssignProctorForm(Form):
    proctor_id = SelectField("监考员", coerce=int, validators=[InputRequired("请选择监考员")])


class CheckInForm(Form):
    # inputmode=numeric brings up the number pad; spaces (as printed in groups) are allowed and dropped
    ticket_no = StringField("准考证号", validators=[
        DataRequired("请输入准考证号"), Regexp(r"^[0-9\s]{1,30}$", message="准考证号为数字，请核对准考证")],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "enterkeyhint": "next"})
    id_last = StringField("身份证号后四位", validators=[
        DataRequired("请输入身份证号后四位"), Regexp(r"^\s*[0-9]{3}[0-9Xx]\s*$", message="请输入身份证号后四位（数字或 X）")],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "maxlength": "4", "enterkeyhint": "done"})
