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
import json
import os
import re
from collections.abc import Callable, Collection
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    field_validator,
)

from rebalancer_tui.atomic import write_text_atomically
from rebalancer_tui.engine.inputs import Options
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


V = TypeVar("V")


class InputError(ValueError):
    """A user file or value that cannot be used; the message is one clear line."""


class FileMissingError(InputError):
    """The file does not exist (the app treats a missing portfolio as 'none yet')."""


# ---------------------------------------------------------------------------
# Reading text


def read_text(path: Path) -> str:
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
    text = read_text(path)
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


def _read_column(
    path: Path, column: str, parse: Callable[[str], V | None], expected: str
) -> dict[str, V]:
    """`symbol,<column>` rows -> {SYMBOL: parse(value)}; a value `parse` refuses
    (None) is reported with its line as "<column> must be <expected>"."""
    seen: dict[str, int] = {}
    out: dict[str, V] = {}
    for line, row in _rows(path, ("symbol", column)):
        sym = _symbol(path, line, row["symbol"], seen)
        raw = row[column]
        value = parse(raw)
        if value is None:
            raise InputError(f"{path} line {line}: {column} must be {expected} (got {_shown(raw)})")
        out[sym] = value
    return out


def read_holdings_csv(path: Path, *, known: Collection[str] | None = None) -> dict[str, int]:
    """`symbol,shares` rows -> {SYMBOL: shares}. With `known`, every symbol must
    be in it (the catalog plus any symbol the caller has a price for)."""
    out = _read_column(
        path,
        "shares",
        lambda raw: int(Decimal(raw)) if _WHOLE_RE.fullmatch(raw) else None,
        "a whole number >= 0",
    )
    _check_known(path, out, known)
    return out


def read_targets_csv(path: Path, *, known: Collection[str] | None = None) -> dict[str, Decimal]:
    """`symbol,weight` rows -> {SYMBOL: weight}; weights are fractions summing to 1."""

    def fraction(raw: str) -> Decimal | None:
        w = _decimal(raw)
        return None if w is None or w > 1 else w

    out = _read_column(path, "weight", fraction, "a fraction between 0 and 1, e.g. 0.31 for 31%")
    if not out:
        raise InputError(f"{path}: no target weights (expected rows 'symbol,weight')")
    total = sum(out.values(), Decimal(0))
    if abs(total - 1) > WEIGHT_SUM_TOLERANCE:
        raise InputError(f"{path}: weights sum to {total}, expected 1")
    _check_known(path, out, known)
    return out


def read_prices_csv(path: Path) -> dict[str, Decimal]:
    """`symbol,price` rows -> {SYMBOL: price}; prices are positive dollars."""

    def positive(raw: str) -> Decimal | None:
        p = _decimal(raw)
        return None if p is None or p <= 0 else p

    return _read_column(path, "price", positive, "a positive number like 119.97")


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
    content, never a mix. Raises InputError with one line if it cannot."""
    path = Path(path)
    try:
        write_text_atomically(path, text, make_dirs=make_dirs)
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected a file name") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror or exc})") from None


# ---------------------------------------------------------------------------
# The JSON portfolio file


def _number(v: Any) -> Any:
    """JSON numbers arrive as int or Decimal (parsed exactly); plain-notation
    strings are accepted too, since saving writes a decimal that a float cannot
    hold exactly as a string. Booleans are not numbers here."""
    if isinstance(v, bool):
        raise ValueError("expected a number")
    if isinstance(v, int | Decimal):
        return v
    if isinstance(v, str):
        text = v.strip()
        negative = text.startswith("-")
        d = _decimal(text[1:] if negative else text)
        if d is not None:
            # A negative value gets the field's own "must be >= 0" message.
            return -d if negative else d
    raise ValueError("expected a number")


Number = Annotated[Decimal, BeforeValidator(_number)]
Shares = Annotated[int, Strict(), Field(ge=0)]


def _symbols(v: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for raw, value in v.items():
        sym = raw.strip().upper()
        if not _SYMBOL_RE.fullmatch(sym):
            raise ValueError(f"symbol must be a ticker like ESGV (got {_shown(raw)})")
        if sym in out:
            raise ValueError(f"symbol {sym} appears twice")
        out[sym] = value
    return out


class PortfolioOptions(BaseModel):
    """The engine's options as stored in a portfolio file (no solver settings)."""

    model_config = ConfigDict(extra="forbid")

    band: Annotated[Number, Field(ge=0, le=1)] = Decimal("0.02")
    relative_band: Annotated[Number, Field(gt=0, le=1)] | None = None
    reserve: Annotated[Number, Field(ge=0)] = Decimal(0)
    fee: Annotated[Number, Field(ge=0)] = Decimal(0)
    cost_rate: Annotated[Number, Field(ge=0, lt=1)] = Decimal(0)
    buy_only: Annotated[bool, Strict()] = False

    def to_engine(self, **overrides: Any) -> Options:
        """Engine `Options`; keyword overrides (e.g. time_limit) win."""
        return Options(**{**self.model_dump(), **overrides})

    @classmethod
    def from_engine(cls, options: Options) -> PortfolioOptions:
        return cls(**options.model_dump(exclude={"time_limit"}))


