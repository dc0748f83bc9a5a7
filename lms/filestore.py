"""Where uploaded files live: a local folder (the default) or S3-compatible object storage shared by every app host.

Files are content-addressed: the key is the SHA-256 of the bytes plus an extension, so storing the same content
twice is one file, a key never changes its content, and a file can be checked against its key. Three areas hold
them apart: ``media`` (courseware), ``evidence`` (claims' evidence, never inside the course media) and
``exchange`` (data-exchange files, lms/exchange).

``FILE_STORE`` chooses where:

* empty (the default): folders on this host — ``MEDIA_DIR`` for courseware, ``EVIDENCE_DIR`` (or ``evidence/``
  beside ``MEDIA_DIR``) for evidence, ``exchange/`` beside ``MEDIA_DIR``. Enough for one host.
* ``s3://bucket/prefix``: objects ``prefix/<area>/<key[:2]>/<key>`` in that bucket through boto3, for several app
  hosts behind a load balancer (docs/deploy.md). ``FILE_STORE_ENDPOINT`` names a non-AWS server (MinIO, Ceph,
  a cloud's OSS/COS S3 endpoint); ``FILE_STORE_REGION``, and the credentials in ``FILE_STORE_ACCESS_KEY`` /
  ``FILE_STORE_SECRET_KEY`` (or boto3's usual ``AWS_*`` variables, instance roles, ...).

A file the database names but the store no longer holds (deleted, lost in a migration) answers ``FileLost``
(410, a Chinese page), and a store that cannot be reached ``StoreUnavailable`` (503): never a 500.
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request, send_file

from .errors import DomainError

AREAS = ("media", "evidence", "exchange", "reports")
CHUNK = 1 << 20


class FileLost(DomainError):
    """The record exists but its file is gone from the store."""

    status, code = 410, "file_lost"
    message = "该文件在文件存储中已不存在（可能已被清理或迁移时遗漏），请联系管理员重新上传。"


class StoreUnavailable(DomainError):
    status, code = 503, "store_unavailable"
    message = "文件存储暂时无法连接，请稍后再试；已保存的文件不受影响。"


def check_key(key: str) -> str:
    """A key as the stores write them (a hash and an extension): nothing that could name another path."""
    if not key or "/" in key or "\\" in key or key.startswith(".") or len(key) > 100:
        raise ValueError("invalid file key")
    return key


def sha256_key(data: bytes, ext: str) -> str:
    return hashlib.sha256(data).hexdigest() + ext


class FileStore(Protocol):
    def put(self, data: bytes, ext: str) -> str: ...
    def put_file(self, path: Path, ext: str) -> str: ...
    def exists(self, key: str) -> bool: ...
    def open(self, key: str) -> StoredFile: ...
    def send(self, key: str, *, conditional: bool = False, **kwargs: Any) -> Response: ...


@dataclass
class StoredFile:
    """A stored file opened for reading (seekable) and its size."""

    file: IO[bytes]
    size: int

    def chunks(self, size: int = 64 << 10) -> Iterator[bytes]:
        try:
            while chunk := self.file.read(size):
                yield chunk
        finally:
            self.file.close()


def _file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


class LocalStore:
    """Files in a folder of this host: ``root/<key[:2]>/<key>``, written whole to a temporary name, then renamed."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def put(self, data: bytes, ext: str) -> str:
        """Store bytes under their SHA-256 and return the key; storing the same content twice is a no-op."""
        key = sha256_key(data, ext)
        path = self.path(key)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)  # atomic: a reader never sees half a file
        return key

    def put_file(self, path: Path, ext: str) -> str:
        """Store a file (read in chunks, never whole into memory) under its SHA-256; return the key."""
        key = _file_hash(path) + ext
        target = self.path(key)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
            with os.fdopen(fd, "wb") as out, open(path, "rb") as src:
                while chunk := src.read(CHUNK):
                    out.write(chunk)
            os.replace(tmp, target)
        return key

    def path(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def open(self, key: str) -> StoredFile:
        try:
            fh = open(self.path(key), "rb")  # closed by the response
        except FileNotFoundError:
            raise FileLost() from None
        return StoredFile(fh, os.fstat(fh.fileno()).st_size)

    def send(self, key: str, *, conditional: bool = False, **kwargs: Any) -> Response:
        """A response with the file (range requests when conditional), as flask.send_file."""
        path = self.path(key)
        if not path.is_file():
            raise FileLost()
        return send_file(path, conditional=conditional, **kwargs)


class _ObjectReader(io.RawIOBase):
    """A stored object as a seekable file: each read from a new position is one ranged GET streamed to the end."""

    def __init__(self, client: Any, bucket: str, name: str, size: int) -> None:
        self.client, self.bucket, self.name, self.size = client, bucket, name, size
        self.pos = 0
        self.body: Any = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        new = {io.SEEK_SET: offset, io.SEEK_CUR: self.pos + offset, io.SEEK_END: self.size + offset}[whence]
        if new != self.pos:
            self._drop()
            self.pos = max(0, new)
        return self.pos

    def readinto(self, buffer: Any) -> int:
        if self.pos >= self.size:
            return 0
        if self.body is None:
            self.body = self.client.get_object(Bucket=self.bucket, Key=self.name,
                                               Range=f"bytes={self.pos}-")["Body"]
        data = self.body.read(len(buffer))
        buffer[:len(data)] = data
        self.pos += len(data)
        return len(data)

    def _drop(self) -> None:
        if self.body is not None:
            self.body.close()
            self.body = None

    def close(self) -> None:
        self._drop()
        super().close()


class S3Store:
    """Files as objects ``prefix/<area>/<key[:2]>/<key>`` of one bucket (boto3; any S3-compatible server)."""

    def __init__(self, client: Any, bucket: str, prefix: str) -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def name(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}{key[:2]}/{key}"

    def _call(self, method: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError
        try:
            return getattr(self.client, method)(Bucket=self.bucket, **kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise FileLost() from None
            current_app.logger.warning("file store %s failed: %s", method, exc)
            raise StoreUnavailable() from exc
        except BotoCoreError as exc:  # no connection, timeouts, bad credentials configuration
            current_app.logger.warning("file store %s failed: %s", method, exc)
            raise StoreUnavailable() from exc

    def exists(self, key: str) -> bool:
        try:
            self._call("head_object", Key=self.name(key))
        except FileLost:
            return False
        return True

    def put(self, data: bytes, ext: str) -> str:
        """Store bytes under their SHA-256 (one PUT, skipped when the object is there) and return the key."""
        key = sha256_key(data, ext)
        if not self.exists(key):
            self._call("put_object", Key=self.name(key), Body=data,
                       ChecksumSHA256=_b64(hashlib.sha256(data).digest()))
        return key

    def put_file(self, path: Path, ext: str) -> str:
        """Store a file in parts (boto3's managed transfer, never whole in memory) under its SHA-256."""
        key = _file_hash(path) + ext
        if not self.exists(key):
            from boto3.s3.transfer import TransferConfig
            from botocore.exceptions import BotoCoreError, ClientError
            try:
                self.client.upload_file(str(path), self.bucket, self.name(key),
                                        Config=TransferConfig(multipart_threshold=16 << 20, max_concurrency=2))
            except (BotoCoreError, ClientError, OSError) as exc:
                current_app.logger.warning("file store upload failed: %s", exc)
                raise StoreUnavailable() from exc
        return key

    def open(self, key: str) -> StoredFile:
        size = int(self._call("head_object", Key=self.name(key))["ContentLength"])
        return StoredFile(io.BufferedReader(_ObjectReader(self.client, self.bucket, self.name(key), size), 64 << 10),
                          size)

    def send(self, key: str, *, conditional: bool = False, **kwargs: Any) -> Response:
        """A response streaming the object through this host (range requests when conditional): the bureau's
        network reaches the app, not necessarily the store, and the app decides who may read."""
        stored = self.open(key)
        resp = send_file(stored.file, conditional=False, **kwargs)
        resp.content_length = stored.size
        if conditional:
            resp = resp.make_conditional(request.environ, accept_ranges=True, complete_length=stored.size)
        return resp


def _b64(digest: bytes) -> str:
    import base64
    return base64.b64encode(digest).decode()


def s3_client(config: dict[str, Any]) -> Any:
    import boto3
    from botocore.config import Config
    return boto3.client(
        "s3", endpoint_url=config.get("FILE_STORE_ENDPOINT") or None,
        region_name=config.get("FILE_STORE_REGION") or None,
        aws_access_key_id=config.get("FILE_STORE_ACCESS_KEY") or None,
        aws_secret_access_key=config.get("FILE_STORE_SECRET_KEY") or None,
        config=Config(connect_timeout=3, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"},
                      request_checksum_calculation="when_required", response_checksum_validation="when_required"))


def _local_root(config: dict[str, Any], area: str) -> Path:
    media = Path(config["MEDIA_DIR"])
    if area == "media":
        return media
    if area == "evidence":
        return Path(config.get("EVIDENCE_DIR") or media.parent / "evidence")
    return media.parent / area


def file_store(area: str, app: Flask | None = None) -> FileStore:
    """The store of one area (media, evidence, exchange, reports) as FILE_STORE configures it; one per app and area."""
    if area not in AREAS:
        raise ValueError(f"unknown file store area {area!r}")
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    stores: dict[str, FileStore] = app.extensions.setdefault("xst_file_stores", {})
    if area not in stores:
        url = str(app.config.get("FILE_STORE") or "")
        if not url:
            stores[area] = LocalStore(_local_root(app.config, area))
        else:
            parts = urlsplit(url)
            if parts.scheme != "s3" or not parts.netloc:
                raise ValueError(f"FILE_STORE must be empty or s3://bucket/prefix, not {url!r}")
            prefix = "/".join(p for p in (parts.path.strip("/"), area) if p) + "/"
            client = app.extensions.get("xst_s3_client") or s3_client(app.config)
            app.extensions["xst_s3_client"] = client  # thread-safe, shared by the areas
            stores[area] = S3Store(client, parts.netloc, prefix)
    return stores[area]
