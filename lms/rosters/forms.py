"""Forms of the programme and roster pages; the operations check everything again (lms/rosters/operations.py)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..regions import CATEGORY_NAMES, INDUSTRIES
from ..validation import Form


class ProgrammeForm(Form):
    """A programme filed in advance (温人社发〔2020〕125号 第十三条)."""

    title = StringField("项目名称")
    category = SelectField("科目类别", choices=[SelectChoice(k, v) for k, v in CATEGORY_NAMES.items()])
    industry = SelectField("所属行业（行业公需或专业科目可选）", choices=[SelectChoice("", "—")] +
                           [SelectChoice(i, i) for i in INDUSTRIES])
    starts_on = DateField("开始日期", validators=[Optional()])
    ends_on = DateField("结束日期", validators=[Optional()])
    hours_per_day = StringField("每天学时")
    venue = StringField("培训地点")
    fee = StringField("收费标准（元/人，免费填 0）")
    capacity = StringField("计划人数")
    approval_document = StringField("批准文件（文号）")


class RosterForm(FlaskForm):
    file = FileField("参训人员名单（.xlsx 或 .csv）", validators=[FileRequired("请选择文件"),
                                                          FileAllowed(["xlsx", "csv"], "只支持 .xlsx 或 .csv 文件")])


class RatingForm(FlaskForm):
    """An attendee's rating of a programme (浙人社发〔2016〕63号 第十二条)."""

    score = SelectField("评分", choices=[SelectChoice(str(n), f"{n} 分") for n in (5, 4, 3, 2, 1)],
                        validate_choice=False)  # rate_programme() says what is wrong with another value
    comment = TextAreaField("评价意见（可不填，500 字以内）")

    def score_value(self) -> int | None:
        try:
            return int(self.score.data or "")
        except ValueError:
            return None


class InspectionForm(FlaskForm):
    """An inspection note of the competent bureau or authority (川人社发〔2016〕20号 七(三))."""

    note = TextAreaField("检查意见")
