"""Forms of the claim pages. A claim's own fields come from its kind (rules.claims.ClaimKind.fields) and are read
by lms.claims.operations.file_claim, which checks everything; these forms carry CSRF and the decision."""
from __future__ import annotations

from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..validation import Form


class FilingForm(Form):
    """CSRF for the generated filing form."""


class DecisionForm(Form):
    decision = SelectField("审核意见", choices=[SelectChoice("approve", "审核通过"),
                                              SelectChoice("return", "退回修改（申报人可修改后重新提交）"),
                                              SelectChoice("reject", "不予认定")])
    hours = StringField("认定学时（默认按规定可得；可调低并写明理由，不能调高）", validators=[Length(max=12)])
    reason = TextAreaField("理由（退回或不予认定时必填，申报人将看到）", validators=[Length(max=500)])
    version = HiddenField(validators=[DataRequired("页面已过期，请刷新后重试")])
