"""Command line: `lms db-upgrade`, `lms create-staff`, `lms demo`, `lms scheduler`, `lms rules explain`."""
from __future__ import annotations

import getpass
import sys
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from .db import database, transaction


def register_cli(app: Flask) -> None:
    app.cli.add_command(db_upgrade)
    app.cli.add_command(create_staff_cmd)
    app.cli.add_command(demo_cmd)
    app.cli.add_command(scheduler_cmd)
    app.cli.add_command(rules_group)
    from .exchange.cli import exchange_export, exchange_import
    app.cli.add_command(exchange_export)
    app.cli.add_command(exchange_import)
    app.cli.add_command(stats_refresh_cmd)


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    from .config import ROOT
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@click.command("db-upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Migrate the database to the newest schema (Alembic)."""
    from alembic import command

    from .db import normalise_url
    command.upgrade(alembic_config(normalise_url(current_app.config["DATABASE_URL"])), "head")
    click.echo("数据库已迁移到最新版本")


@click.command("create-staff")
@with_appcontext
@click.option("--role", type=click.Choice(["bureau", "proctor"]), default="bureau")
@click.option("--username", required=True)
@click.option("--name", required=True)
@click.option("--region", default="wenzhou")
@click.option("--password", default=None, help="omit to be asked")
def create_staff_cmd(role: str, username: str, name: str, region: str, password: str | None) -> None:
    """Create a bureau (人社局) or proctor account."""
    from .errors import DomainError
    from .orgs.operations import create_staff
    password = password or getpass.getpass("密码: ")
    try:
        with database().factory() as s, transaction(s):
            create_staff(s, None, role=role, username=username, name=name, password=password, region=region,
                         ip="cli")
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"已创建账号 {username}")


@click.command("demo")
@with_appcontext
def demo_cmd() -> None:
    """Load demo data (idempotent) and print the demo accounts."""
    from .demo import load_demo
    for line in load_demo(current_app._get_current_object()):  # type: ignore[attr-defined]
        click.echo(line)


@click.command("scheduler")
@with_appcontext
def scheduler_cmd() -> None:
    """Run the single scheduler process (APScheduler)."""
    from .scheduler import run_scheduler
    run_scheduler(current_app._get_current_object())  # type: ignore[attr-defined]


@click.group("rules")
def rules_group() -> None:
    """Regional hour rules."""


@rules_group.command("explain", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def rules_explain(args: tuple[str, ...]) -> None:
    """Evaluate a JSON file of activities against a policy: lms rules explain --policy ID FILE."""
    from rules.cli import main as rules_main
    sys.exit(rules_main(["explain", *args]))


def main() -> None:
    from . import create_app
    FlaskGroup(create_app=lambda: create_app(), add_default_commands=True)(prog_name="lms")


@click.command("stats-refresh")
@click.option("--year", "years", type=int, multiple=True, help="年度（可多次给出；默认今年与去年）")
@with_appcontext
def stats_refresh_cmd(years: tuple[int, ...]) -> None:
    """Rebuild the statistics of the given years (default: this study year and the last) and the claims waiting."""
    from .db import database, transaction
    from .stats.operations import CLAIMS, refresh_stats
    with database().factory() as s, transaction(s):
        done = refresh_stats(s, list(years) or None)
    for year, n in sorted(done.items()):
        click.echo(f"待处理认证：{n} 件" if year == CLAIMS else f"{year} 年度：{n} 人")
