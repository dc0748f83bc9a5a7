"""Content-addressed media store on the local filesystem (instance/media by default)."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


class MediaStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def put(self, data: bytes, ext: str) -> str:
        """Store bytes under their SHA-256 and return the key; storing the same content twice is a no-op."""
        key = hashlib.sha256(data).hexdigest() + ext
        path = self.path(key)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)  # atomic: a reader never sees half a file
        return key

    def path(self, key: str) -> Path:
        if not key or "/" in key or "\\" in key or key.startswith("."):
            raise ValueError("invalid media key")
        return self.root / key[:2] / key
