"""Atomic file writes: a reader sees the old file or the new one, never half.

Shared by the price cache and the user's portfolio/orders files. Raises
OSError; callers turn it into their own message.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def write_text_atomically(path: Path, text: str, *, make_dirs: bool = False) -> None:
    """Temp file in the same directory, fsync, os.replace, fsync the directory.

    A symlink is written through (dotfile managers), the old file's permission
    bits are kept, and the temp file never survives a failure, not even a
    KeyboardInterrupt.
    """
    path = Path(path)
    if path.is_symlink():
        path = path.resolve()
    if path.is_dir():
        raise IsADirectoryError(21, "is a directory, expected a file name", str(path))
    if make_dirs:
        path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else None
    tmp, fd = _open_temp(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _open_temp(path: Path) -> tuple[Path, int]:
    # os.open with the default 0o666 lets the umask decide permissions, as a
    # plain open() would (mkstemp would force 0600 on an orders export).
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name next to {path}")


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable; not possible on every platform."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
