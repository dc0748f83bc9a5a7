"""The bureau's data exchange page: ask for an export of a year's registrations (with its checksum file), download
it, and import another region's file for transfer-in (浙人社发〔2016〕63号 第十四条; 威人社字〔2022〕2号 三)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from .. import clock
from ..db import get_session, transaction
from ..exports import disposition
from ..filestore import file_store
from ..security import bureau_required
from ..spreadsheets import ImportProblems
from ..validation import Form
from .models import FORMATS
from .operations import checksum_text, exports_seen, import_registrations, ready_export, request_export

bp = Blueprint("exchange", __name__, url_prefix="/admin/exchange")
MIMES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "jsonl": "application/jsonl"}
FORMAT_NAMES = {"csv": "CSV", "xlsx": "Excel（XLSX）", "jsonl": "JSON Lines"}


class ExportForm(Form):
    year = IntegerField("年度", validators=[InputRequired("请填写年度"), NumberRange(2000, 2100, "年度无效")])
    since = DateField("自某日起登记的（留空为全年）", validators=[Optional()])
    fmt = SelectField("格式", choices=[SelectChoice(f, FORMAT_NAMES[f]) for f in FORMATS])


class ImportForm(Form):
    file = FileField("交换文件（.csv / .xlsx / .jsonl）", validators=[FileRequired("请选择交换文件")])
    checksum = FileField("校验文件（.sha256）", validators=[FileRequired("请选择与交换文件一同收到的校验文件")])


def _page(export_form: ExportForm, import_form: ImportForm, problems: list[str] | None = None,
          status: int = 200) -> Any:
    s = get_session()
    return render_template("exchange/home.html", export_form=export_form, import_form=import_form,
                           exports=exports_seen(s, current_user), problems=problems or [],
                           format_names=FORMAT_NAMES, as_of=clock.now()), status


@bp.get("")
@bureau_required
def home() -> Any:
    """Exports asked for in the bureau's territory with their state, and the forms to ask for one and to import."""
    return _page(ExportForm(year=clock.study_year(), formdata=None), ImportForm(formdata=None))


@bp.post("/exports")
@bureau_required
def prepare() -> Any:
    """Ask for an export of a year's registrations within the bureau's scope: recorded at once, written by the
    scheduler in the background (a city's year takes minutes)."""
    form = ExportForm()
    if not form.validate_on_submit():
        return _page(form, ImportForm(formdata=None), status=400)
    s = get_session()
    with transaction():
        made = request_export(s, current_user, year=form.year.data or 0, since=form.since.data,
                              fmt=form.fmt.data or "", ip=request.remote_addr)
    flash(f"已收到导出申请：{made.filename} 正在后台生成（全市一年的登记约需数分钟），完成后可在下方“已申请的导出文件”中"
          "下载文件和校验文件；请稍后刷新本页查看状态。", "success")
    return redirect(url_for("exchange.home"))


@bp.get("/exports/<int:export_id>/file")
@bureau_required
def export_file(export_id: int) -> Any:
    """A written export file, streamed from the file store (refused, saying why, while it is still being written)."""
    s = get_session()
    made = ready_export(s, current_user, export_id)
    resp = file_store("exchange").send(made.key, mimetype=MIMES[made.fmt], as_attachment=True,
                                       download_name=made.filename, max_age=0)
    resp.headers["Content-Disposition"] = disposition(made.filename)
    resp.headers["Cache-Control"] = "no-store, private"
    return resp


@bp.get("/exports/<int:export_id>/sha256")
@bureau_required
def checksum(export_id: int) -> Any:
    """The export's checksum file (sha256sum's format: `sha256sum -c` checks the file with it)."""
    s = get_session()
    made = ready_export(s, current_user, export_id)
    return Response(checksum_text(made), mimetype="text/plain",
                    headers={"Content-Disposition": disposition(made.filename + ".sha256"),
                             "Cache-Control": "no-store, private"})


@bp.post("/import")
@bureau_required
def import_file() -> Any:
    """Import another region's exchange file with its checksum file: all or nothing, every problem listed."""
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(ExportForm(year=clock.study_year(), formdata=None), form, status=400)
    s = get_session()
    data, check = form.file.data.read(), form.checksum.data.read()
    try:
        with transaction():
            added, already = import_registrations(s, current_user, filename=form.file.data.filename or "",
                                                  data=data, checksum=check, ip=request.remote_addr)
    except ImportProblems as exc:
        return _page(ExportForm(year=clock.study_year(), formdata=None), form, problems=exc.messages, status=400)
    flash(f"导入完成：新增 {added} 条学时登记，{already} 条此前已导入（未重复登记）", "success")
    return redirect(url_for("exchange.home"))