class PortfolioFile(BaseModel):
    """What the user keeps between sessions: holdings, cash, options, the chosen
    model and typed price overrides."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    model: str = Field(default="risky-norris", min_length=1, description="model id")
    holdings: dict[str, Shares] = Field(default_factory=dict)
    cash: Annotated[Number, Field(ge=0)] = Decimal(0)
    options: PortfolioOptions = Field(default_factory=PortfolioOptions)
    price_overrides: dict[str, Annotated[Number, Field(gt=0)]] = Field(default_factory=dict)

    @field_validator("holdings", "price_overrides")
    @classmethod
    def _upper_symbols(cls, v: dict[str, Any]) -> dict[str, Any]:
        return _symbols(v)

    def to_json_text(self) -> str:
        data = {
            "version": self.version,
            "model": self.model,
            "holdings": self.holdings,
            "cash": self.cash,
            "options": self.options.model_dump(),
            "price_overrides": self.price_overrides,
        }
        return json.dumps(_jsonable(data), indent=2, ensure_ascii=False) + "\n"


def _jsonable(v: Any) -> Any:
    """Decimals as JSON numbers when a float holds them exactly (what people
    expect to read and edit), else as exact strings."""
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, Decimal):
        if v == v.to_integral_value() and abs(v) < 2**53:
            return int(v)
        f = float(v)
        return f if Decimal(repr(f)) == v else _plain(v)
    return v


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"key {k!r} appears twice in one object")
        out[k] = v
    return out


_FRIENDLY = {
    "int_type": "expected a whole number",
    "bool_type": "expected true or false",
    "string_type": "expected text",
    "dict_type": "expected an object {...}",
    "model_type": "expected an object {...}",
    "missing": "is required",
    "extra_forbidden": "unknown field",
}


def _shown_value(v: Any) -> str:
    if isinstance(v, Decimal):
        return _plain(v)
    if isinstance(v, dict):
        return "an object"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, str):
        return _shown(v)
    return json.dumps(v)


_BOUNDS = {
    "greater_than_equal": ("ge", ">="),
    "greater_than": ("gt", ">"),
    "less_than_equal": ("le", "<="),
    "less_than": ("lt", "<"),
}


def describe_validation_error(exc: ValidationError, prefix: str = "") -> str:
    """The first pydantic error as one line: 'field a.b: what was expected (got x)'."""
    errors = exc.errors(include_url=False)
    e = errors[0]
    kind = e["type"]
    field = ".".join(str(x) for x in (*([prefix] if prefix else []), *e["loc"])) or "top level"
    if kind in _BOUNDS:
        key, op = _BOUNDS[kind]
        msg = f"must be {op} {e.get('ctx', {}).get(key)}"
    elif kind == "literal_error":
        msg = f"must be {e.get('ctx', {}).get('expected')}"
    else:
        msg = _FRIENDLY.get(kind, e["msg"]).removeprefix("Value error, ")
    value = e.get("input")
    quiet = kind in ("missing", "extra_forbidden") or isinstance(value, dict | list)
    got = "" if quiet else f" (got {_shown_value(value)})"
    more = f" [and {len(errors) - 1} more problem(s)]" if len(errors) > 1 else ""
    return f"field {field}: {msg}{got}{more}"


def parse_json(text: str, path: Path) -> Any:
    """JSON with exact decimals, no NaN/Infinity and no duplicate keys;
    InputError with the line and column otherwise."""
    try:
        return json.loads(
            text, parse_float=Decimal, parse_constant=_no_constants, object_pairs_hook=_unique_keys
        )
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path} line {exc.lineno} column {exc.colno}: not valid JSON ({exc.msg})"
        ) from None
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None


def parse_portfolio(text: str, path: Path) -> PortfolioFile:
    """A portfolio from JSON text; `path` only names the file in errors."""
    raw = parse_json(text, path)
    if not isinstance(raw, dict):
        raise InputError(
            f'{path}: expected a JSON object {{"version": 1, ...}} (got {_shown_value(raw)})'
        )
    try:
        return PortfolioFile.model_validate(raw)
    except ValidationError as exc:
        raise InputError(f"{path}: {describe_validation_error(exc)}") from None


def load_portfolio(
    path: Path,
    *,
    known_symbols: Collection[str] | None = None,
    known_models: Collection[str] | None = None,
) -> PortfolioFile:
    """Read and validate a portfolio file; never writes to it.

    With `known_symbols`, a held symbol must be known or have a price override;
    with `known_models`, the model id must be one of them. Raises InputError
    (FileMissingError if there is no file).
    """
    path = Path(path)
    pf = parse_portfolio(read_text(path), path)
    if known_symbols is not None:
        for sym in pf.holdings:
            if sym not in known_symbols and sym not in pf.price_overrides:
                raise InputError(
                    f"{path}: field holdings.{sym}: unknown symbol (not in the catalog "
                    "and no price override)"
                )
    if known_models is not None and pf.model not in known_models:
        raise InputError(
            f"{path}: field model: unknown model {pf.model!r} (known: {', '.join(known_models)})"
        )
    return pf


def save_portfolio(path: Path, pf: PortfolioFile) -> None:
    """Write the portfolio atomically, creating its directory if needed."""
    atomic_write_text(Path(path), pf.to_json_text(), make_dirs=True)


# ---------------------------------------------------------------------------
# Where the portfolio lives


def data_dir() -> Path:
    """env REBALANCER_DATA_DIR > the platform's user data dir."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_portfolio_path() -> Path:
    """env REBALANCER_PORTFOLIO > <user data dir>/portfolio.json."""
    env = os.environ.get(ENV_PORTFOLIO)
    if env:
        return Path(env).expanduser()
    return data_dir() / "portfolio.json"


def _last_pointer() -> Path:
    return data_dir() / "last-portfolio.txt"


def remember_portfolio(path: Path) -> None:
    """Record the portfolio the user last loaded or saved, so the next start
    reopens it. Best effort: failing to remember never bothers the user."""
    with contextlib.suppress(InputError):
        atomic_write_text(
            _last_pointer(), str(Path(path).expanduser().resolve()) + "\n", make_dirs=True
        )


def startup_portfolio_path(flag: str | Path | None = None) -> Path:
    """The portfolio to open on start: --portfolio flag > env REBALANCER_PORTFOLIO >
    the last one remembered > <user data dir>/portfolio.json."""
    if flag:
        return Path(flag).expanduser()
    if os.environ.get(ENV_PORTFOLIO):
        return default_portfolio_path()
    try:
        last = _last_pointer().read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        last = ""
    return Path(last) if last else default_portfolio_path()
