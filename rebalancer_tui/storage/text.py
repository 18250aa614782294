"""Bounded reading of the user's text files.

Only a regular file (or a link to one) of at most `MAX_FILE_BYTES` is read.
The file is opened without blocking and checked with fstat before a single
byte is read, so /dev/zero, a named pipe, a directory or a symlink loop give
one clear line instead of a hang or a MemoryError.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from rebalancer_tui.rules import InputError, printable

MAX_FILE_BYTES = 5 * 1024 * 1024


class FileMissingError(InputError):
    """The file does not exist (the app treats a missing portfolio as 'none yet')."""


def where(path: Path | str) -> str:
    """A path as shown in a message: control characters made visible."""
    return printable(str(path))


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _size_text(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def open_error(path: Path | str, exc: OSError) -> InputError:
    """The one-line error for a file that cannot be opened."""
    shown = where(path)
    if exc.errno == errno.ENOENT:
        return FileMissingError(f"{shown}: file not found")
    if exc.errno == errno.ELOOP:
        return InputError(f"{shown}: symbolic link loop, expected a file")
    if exc.errno == errno.EISDIR:
        return InputError(f"{shown}: is a directory, expected a file")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return InputError(f"{shown}: permission denied")
    if exc.errno == errno.ENOTDIR:
        return InputError(f"{shown}: a part of the path is not a directory")
    return InputError(f"{shown}: cannot read ({exc.strerror or exc})")


def read_bytes(path: Path | str, *, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, or an InputError."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise open_error(path, exc) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            what = kind_of(info.st_mode)
            if what == "a directory":
                raise InputError(f"{where(path)}: is a directory, expected a file")
            raise InputError(f"{where(path)}: {what}, expected a regular file")
        if info.st_size > limit:
            raise InputError(
                f"{where(path)}: file too large ({_size_text(info.st_size)}; "
                f"at most {_size_text(limit)})"
            )
        chunks: list[bytes] = []
        total = 0
        # The file may grow while it is read: never read more than limit + 1.
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise InputError(f"{where(path)}: file too large (at most {_size_text(limit)})")
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(f"{where(path)}: cannot read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def decode(data: bytes, path: Path | str) -> str:
    """UTF-8 text (an optional BOM dropped), or an InputError with the line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{where(path)} line {line}: not valid UTF-8 (byte 0x{data[exc.start]:02x}); "
            "save the file as UTF-8"
        ) from None


def read_text(path: Path | str, *, limit: int = MAX_FILE_BYTES) -> str:
    """The file as text (UTF-8, optional BOM), or an InputError saying why not."""
    return decode(read_bytes(path, limit=limit), path)
