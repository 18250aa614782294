"""Reading and writing the user's files: CSV holdings/targets/prices, the
orders export, and the JSON portfolio file.

Every reader raises `InputError` with one line naming the file, the line or
field, what was expected and what was found. Nothing here writes except
through `atomic_write_text`, so a failed save never leaves half a file.
No Textual import: the headless `plan` command uses this module.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import secrets
from collections.abc import Collection
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rebalancer_tui.engine.plan import CENT, Plan
from rebalancer_tui.models import WEIGHT_SUM_TOLERANCE

APP_NAME = "rebalancer-tui"
ENV_PORTFOLIO = "REBALANCER_PORTFOLIO"
ENV_DATA_DIR = "REBALANCER_DATA_DIR"

# Ticker-like: letters, digits, dots and dashes (BRK.B, RDS-A), as in Asset.
_SYMBOL_RE = re.compile(r"[A-Z0-9][A-Z0-9.\-]{0,15}")
# Plain decimal notation only: "1,234", "1e3", "$5", "31%" or "1_000" are
# refused rather than guessed at.
_DECIMAL_RE = re.compile(r"[+]?(\d+(\.\d*)?|\.\d+)")
_WHOLE_RE = re.compile(r"[+]?\d+(\.0*)?")


class InputError(ValueError):
    """A user file or value that cannot be used; the message is one clear line."""


class FileMissingError(InputError):
    """The file does not exist (the app treats a missing portfolio as 'none yet')."""


# ---------------------------------------------------------------------------
# Reading text


def _read_text(path: Path) -> str:
    """The file as text (UTF-8, optional BOM), or an InputError saying why not."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileMissingError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path} line {line}: not valid UTF-8 (byte 0x{data[exc.start]:02x}); "
            "save the file as UTF-8"
        ) from None


# ---------------------------------------------------------------------------
# CSV


def _shown(raw: str) -> str:
    return repr(raw if len(raw) <= 40 else raw[:37] + "...")


def _rows(path: Path, columns: tuple[str, str]) -> list[tuple[int, dict[str, str]]]:
    """Data rows of a two-column CSV as (line number, {column: cell})."""
    text = _read_text(path)
    expected = ",".join(columns)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    out: list[tuple[int, dict[str, str]]] = []
    try:
        for row in reader:
            cells = [c.strip() for c in row]
            # A trailing comma (some spreadsheets add one) is not a column.
            while cells and cells[-1] == "":
                cells.pop()
            if not cells:
                continue
            line = reader.line_num
            if header is None:
                header = [c.lower() for c in cells]
                if sorted(header) != sorted(columns):
                    raise InputError(
                        f"{path} line {line}: expected the header '{expected}' "
                        f"(got {_shown(','.join(cells))})"
                    )
                continue
            if len(cells) != len(header):
                hint = (
                    "; write numbers without thousands separators (1234, not 1,234)"
                    if len(cells) > len(header)
                    else ""
                )
                raise InputError(
                    f"{path} line {line}: expected {len(header)} columns '{expected}', "
                    f"got {len(cells)} ({_shown(','.join(cells))}){hint}"
                )
            out.append((line, dict(zip(header, cells, strict=True))))
    except csv.Error as exc:
        raise InputError(f"{path} line {reader.line_num}: malformed CSV ({exc})") from None
    if header is None:
        raise InputError(f"{path}: empty file, expected the header '{expected}'")
    return out


def _symbol(path: Path, line: int, raw: str, seen: dict[str, int]) -> str:
    sym = raw.upper()
    if not _SYMBOL_RE.fullmatch(sym):
        raise InputError(
            f"{path} line {line}: symbol must be a ticker like ESGV (got {_shown(raw)})"
        )
    if sym in seen:
        raise InputError(f"{path} line {line}: {sym} appears twice (first on line {seen[sym]})")
    seen[sym] = line
    return sym


def _decimal(raw: str) -> Decimal | None:
    if not _DECIMAL_RE.fullmatch(raw):
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the regex already filters
        return None


