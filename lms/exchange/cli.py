"""`flask --app lms exchange-export` and `exchange-import`: the same exchange from the command line (a cron job that
feeds the provincial system), acting as a named bureau account, within its scope, audited."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import Person
from ..db import database, transaction
from ..errors import DomainError
from ..spreadsheets import ImportProblems
from .formats import EXTENSIONS, checksum_line, file_sha256
from .models import FORMATS


def _actor(s: Session, username: str) -> Person:
    found = s.scalar(select(Person).where(Person.username == username, Person.role == "bureau",
                                          Person.active.is_(True)))
    if found is None:
        raise click.ClickException(f"没有名为 {username} 的在用人社局账号")
    return found


@click.command("exchange-export")
@with_appcontext
@click.option("--as", "username", required=True, help="the bureau account whose scope is exported")
@click.option("--year", type=int, required=True)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="only registrations from this day on")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv")
@click.option("--out", "folder", type=click.Path(file_okay=False, path_type=Path), default=Path("."))
def exchange_export(username: str, year: int, since: object, fmt: str, folder: Path) -> None:
    """Write a year's registrations and FILE.sha256 beside it."""
    from .. import audit
    from ..orgs.scope import own_org
    from .operations import export_filename, write_export
    day: date | None = since.date() if since is not None else None  # type: ignore[attr-defined]
    folder.mkdir(parents=True, exist_ok=True)
    with database().factory() as s, transaction(s):
        actor = _actor(s, username)
        name = export_filename(own_org(s, actor).name, year, day, fmt)
        path = folder / name
        tmp = folder / f".{name}.part"
        try:
            with open(tmp, "wb") as out:
                rows = write_export(s, actor, out, year=year, since=day, fmt=fmt)
        except DomainError as exc:
            tmp.unlink(missing_ok=True)
            raise click.ClickException(exc.message) from exc
        tmp.replace(path)
        sha = file_sha256(path)
        (folder / f"{name}.sha256").write_text(checksum_line(sha, name), encoding="utf-8")
        audit.record(s, actor, "exchange.export", ("Organisation", actor.org_id), ip="cli", year=year, since=day,
                     fmt=fmt, rows=rows, sha256=sha)
    click.echo(f"{path}: {rows} 条登记，SHA-256 {sha}（{path.name}.sha256）")


@click.command("exchange-import")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--checksum", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="the checksum file (default: FILE.sha256)")
@click.option("--as", "username", required=True, help="the bureau account that imports (its scope)")
def exchange_import(file: Path, checksum: Path | None, username: str) -> None:
    """Import another region's exchange file, all or nothing."""
    from .operations import import_registrations
    check = checksum or file.with_name(file.name + ".sha256")
    if not check.exists():
        raise click.ClickException(f"找不到校验文件 {check}")
    if file.suffix.lower() not in EXTENSIONS.values():
        raise click.ClickException("只接受 .csv、.xlsx 或 .jsonl 格式的交换文件")
    try:
        with database().factory() as s, transaction(s):
            added, already = import_registrations(s, _actor(s, username), filename=file.name,
                                                  data=file.read_bytes(), checksum=check.read_bytes(), ip="cli")
    except ImportProblems as exc:
        raise click.ClickException("文件未导入：\n" + "\n".join(exc.messages)) from exc
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"导入完成：新增 {added} 条学时登记，{already} 条此前已导入")
