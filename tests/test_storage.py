"""The storage package's promises: only regular files of bounded size and
nesting are read, saves refuse special targets, temp files are private from
the start and cleaned after a kill, and every user directory comes from one
place."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from rebalancer_tui.rules import InputError
from rebalancer_tui.storage import csv_files, json_file, locations, portfolio_file, text
from rebalancer_tui.storage.atomic import (
    UnsafeTargetError,
    atomic_write_text,
    clean_stale_temps,
    write_text_atomically,
)

# ---------------------------------------------------------------------------
# Bounded reads


def _fifo(tmp_path: Path) -> Path:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    return fifo


def _loop(tmp_path: Path) -> Path:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.symlink_to(b)
    b.symlink_to(a)
    return a


READERS = [
    text.read_text,
    csv_files.read_holdings_csv,
    csv_files.read_targets_csv,
    csv_files.read_prices_csv,
    portfolio_file.load_portfolio,
    json_file.load_json,
]


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.__name__)
@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda tmp: Path("/dev/zero"), "a device, expected a regular file"),
        (_fifo, "a named pipe, expected a regular file"),
        (lambda tmp: tmp, "is a directory"),
        (_loop, "symbolic link loop"),
    ],
    ids=["dev-zero", "fifo", "directory", "symlink-loop"],
)
def test_special_files_are_one_line_never_a_hang(
    tmp_path: Path, reader: object, make: object, needle: str
) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(InputError) as info:
        reader(path)  # type: ignore[operator]
    msg = str(info.value)
    assert needle in msg and str(path) in msg and "\n" not in msg


def test_link_to_a_regular_file_is_read(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("symbol,shares\nESGV,3\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert csv_files.read_holdings_csv(link) == {"ESGV": 3}


def test_oversized_file_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    with big.open("wb") as fh:
        fh.truncate(text.MAX_FILE_BYTES + 1)  # sparse: costs no disk
    with pytest.raises(InputError, match=r"file too large \(5\.0 MB; at most 5\.0 MB\)"):
        csv_files.read_holdings_csv(big)
    assert text.read_bytes(big, limit=text.MAX_FILE_BYTES + 1)[:1] == b"\x00"


def test_million_row_csv_refused_at_the_row_limit(tmp_path: Path) -> None:
    p = tmp_path / "h.csv"
    p.write_text("symbol,shares\n" + "A,1\n" * 1_000_000, encoding="utf-8")
    assert p.stat().st_size < text.MAX_FILE_BYTES  # the row limit, not the size, refuses it
    with pytest.raises(InputError) as info:
        csv_files.read_holdings_csv(p)
    assert f"line {csv_files.MAX_ROWS + 2}: too many rows (at most 10,000)" in str(info.value)


def test_rows_up_to_the_limit_are_read(tmp_path: Path) -> None:
    p = tmp_path / "h.csv"
    rows = "".join(f"S{i},{i}\n" for i in range(csv_files.MAX_ROWS))
    p.write_text("symbol,shares\n" + rows, encoding="utf-8")
    got = csv_files.read_holdings_csv(p)
    assert len(got) == csv_files.MAX_ROWS and got["S9999"] == 9999


def test_unknown_symbols_named_with_line_and_count(tmp_path: Path) -> None:
    p = tmp_path / "h.csv"
    p.write_text(
        "symbol,shares\nESGV,1\n" + "".join(f"Z{i},1\n" for i in range(5000)), encoding="utf-8"
    )
    with pytest.raises(InputError) as info:
        csv_files.read_holdings_csv(p, known={"ESGV"})
    msg = str(info.value)
    assert "line 3: unknown symbol Z0" in msg and "and 4,995 more" in msg
    assert len(msg) < 300


# ---------------------------------------------------------------------------
# JSON


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply (at most 32 levels)"),
        ("[" * 33 + "]" * 33, "nested too deeply"),
        ("[" + ",".join(["1"] * 200_000) + "]", "too many values (at most 100,000)"),
        ('{"a": 1, "a": 2}', "key 'a' appears twice"),
        ('{"a": ', "not valid JSON"),
    ],
)
def test_json_bounds(content: str, needle: str) -> None:
    with pytest.raises(InputError) as info:
        json_file.parse_json(content, "f.json")
    assert needle in str(info.value) and str(info.value).startswith("f.json")


@pytest.mark.parametrize("token", ["NaN", "-Infinity", "1e3", "1.5E-7", "1" * 5000, "-1e308"])
def test_json_number_off_the_grammar_is_kept_raw_for_the_field_to_refuse(token: str) -> None:
    from rebalancer_tui.rules import CASH, NumberError, RawNumber, parse_number, to_number

    with pytest.raises(InputError) as whole:
        json_file.parse_json('{"a": ' + token + "}", "f")
    raw = json_file.parse_json('{"a": ' + token + "}", "f", raw_numbers=True)["a"]
    assert raw == RawNumber(token)
    with pytest.raises(NumberError) as from_file:
        to_number(raw, CASH)
    with pytest.raises(NumberError) as typed:
        parse_number(token, CASH)
    assert from_file.value.rule == typed.value.rule
    assert str(whole.value).endswith(typed.value.rule)


def test_json_numbers_exact_and_depth_at_the_limit() -> None:
    from decimal import Decimal

    assert json_file.parse_json('{"a": 0.1, "b": -3, "c": "x"}', "f") == {
        "a": Decimal("0.1"),
        "b": -3,
        "c": "x",
    }
    assert json_file.parse_json("[" * 32 + "]" * 32, "f") == eval("[" * 32 + "]" * 32)


def test_json_writer_never_writes_an_exponent() -> None:
    from decimal import Decimal

    out = json_file.dumps({"a": Decimal("0.00001"), "b": Decimal("1.5"), "c": Decimal("1E+20")})
    assert "e+" not in out.lower() and "e-" not in out.lower()
    assert json_file.parse_json(out, "f") == {
        "a": "0.00001",
        "b": Decimal("1.5"),
        "c": "100000000000000000000",
    }


def test_three_million_entry_cache_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "prices.json"
    body = ",".join(f'"S{i}": 1' for i in range(3_000_000))
    p.write_text("{" + body + "}", encoding="utf-8")
    with pytest.raises(InputError, match="file too large"):
        json_file.load_json(p)


# ---------------------------------------------------------------------------
# Atomic writes


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (_fifo, "a named pipe, not a regular file"),
        (lambda tmp: Path("/dev/null"), "a device, not a regular file"),
        (lambda tmp: tmp, "is a directory"),
        (_loop, "symbolic link loop"),
    ],
    ids=["fifo", "device", "directory", "symlink-loop"],
)
def test_save_refuses_special_targets(tmp_path: Path, make: object, needle: str) -> None:
    target = make(tmp_path)  # type: ignore[operator]
    before = os.lstat(target)
    with pytest.raises(InputError) as info:
        atomic_write_text(target, "x")
    assert needle in str(info.value) and "\n" not in str(info.value)
    after = os.lstat(target)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    with pytest.raises(OSError):
        write_text_atomically(target, "x")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_save_refuses_a_dangling_link(tmp_path: Path) -> None:
    link = tmp_path / "p.json"
    link.symlink_to(tmp_path / "elsewhere" / "x.json")
    with pytest.raises(InputError, match="link to a missing file"):
        atomic_write_text(link, "x")
    with pytest.raises(UnsafeTargetError):
        write_text_atomically(link, "x")
    assert not (tmp_path / "elsewhere").exists()


def test_temp_file_has_the_final_permissions_from_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = tmp_path / "p.json"
    p.write_text("old")
    os.chmod(p, 0o600)
    seen: list[int] = []
    real_write = os.fdopen

    def spying_fdopen(fd: int, *args: object, **kwargs: object) -> object:
        # The moment the content is first written, the temp file's bits.
        seen.append(stat.S_IMODE(os.fstat(fd).st_mode))
        return real_write(fd, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "fdopen", spying_fdopen)
    old_umask = os.umask(0o022)
    try:
        atomic_write_text(p, "secret")
    finally:
        os.umask(old_umask)
    assert seen == [0o600]
    assert stat.S_IMODE(p.stat().st_mode) == 0o600 and p.read_text() == "secret"


def test_kept_bits_survive_a_narrow_umask(tmp_path: Path) -> None:
    p = tmp_path / "f.txt"
    p.write_text("old")
    os.chmod(p, 0o664)
    old_umask = os.umask(0o077)
    try:
        atomic_write_text(p, "new")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(p.stat().st_mode) == 0o664


def test_new_portfolio_is_private(tmp_path: Path) -> None:
    p = tmp_path / "p.json"
    portfolio_file.save_portfolio(p, portfolio_file.PortfolioFile())
    assert stat.S_IMODE(p.stat().st_mode) & 0o077 == 0


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temps_of_dead_processes_are_removed(tmp_path: Path) -> None:
    p = tmp_path / "p.json"
    p.write_text("old")
    dead = tmp_path / f".p.json.{_dead_pid()}.0123abcd.tmp"
    alive = tmp_path / f".p.json.{os.getppid()}.0123abcd.tmp"
    other = tmp_path / f".q.json.{_dead_pid()}.0123abcd.tmp"
    foreign = tmp_path / ".p.json.tmp"
    for f in (dead, alive, other, foreign):
        f.write_text("partial")
    assert clean_stale_temps(p) == [dead]
    assert not dead.exists() and alive.exists() and other.exists() and foreign.exists()
    alive.unlink()
    other.unlink()
    foreign.unlink()
    dead.write_text("partial")
    atomic_write_text(p, "new")
    assert sorted(x.name for x in tmp_path.iterdir()) == ["p.json"]


def test_kill_mid_save_then_next_save_cleans_up(tmp_path: Path) -> None:
    p = tmp_path / "f.txt"
    p.write_bytes(b"old")
    code = (
        "import os\n"
        "from pathlib import Path\n"
        "from rebalancer_tui.storage.atomic import atomic_write_text\n"
        "os.replace = lambda *a: os.kill(os.getpid(), 9)\n"
        f"atomic_write_text(Path({str(p)!r}), 'new' * 1000)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert r.returncode == -9
    assert p.read_bytes() == b"old"
    left = [x.name for x in tmp_path.iterdir() if x.name != "f.txt"]
    assert len(left) == 1 and left[0].startswith(".f.txt.") and left[0].endswith(".tmp")
    atomic_write_text(p, "new")
    assert [x.name for x in tmp_path.iterdir()] == ["f.txt"] and p.read_text() == "new"


# ---------------------------------------------------------------------------
# Locations


def test_every_directory_has_one_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REBALANCER_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("REBALANCER_CONFIG_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("REBALANCER_CACHE_DIR", str(tmp_path / "k"))
    monkeypatch.delenv("REBALANCER_PORTFOLIO", raising=False)
    monkeypatch.delenv("REBALANCER_MODELS", raising=False)
    assert locations.default_portfolio_path() == tmp_path / "d" / "portfolio.json"
    assert locations.last_portfolio_pointer() == tmp_path / "d" / "last-portfolio.txt"
    assert locations.default_models_path() == tmp_path / "c" / "models.json"
    assert locations.price_cache_path() == tmp_path / "k" / "prices.json"
    monkeypatch.setenv("REBALANCER_MODELS", "  ")  # blank counts as unset
    assert locations.default_models_path() == tmp_path / "c" / "models.json"


def test_platform_dirs_when_no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    for name in ("REBALANCER_DATA_DIR", "REBALANCER_CONFIG_DIR", "REBALANCER_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)
    app = "rebalancer-tui"
    assert locations.data_dir() == Path(platformdirs.user_data_dir(app, appauthor=False))
    assert locations.config_dir() == Path(platformdirs.user_config_dir(app, appauthor=False))
    assert locations.cache_dir() == Path(platformdirs.user_cache_dir(app, appauthor=False))


def test_pointer_that_is_a_fifo_does_not_hang_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REBALANCER_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("REBALANCER_PORTFOLIO", raising=False)
    os.mkfifo(tmp_path / "last-portfolio.txt")
    assert portfolio_file.startup_portfolio_path() == tmp_path / "portfolio.json"