def _check_known(path: Path, symbols: Collection[str], known: Collection[str] | None) -> None:
    if known is None:
        return
    unknown = [s for s in symbols if s not in known]
    if unknown:
        raise InputError(
            f"{path}: unknown symbol {', '.join(unknown)} (not in the catalog and no "
            "price given for it)"
        )


def read_holdings_csv(path: Path, *, known: Collection[str] | None = None) -> dict[str, int]:
    """`symbol,shares` rows -> {SYMBOL: shares}. With `known`, every symbol must
    be in it (the catalog plus any symbol the caller has a price for)."""
    seen: dict[str, int] = {}
    out: dict[str, int] = {}
    for line, row in _rows(path, ("symbol", "shares")):
        sym = _symbol(path, line, row["symbol"], seen)
        raw = row["shares"]
        if not _WHOLE_RE.fullmatch(raw):
            raise InputError(
                f"{path} line {line}: shares must be a whole number >= 0 (got {_shown(raw)})"
            )
        out[sym] = int(Decimal(raw))
    _check_known(path, out, known)
    return out


def read_targets_csv(path: Path, *, known: Collection[str] | None = None) -> dict[str, Decimal]:
    """`symbol,weight` rows -> {SYMBOL: weight}; weights are fractions summing to 1."""
    seen: dict[str, int] = {}
    out: dict[str, Decimal] = {}
    for line, row in _rows(path, ("symbol", "weight")):
        sym = _symbol(path, line, row["symbol"], seen)
        raw = row["weight"]
        w = _decimal(raw)
        if w is None or w > 1:
            raise InputError(
                f"{path} line {line}: weight must be a fraction between 0 and 1, "
                f"e.g. 0.31 for 31% (got {_shown(raw)})"
            )
        out[sym] = w
    if not out:
        raise InputError(f"{path}: no target weights (expected rows 'symbol,weight')")
    total = sum(out.values(), Decimal(0))
    if abs(total - 1) > WEIGHT_SUM_TOLERANCE:
        raise InputError(f"{path}: weights sum to {total}, expected 1")
    _check_known(path, out, known)
    return out


def read_prices_csv(path: Path) -> dict[str, Decimal]:
    """`symbol,price` rows -> {SYMBOL: price}; prices are positive dollars."""
    seen: dict[str, int] = {}
    out: dict[str, Decimal] = {}
    for line, row in _rows(path, ("symbol", "price")):
        sym = _symbol(path, line, row["symbol"], seen)
        raw = row["price"]
        p = _decimal(raw)
        if p is None or p <= 0:
            raise InputError(
                f"{path} line {line}: price must be a positive number like 119.97 "
                f"(got {_shown(raw)})"
            )
        out[sym] = p
    return out


def _plain(d: Decimal) -> str:
    """A decimal in plain notation (no exponent), trailing zeros trimmed."""
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def orders_csv_text(plan: Plan) -> str:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["action", "symbol", "shares", "price", "amount"])
    for o in plan.orders:
        w.writerow(
            [o.action, o.symbol, o.shares, _plain(o.price), format(o.amount.quantize(CENT), "f")]
        )
    return buf.getvalue()


def write_orders_csv(path: Path, plan: Plan) -> None:
    """The plan's orders (sells first) as `action,symbol,shares,price,amount`
    for a broker; amount is rounded to the cent. Atomic."""
    atomic_write_text(path, orders_csv_text(plan))


# ---------------------------------------------------------------------------
# Atomic writes


def atomic_write_text(path: Path, text: str, *, make_dirs: bool = False) -> None:
    """Write `text` (UTF-8) so that `path` holds either the old or the new
    content, never a mix: temp file in the same directory, fsync, os.replace.

    Raises InputError with one line if the file cannot be written; the temp
    file never survives a failure.
    """
    path = Path(path)
    if path.is_symlink():
        # Write through a symlink (dotfile managers) instead of replacing it.
        path = path.resolve()
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a file name")
    try:
        if make_dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
        mode = path.stat().st_mode & 0o777 if path.exists() else None
        tmp, fd = _open_temp(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        # Also on KeyboardInterrupt: the old file is untouched, drop the temp.
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise InputError(f"{path}: cannot write ({exc.strerror or exc})") from None
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
