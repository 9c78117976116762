"""Write a small JSON file so that a crash or power cut leaves the old file or the new one, never half.

The document goes to a temporary file in the same folder (same file system), is flushed and
fsynced, then renamed over the target (`os.replace` is atomic on POSIX and Windows). Used by the
files people keep by hand or by the GUI: users (`hmi.core.users`), trend sets (`hmi.core.trend_sets`).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_json_atomic(path: Path, doc: Any, *, private: bool = False, **dump_kw: Any) -> None:
    """`private`: readable by the owner only (0600) from the first byte (password hashes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
    try:
        if private:
            os.chmod(tmp, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, **dump_kw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
