from __future__ import annotations

from flask import request
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..validation import DecimalField, Form

CATEGORY_CHOICES = [SelectChoice("general_public", "一般公需科目"), SelectChoice("industry_public", "行业公需科目"),
                    SelectChoice("professional", "专业科目")]


class CourseForm(Form):
    title = StringField("课程名称", validators=[DataRequired("请填写课程名称"), Length(max=200)])
    summary = TextAreaField("课程简介", validators=[Length(max=2000)])
    # validated by the operation, which says in Chinese why a category is not this organisation's
    category = SelectField("科目类别", choices=CATEGORY_CHOICES, validate_choice=False)
    credited_hours = DecimalField("认定学时", default=18, places=2,
                                  validators=[InputRequired("请填写认定学时"), NumberRange(0.5, 200, "认定学时应在 0.5–200 之间")])
    year = IntegerField("学习年度", validators=[InputRequired("请填写学习年度"), NumberRange(2000, 2100, "年度无效")])


AUTHORITY_CATEGORIES = ("industry_public", "professional")


def limit_categories(form: CourseForm) -> None:
    """An industry authority adds industry public subjects and professional courses; the general public subject is
    the HR bureau's (温人社发〔2020〕125号 第七条, 第十一条; 桐人社发〔2018〕26号 第九条)."""
    if current_user.is_authenticated and current_user.role == "authority":
        form.category.choices = [c for c in CATEGORY_CHOICES if c.value in AUTHORITY_CATEGORIES]
        if request.method != "POST" and form.category.data not in AUTHORITY_CATEGORIES:
            form.category.data = "industry_public"


class ReturnCourseForm(Form):
    reason = TextAreaField("退回原因", validators=[DataRequired("请填写退回原因，行业主管部门据此修改"),
                                                Length(2, 500, "退回原因应为 2–500 字")])


class ChapterForm(Form):
    title = StringField("章节名称", validators=[DataRequired("请填写章节名称"), Length(max=200)])
    study_minutes = IntegerField("学习时长（分钟）",
                                 validators=[InputRequired("请填写学习时长"), NumberRange(1, 600, "学习时长应为 1–600 分钟")])
    media = FileField("课件文件（mp4 / webm / pdf / html）")


class PackageForm(Form):
    package = FileField("课件包（zip）", validators=[FileRequired("请选择课件包文件")])
    year = IntegerField("学习年度（课件包未指定时使用）", validators=[Optional(), NumberRange(2000, 2100, "年度无效")])


class OfferForm(Form):
    year = IntegerField("列入年度", validators=[InputRequired("请填写年度"), NumberRange(2000, 2100, "年度无效")])


class PersonSearchForm(Form):
    class Meta:
        csrf = False

    q = StringField("姓名 / 身份证号 / 手机号", validators=[Length(max=40)])
