"""Courseware media are stored by lms.filestore (a local folder by default, S3-compatible object storage when
FILE_STORE says so); MediaStore is its local folder, under the name the courseware code has always used."""
from __future__ import annotations

from lms.filestore import FileStore, LocalStore

MediaStore = LocalStore

__all__ = ["FileStore", "MediaStore"]
