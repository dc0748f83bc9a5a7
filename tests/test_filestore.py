"""Courseware and evidence in S3-compatible object storage (lms/filestore.py), against a real S3 API server that
the tests start (moto's server mode, over HTTP on 127.0.0.1), on both databases: what is uploaded lands in the
bucket and nowhere on the host's disk, comes back whole and by ranges, and a file the store lost answers a Chinese
410 page — as does the local folder — while a store that cannot be reached answers 503, never a 500."""
from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lms.filestore import FileLost, LocalStore, S3Store, file_store
from tests.claims.test_claims import PDF, employ, file, only_claim, web_login

BUCKET = "xst-files"


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's S3 API server in a thread of this process, on a free loopback port; one bucket."""
    import boto3
    from moto.server import ThreadedMotoServer
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="test",
                 aws_secret_access_key="test").create_bucket(Bucket=BUCKET)
    yield url
    server.stop()


@pytest.fixture
def s3(s3_server: str) -> Any:
    import boto3
    return boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test")


@pytest.fixture
def s3_app(make_app: Any, s3_server: str) -> Any:
    """An app whose files go to the bucket under a prefix of its own."""
    return make_app(FILE_STORE=f"s3://{BUCKET}/run-{uuid.uuid4().hex[:8]}", FILE_STORE_ENDPOINT=s3_server,
                    FILE_STORE_REGION="us-east-1", FILE_STORE_ACCESS_KEY="test", FILE_STORE_SECRET_KEY="test")


@pytest.fixture
def s3_make(s3_app: Any, db: Any) -> Any:
    """The factory, building courses into s3_app's store."""
    from tests.conftest import Factory
    return Factory(s3_app, db)


def objects(s3: Any, prefix: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]


def files_on_disk(app: Any) -> list[Path]:
    return [p for p in Path(app.config["INSTANCE_DIR"]).rglob("*") if p.is_file() and p.suffix in (".pdf", ".png")]


def learner_of_course(app: Any, make: Any) -> tuple[Any, Any]:
    course = make.course(chapters=1)
    person = make.practitioner()
    make.enrol(person, course)
    client = app.test_client()
    web_login(client, person.id_number)
    return client, course.chapters[0]


def test_courseware_is_stored_in_the_bucket_and_served_whole_and_by_ranges(s3_app: Any, s3_make: Any,
                                                                           s3: Any) -> None:
    store = file_store("media", s3_app)
    assert isinstance(store, S3Store)
    client, chapter = learner_of_course(s3_app, s3_make)
    body = b"%PDF-1.4\n% chapter 0\n%%EOF\n"
    assert objects(s3, store.prefix) == [f"{store.prefix}{chapter.media_key[:2]}/{chapter.media_key}"]
    assert files_on_disk(s3_app) == []  # nothing of it on this host: another host serves it as well
    whole = client.get(f"/media/chapters/{chapter.id}")
    assert (whole.status_code, whole.data, whole.mimetype) == (200, body, "application/pdf")
    part = client.get(f"/media/chapters/{chapter.id}", headers={"Range": "bytes=9-19"})
    assert (part.status_code, part.data) == (206, body[9:20])
    assert part.headers["Content-Range"] == f"bytes 9-19/{len(body)}"
    tail = client.get(f"/media/chapters/{chapter.id}", headers={"Range": "bytes=-5"})
    assert (tail.status_code, tail.data) == (206, body[-5:])
    again = client.get(f"/media/chapters/{chapter.id}", headers={"If-None-Match": f'"{chapter.media_key}"'})
    assert again.status_code == 304


