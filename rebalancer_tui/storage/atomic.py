"""Atomic file writes: a reader sees the old file or the new one, never half.

- The target must be a regular file, a link to one, or a new name: a named
  pipe, a device, a directory, a dangling link or a symlink loop is refused
  (no save may replace /dev/null or block on a pipe).
- A link is written through to the file it names (dotfile managers), and the
  old file's permission bits are kept.
- The temp file is created with the final permissions (never wider), then
  written, fsynced, renamed over the target, and the directory fsynced.
- Temp files are named `.<name>.<pid>.<random>.tmp`; one whose process is gone
  (a kill -9 mid-save) is removed by the next save of the same file.

`write_text_atomically` raises OSError (the price cache wants that);
`atomic_write_text` turns it into one InputError line.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from pathlib import Path

from rebalancer_tui.rules import InputError
from rebalancer_tui.storage.text import kind_of, where

_TEMP = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp")


class UnsafeTargetError(OSError):
    """The target is not something a save may replace."""


def _target(path: Path) -> tuple[Path, int | None]:
    """The file to replace (links followed) and its permission bits, if it exists."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise UnsafeTargetError(
                errno.ENOENT, "is a link to a missing file; give the file's own name", str(path)
            ) from None
        return path, None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeTargetError(errno.ELOOP, "symbolic link loop", str(path)) from None
        raise
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory, expected a file name", str(path))
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeTargetError(
            errno.EINVAL, f"{kind_of(info.st_mode)}, not a regular file", str(path)
        )
    real = Path(os.path.realpath(path)) if os.path.islink(path) else path
    return real, stat.S_IMODE(info.st_mode)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: it exists, owned by someone else
        return True
    return True


def clean_stale_temps(path: Path) -> list[Path]:
    """Remove temp files of earlier saves of `path` whose process is gone;
    returns what was removed. Best effort: never raises."""
    removed: list[Path] = []
    try:
        names = os.listdir(path.parent if str(path.parent) else ".")
    except OSError:
        return removed
    for name in names:
        m = _TEMP.fullmatch(name)
        if not m or m["name"] != path.name or _pid_alive(int(m["pid"])):
            continue
        stale = path.with_name(name)
        with contextlib.suppress(OSError):
            if stat.S_ISREG(os.lstat(stale).st_mode):
                os.unlink(stale)
                removed.append(stale)
    return removed


def _open_temp(path: Path, mode: int) -> tuple[Path, int]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            return tmp, os.open(tmp, flags, mode)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(path))


def write_text_atomically(
    path: Path, text: str, *, make_dirs: bool = False, new_mode: int = 0o666
) -> None:
    """Write `text` (UTF-8) atomically to `path`; see the module docstring.

    `new_mode` is for a file that does not exist yet (the umask applies);
    an existing file keeps its own bits. Raises OSError.
    """
    path = Path(path)
    if make_dirs:
        path.parent.mkdir(parents=True, exist_ok=True)
    target, mode = _target(path)
    clean_stale_temps(target)
    # The umask can only narrow the bits given at creation, so the temp file
    # is never readable by more people than the final file.
    tmp, fd = _open_temp(target, mode if mode is not None else new_mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            if mode is not None:
                # The umask may have narrowed the bits: give the old file's own.
                os.fchmod(fd, mode)
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)


def atomic_write_text(
    path: Path, text: str, *, make_dirs: bool = False, new_mode: int = 0o666
) -> None:
    """`write_text_atomically`, with one InputError line if it cannot."""
    path = Path(path)
    try:
        write_text_atomically(path, text, make_dirs=make_dirs, new_mode=new_mode)
    except IsADirectoryError:
        raise InputError(f"{where(path)}: is a directory, expected a file name") from None
    except UnsafeTargetError as exc:
        raise InputError(f"{where(path)}: cannot write: {exc.strerror}") from None
    except OSError as exc:
        raise InputError(f"{where(path)}: cannot write ({exc.strerror or exc})") from None


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