def test_a_chapter_lost_from_the_bucket_answers_a_chinese_410_page(s3_app: Any, s3_make: Any, s3: Any) -> None:
    store = file_store("media", s3_app)
    assert isinstance(store, S3Store)
    client, chapter = learner_of_course(s3_app, s3_make)
    s3.delete_object(Bucket=BUCKET, Key=store.name(chapter.media_key))
    resp = client.get(f"/media/chapters/{chapter.id}", headers={"Accept": "text/html"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 410 and "文件已不存在" in page and "请联系管理员重新上传" in page
    api = client.get(f"/media/chapters/{chapter.id}", headers={"Accept": "application/json"})
    assert (api.status_code, api.get_json()["error"]) == (410, "file_lost")


def wenzhou_claim(app: Any, make: Any) -> tuple[Any, Any, Any]:
    """A Wenzhou practitioner files a claim with a PDF through the page; the city's 教育 authority reviews it."""
    employer = make.org("employer", "wenzhou-lucheng", "鹿城某中学")
    person = make.practitioner("陈老师", region="wenzhou-lucheng")
    employ(make, person, employer)
    make.staff("authority", "jyj", org=make.org("authority", "wenzhou", "温州市教育局"))
    claimant = app.test_client()
    web_login(claimant, person.id_number)
    assert file(claimant, "paper", start="2026-01-10", hours="12", item_id="doi:10.1/x").status_code == 302
    reviewer = app.test_client()
    web_login(reviewer, "jyj")
    claim = only_claim(make.s)
    return claimant, reviewer, claim


def test_evidence_goes_to_the_bucket_and_a_lost_one_answers_410_to_the_reviewer(s3_app: Any, s3_make: Any,
                                                                                s3: Any) -> None:
    store = file_store("evidence", s3_app)
    assert isinstance(store, S3Store)
    _claimant, reviewer, claim = wenzhou_claim(s3_app, s3_make)
    ev = claim.evidence[0]
    assert objects(s3, store.prefix) == [store.name(ev.key)]
    assert files_on_disk(s3_app) == []
    got = reviewer.get(f"/claims/{claim.id}/evidence/{ev.id}")
    assert (got.status_code, got.data, got.headers["Cache-Control"]) == (200, PDF, "no-store, private")
    assert "attachment" in got.headers["Content-Disposition"]
    s3.delete_object(Bucket=BUCKET, Key=store.name(ev.key))
    lost = reviewer.get(f"/claims/{claim.id}/evidence/{ev.id}")
    assert lost.status_code == 410 and "请联系管理员重新上传" in lost.get_data(as_text=True)


def test_an_unreachable_store_is_said_in_chinese_on_the_form_and_files_nothing(make_app: Any, db: Any) -> None:
    from sqlalchemy import func, select

    from lms.claims.models import HourClaim
    from tests.conftest import Factory
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = make_app(FILE_STORE=f"s3://{BUCKET}/x", FILE_STORE_ENDPOINT=f"http://127.0.0.1:{port}",
                   FILE_STORE_REGION="us-east-1", FILE_STORE_ACCESS_KEY="test", FILE_STORE_SECRET_KEY="test")
    person = Factory(app, db).practitioner(region="wenzhou-lucheng")
    client = app.test_client()
    web_login(client, person.id_number)
    resp = file(client, "paper", start="2026-01-10", hours="12", item_id="doi:10.1/x")
    # The filing form shows every refusal beside what was typed (lms/claims/views.py), this one too.
    assert resp.status_code == 200 and "文件存储暂时无法连接，请稍后再试" in resp.get_data(as_text=True)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(HourClaim)) == 0  # the claim went with its files


def test_a_file_lost_from_the_local_folder_answers_410_too(app: Any, make: Any) -> None:
    client, chapter = learner_of_course(app, make)
    with app.app_context():
        store = file_store("media")
    assert isinstance(store, LocalStore)
    store.path(chapter.media_key).unlink()
    resp = client.get(f"/media/chapters/{chapter.id}")
    assert resp.status_code == 410 and "文件已不存在" in resp.get_data(as_text=True)
    with app.app_context(), pytest.raises(FileLost):
        store.open(chapter.media_key)


@pytest.mark.parametrize("key", ["", "../x.pdf", "a/b.pdf", ".hidden", "x" * 101])
def test_a_key_that_could_name_another_path_is_refused(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError):
        LocalStore(tmp_path).path(key)


def test_a_store_that_cannot_be_reached_answers_503_in_chinese_on_download(make_app: Any, s3_app: Any,
                                                                            s3_make: Any) -> None:
    _client, chapter = learner_of_course(s3_app, s3_make)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cut_off = make_app(FILE_STORE=s3_app.config["FILE_STORE"], FILE_STORE_ENDPOINT=f"http://127.0.0.1:{port}",
                       FILE_STORE_REGION="us-east-1", FILE_STORE_ACCESS_KEY="test", FILE_STORE_SECRET_KEY="test")
    client = cut_off.test_client()
    web_login(client, _enrolled_login(s3_make, chapter))
    resp = client.get(f"/media/chapters/{chapter.id}")
    assert resp.status_code == 503 and "文件存储暂时无法连接" in resp.get_data(as_text=True)


def _enrolled_login(make: Any, chapter: Any) -> str:
    from sqlalchemy import select

    from lms.accounts.models import Person
    from lms.catalogue.models import Enrolment
    return str(make.s.scalar(select(Person.id_number).join(Enrolment, Enrolment.person_id == Person.id)
                             .where(Enrolment.course_id == chapter.course_id)))


def test_an_exchange_export_is_kept_in_the_bucket_and_downloads_as_its_checksum_says(s3_app: Any, s3_make: Any,
                                                                                     s3: Any) -> None:
    import hashlib
    from decimal import Decimal

    from sqlalchemy import select

    from lms.exchange.jobs import write_exports_now
    from lms.exchange.models import ExchangeExport
    from lms.hours.operations import register_hours
    person = s3_make.practitioner("陈老师", region="wenzhou-lucheng")
    with s3_app.app_context():
        register_hours(s3_make.s, person_id=person.id, year=2026, category="professional", hours=Decimal("12.5"),
                       source_type="manual", source_ref="s3-1", title="培训", org="温州市教育局")
        s3_make.s.commit()
    clerk = s3_app.test_client()
    web_login(clerk, s3_make.staff("bureau", "city").username)
    assert clerk.post("/admin/exchange/exports", data={"year": "2026", "fmt": "jsonl"}).status_code == 302
    s3_make.s.rollback()
    waiting = s3_make.s.scalars(select(ExchangeExport)).one()
    assert waiting.state == "pending" and objects(s3, file_store("exchange", s3_app).prefix) == []
    # The scheduler's job (lms/exchange/jobs.py) writes it, on whichever host holds the leader lock.
    assert write_exports_now(s3_app) == [(waiting.id, "ready")]
    s3_make.s.rollback()
    made = s3_make.s.scalars(select(ExchangeExport)).one()
    store = file_store("exchange", s3_app)
    assert isinstance(store, S3Store)
    assert objects(s3, store.prefix) == [store.name(made.key)]
    assert files_on_disk(s3_app) == [] and not list(Path(s3_app.config["INSTANCE_DIR"]).rglob("*.jsonl"))
    with clerk.get(f"/admin/exchange/exports/{made.id}/file") as data, \
            clerk.get(f"/admin/exchange/exports/{made.id}/sha256") as check:
        assert data.status_code == 200 and '"hours":"12.50"' in data.get_data(as_text=True)
        assert check.get_data(as_text=True) == f"{hashlib.sha256(data.data).hexdigest()}  {made.filename}\n"


def test_a_refused_import_report_is_kept_in_the_bucket_and_any_host_serves_it_to_its_importer(
        s3_app: Any, s3_make: Any, s3: Any, make_app: Any, tmp_path: Path) -> None:
    """docs/deploy.md, several hosts behind one balancer: the report of an employer import's refused rows is written
    to the shared store, not to the host's instance folder, so the link works on the next host too — for the clerk
    who imported, and for nobody else."""
    import io

    from openpyxl import load_workbook

    from tests.conftest import make_uscc
    clerk = s3_app.test_client()
    web_login(clerk, s3_make.staff(region="wenzhou").username)
    bad = make_uscc(2)[:-1] + ("0" if make_uscc(2)[-1] != "0" else "1")
    text = "统一社会信用代码,单位名称,所在县（市、区）,所属行业,联系人,联系电话\n" \
        f"{bad},乙公司,鹿城区,教育,李,0577-7654321\n"
    resp = clerk.post("/admin/orgs/import", data={"file": (io.BytesIO(text.encode()), "units.csv")},
                      content_type="multipart/form-data")
    assert resp.status_code == 400
    report = resp.get_data(as_text=True).split('href="/admin/orgs/import/report/')[1].split('"')[0]
    prefix = s3_app.config["FILE_STORE"].removeprefix(f"s3://{BUCKET}/") + "/reports/"
    assert [k.rsplit("/", 1)[1] for k in objects(s3, prefix)] == [report]
    assert not [p for p in Path(s3_app.config["INSTANCE_DIR"]).rglob("*.xlsx")]
    # the next request lands on another host: its own instance folder, the same bucket, key and database
    other_host = make_app(**{k: s3_app.config[k] for k in ("FILE_STORE", "FILE_STORE_ENDPOINT", "FILE_STORE_REGION",
                                                            "FILE_STORE_ACCESS_KEY", "FILE_STORE_SECRET_KEY",
                                                            "SECRET_KEY")},
                          INSTANCE_DIR=str(tmp_path / "host2"), MEDIA_DIR=str(tmp_path / "host2" / "media"))
    name = s3_app.config["SESSION_COOKIE_NAME"]
    cookie = clerk.get_cookie(name)
    assert cookie is not None
    there = other_host.test_client()
    there.set_cookie(name, cookie.value)
    got = there.get(f"/admin/orgs/import/report/{report}")
    assert got.status_code == 200
    rows = list(load_workbook(io.BytesIO(got.get_data())).worksheets[0].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [2] and "校验位" in rows[1][3]
    another_clerk = other_host.test_client()
    web_login(another_clerk, s3_make.staff(region="wenzhou").username)
    assert another_clerk.get(f"/admin/orgs/import/report/{report}").status_code == 404
