"""The input contract: the same text gets one answer at every entry point.

Each string below is fed, for each quantity it can be given as, to the
command line, to every file reader (CSV, portfolio JSON, models JSON) and to
the app's field validator. The expected answer comes from `rules`
(`parse_number` / `check_symbol`): accepted everywhere with the same value,
or refused everywhere with the same words ("<quantity>: <rule>").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from rebalancer_tui import rules
from rebalancer_tui.cli import main
from rebalancer_tui.rules import InputError, NumberError, Quantity
from rebalancer_tui.storage import csv_files
from rebalancer_tui.storage.portfolio_file import load_portfolio
from rebalancer_tui.storage.user_models import load_user_models
from rebalancer_tui.widgets.fields import DecimalField

STRINGS = ["1e3", "1_000", "$5", "-1", "1,234", "1e308", "0.7", "0.25", "12", "nan"]


@dataclass(frozen=True)
class Answer:
    value: Decimal | None  # None: refused
    words: str  # "" when accepted

    @classmethod
    def expected(cls, text: str, q: Quantity) -> Answer:
        try:
            return cls(rules.parse_number(text, q), "")
        except NumberError as exc:
            return cls(None, f"{q.name}: {exc.rule}")


# An entry point: (tmp dir, text) -> the value it accepted (None if it does not
# show one) or raises InputError / returns the refusal line.
Entry = Callable[[Path, str], "Decimal | str | None"]


def _json_forms(text: str) -> list[str]:
    """The text as a JSON string, and as a bare JSON number when it is one."""
    forms = [json.dumps(text)]
    try:
        json.loads(text)
    except ValueError:
        return forms
    return [*forms, text]


def _cli(flag: str) -> Entry:
    def run(tmp: Path, text: str) -> Decimal | str | None:
        import contextlib
        import io

        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["plan", "--offline", "--json", "--strategy", "simple", flag, text])
        if code == 0:
            return None
        assert code == 2 and err.getvalue().count("\n") == 1, err.getvalue()
        return err.getvalue()

    return run


def _csv(reader: Callable[[Path], dict[str, object]], header: str, other: str = "") -> Entry:
    def run(tmp: Path, text: str) -> Decimal | str | None:
        p = tmp / "f.csv"
        p.write_text(f"{header}\nESGV,{json.dumps(text)}\n{other}", encoding="utf-8")
        return Decimal(str(reader(p)["ESGV"]))

    return run


def _cli_csv(flag: str, header: str) -> Entry:
    def run(tmp: Path, text: str) -> Decimal | str | None:
        p = tmp / "f.csv"
        p.write_text(f"{header}\nESGV,{json.dumps(text)}\n", encoding="utf-8")
        return _cli(flag)(tmp, str(p))

    return run


def _portfolio(make: Callable[[str], dict[str, object]], get: Callable[..., object]) -> Entry:
    """A portfolio file holding the text in every JSON form; each form must
    give the same answer, which is returned."""

    def run(tmp: Path, text: str) -> Decimal | str | None:
        answers = []
        for form in _json_forms(text):
            p = tmp / "p.json"
            p.write_text(json.dumps(make("@")).replace('"@"', form), encoding="utf-8")
            try:
                answers.append(Decimal(str(get(load_portfolio(p)))))
            except InputError as exc:
                answers.append(str(exc))
        assert len(set(map(_core, answers))) == 1, answers
        return answers[0]

    return run


def _models(where: str) -> Entry:
    def run(tmp: Path, text: str) -> Decimal | str | None:
        answers = []
        for form in _json_forms(text):
            if where == "weight":
                weights = '{"ESGV": @, "ZZZ": 0}'.replace("@", form)
                asset = '{"symbol": "ZZZ", "price": 1}'
            else:
                weights = '{"ESGV": 0.5, "ZZZ": 0.5}'
                asset = '{"symbol": "ZZZ", "price": @}'.replace("@", form)
            p = tmp / "models.json"
            template = '{"models": [{"id": "m", "label": "M", "weights": W, "assets": [A]}]}'
            p.write_text(template.replace("W", weights).replace("A", asset), encoding="utf-8")
            models, assets, errors = load_user_models(p)
            if errors:
                answers.append(errors[0])
            elif where == "weight":
                answers.append(models[0].weights["ESGV"])
            else:
                answers.append(assets[0].price)
        assert len(set(map(_core, answers))) == 1, answers
        return answers[0]

    return run


def _field(q: Quantity) -> Entry:
    percent = q.unit == "%"
    field = DecimalField(q, percent=percent)

    def run(tmp: Path, text: str) -> Decimal | str | None:
        # The app takes a fraction as a percentage: 0.7 is typed "70".
        typed = _as_percent(text) if percent else text
        result = field.validate(typed)
        if not result.is_valid:
            return result.failure_descriptions[0]
        return field.parse(typed)

    return run


def _as_percent(text: str) -> str:
    """A plain number times 100, as typed in a "%" field; other text as is
    (it breaks the grammar whatever the scale)."""
    if any(c in text for c in "_eE,$") or not text.strip():
        return text
    try:
        d = Decimal(text)
    except ArithmeticError:
        return text
    return rules.plain(d * 100) if d.is_finite() else text


def _core(answer: object) -> object:
    """What must agree: the value, or that it was refused (words checked apart)."""
    return "refused" if isinstance(answer, str) else answer


ENTRIES: dict[str, tuple[Quantity, Entry]] = {
    "cli --cash": (rules.CASH, _cli("--cash")),
    "cli --reserve": (rules.RESERVE, _cli("--reserve")),
    "cli --fee": (rules.FEE, _cli("--fee")),
    "cli --cost-rate": (rules.COST_RATE, _cli("--cost-rate")),
    "cli --band": (rules.BAND, _cli("--band")),
    "cli --relative-band": (rules.RELATIVE_BAND, _cli("--relative-band")),
    "cli --holdings csv": (rules.SHARES, _cli_csv("--holdings", "symbol,shares")),
    "cli --prices csv": (rules.PRICE, _cli_csv("--prices", "symbol,price")),
    "holdings csv": (rules.SHARES, _csv(csv_files.read_holdings_csv, "symbol,shares")),
    "prices csv": (rules.PRICE, _csv(csv_files.read_prices_csv, "symbol,price")),
    "targets csv": (rules.WEIGHT, _csv(csv_files.read_targets_csv, "symbol,weight", "BND,0\n")),
    "portfolio cash": (rules.CASH, _portfolio(lambda v: {"cash": v}, lambda pf: pf.cash)),
    "portfolio shares": (
        rules.SHARES,
        _portfolio(lambda v: {"holdings": {"ESGV": v}}, lambda pf: pf.holdings["ESGV"]),
    ),
    "portfolio price": (
        rules.PRICE,
        _portfolio(
            lambda v: {"price_overrides": {"ESGV": v}}, lambda pf: pf.price_overrides["ESGV"]
        ),
    ),
    "models weight": (rules.WEIGHT, _models("weight")),
    "models price": (rules.PRICE, _models("price")),
}

# Every option of the portfolio file, and every quantity the app has a field for.
_OPTIONS = {
    "reserve": rules.RESERVE,
    "fee": rules.FEE,
    "cost_rate": rules.COST_RATE,
    "band": rules.BAND,
    "relative_band": rules.RELATIVE_BAND,
}
for _key, _q in _OPTIONS.items():
    ENTRIES[f"portfolio {_q.name}"] = (
        _q,
        _portfolio(
            lambda v, k=_key: {"options": {k: v}}, lambda pf, k=_key: getattr(pf.options, k)
        ),
    )
for _q in (rules.CASH, rules.SHARES, rules.PRICE, *_OPTIONS.values()):
    ENTRIES[f"field {_q.name}"] = (_q, _field(_q))

# A weight is accepted by its own rule but the file also needs the weights to
# sum to 1; these entries put the rest on another symbol only when it fits.
_WEIGHT_SUMS = {"targets csv", "models weight"}


@pytest.mark.parametrize("text", STRINGS)
@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_one_answer_everywhere(tmp_path: Path, entry: str, text: str) -> None:
    q, run = ENTRIES[entry]
    want = Answer.expected(text, q)
    if entry in _WEIGHT_SUMS and want.value is not None and want.value != 1:
        pytest.skip("a lone weight other than 1 fails the sum rule, not the number rule")
    try:
        got = run(tmp_path, text)
    except InputError as exc:
        got = str(exc)
    if want.value is None:
        assert isinstance(got, str), f"{entry} accepted {text!r}; rules refuse it: {want.words}"
        assert want.words in got, f"{entry}: {got!r} lacks {want.words!r}"
        assert "Input should" not in got and "\n" not in got.strip()
    else:
        assert not isinstance(got, str), f"{entry} refused {text!r} ({got}); rules accept it"
        if got is not None:
            assert got == want.value, entry


SYMBOL_ENTRIES: dict[str, Callable[[Path, str], object]] = {
    "holdings csv": lambda tmp, s: csv_files.read_holdings_csv(_file(tmp, f"symbol,shares\n{s},1")),
    "prices csv": lambda tmp, s: csv_files.read_prices_csv(_file(tmp, f"symbol,price\n{s},1")),
    "targets csv": lambda tmp, s: csv_files.read_targets_csv(_file(tmp, f"symbol,weight\n{s},1")),
    "portfolio holdings": lambda tmp, s: load_portfolio(
        _file(tmp, json.dumps({"holdings": {s: 1}}))
    ),
    "portfolio price overrides": lambda tmp, s: load_portfolio(
        _file(tmp, json.dumps({"price_overrides": {s: 1}}))
    ),
    "models weights": lambda tmp, s: _models_symbol(tmp, {s: 1}, []),
    "models assets": lambda tmp, s: _models_symbol(
        tmp, {"ESGV": 0.5, s: 0.5}, [{"symbol": s, "price": 1}]
    ),
    "cli --holdings": lambda tmp, s: _cli_raise(
        "--holdings", str(_file(tmp, f"symbol,shares\n{s},1"))
    ),
}


def _file(tmp: Path, content: str) -> Path:
    p = tmp / "f.txt"
    p.write_text(content + "\n", encoding="utf-8")
    return p


def _models_symbol(tmp: Path, weights: dict[str, float], assets: list[dict[str, object]]) -> None:
    data = {"models": [{"id": "m", "label": "M", "weights": weights, "assets": assets}]}
    _, _, errors = load_user_models(_file(tmp, json.dumps(data)))
    if errors:
        raise InputError(errors[0])


def _cli_raise(flag: str, value: str) -> None:
    answer = _cli(flag)(Path("."), value)
    if isinstance(answer, str):
        raise InputError(answer)


@pytest.mark.parametrize("symbol", ["ES GV", "=2+5", "-X", "A\x1b[31m", "X" * 17])
@pytest.mark.parametrize("entry", sorted(SYMBOL_ENTRIES))
def test_one_symbol_rule_everywhere(tmp_path: Path, entry: str, symbol: str) -> None:
    with pytest.raises(rules.SymbolError):
        rules.check_symbol(symbol)
    with pytest.raises(InputError) as info:
        SYMBOL_ENTRIES[entry](tmp_path, symbol)
    msg = str(info.value)
    assert "symbol: must be a ticker like ESGV" in msg, msg
    assert "\x1b" not in msg and "\n" not in msg.strip()


# ---------------------------------------------------------------------------
# Account names and kinds (SPEC §7): one rule, one wording, at every entry.

NAME_WORDS = "account name: must be 1-32 letters, digits, '_', '.' or '-'"
KIND_WORDS = "account kind: must be one of taxable, tax-deferred, tax-free"


def _cli_accounts(tmp: Path, csv_text: str) -> list[dict[str, object]]:
    """The household the CLI plans for, given `--accounts` (one line of
    `account,kind,cash`); an InputError with its one error line if refused."""
    import contextlib
    import io

    p = _file(tmp, f"account,kind,cash\n{csv_text}")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(["plan", "--offline", "--json", "--strategy", "simple", "--accounts", str(p)])
    if code != 0:
        assert code == 2 and err.getvalue().count("\n") == 1, err.getvalue()
        raise InputError(err.getvalue())
    accounts: list[dict[str, object]] = json.loads(out.getvalue())["accounts"]
    return accounts


def _orders_account(tmp: Path, name: str) -> str:
    from rebalancer_tui.storage.orders_export import read_orders_csv

    p = _file(tmp, f"account,action,symbol,shares,price,amount\n{name},BUY,ESGV,1,2,2")
    return read_orders_csv(p)[0].account


# Each entry: (tmp dir, name) -> the account name it accepted, or InputError.
NAME_ENTRIES: dict[str, Callable[[Path, str], object]] = {
    "accounts csv": lambda tmp, s: (
        csv_files.read_accounts_csv(_file(tmp, f"account,kind,cash\n{s},taxable,0"))[0].account
    ),
    "holdings csv account column": lambda tmp, s: next(
        iter(csv_files.read_account_holdings_csv(_file(tmp, f"account,symbol,shares\n{s},ESGV,1")))
    ),
    "portfolio v2": lambda tmp, s: (
        load_portfolio(_file(tmp, json.dumps({"version": 2, "accounts": [{"account": s}]})))
        .accounts[0]
        .account
    ),
    "orders csv": _orders_account,
    "cli --accounts": lambda tmp, s: _cli_accounts(tmp, f"{s},taxable,0")[0]["account"],
    # What the app's accounts dialog calls on its name field (screens/accounts.py);
    # test_app_accounts checks the dialog shows these words.
    "app account field": lambda tmp, s: rules.check_account_name(s),
}

NAMES = ["ira", "Roth_IRA.2", "-x", "X" * 32, " ira ", "a b", "X" * 33, "ira\x1b[31m", "=1+2", "é"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("entry", sorted(NAME_ENTRIES))
def test_one_account_name_rule_everywhere(tmp_path: Path, entry: str, name: str) -> None:
    # The rule itself, written out here: ASCII letters, digits, _ . -, 1 to 32.
    valid = 1 <= len(name.strip()) <= 32 and all(
        c.isascii() and (c.isalnum() or c in "_.-") for c in name.strip()
    )
    msg = _account_answer(NAME_ENTRIES, entry, tmp_path, name, name.strip() if valid else None)
    if msg is not None:
        assert NAME_WORDS in msg, msg
        assert f"(got {rules.shown(name.strip())})" in msg or f"(got {rules.shown(name)})" in msg


def _account_answer(
    entries: dict[str, Callable[[Path, str], object]],
    entry: str,
    tmp: Path,
    text: str,
    want: str | None,
) -> str | None:
    """Feeds `text` to `entry`: it must accept it as `want`, or (`want` None)
    refuse it with one clean line, returned for the caller to check its words."""
    try:
        got = entries[entry](tmp, text)
    except InputError as exc:
        msg = str(exc)
        assert want is None, f"{entry} refused {text!r}: {msg}"
        assert "\x1b" not in msg and "Input should" not in msg and "\n" not in msg.strip()
        return msg
    assert want is not None, f"{entry} accepted {text!r}"
    assert got == want, entry
    return None


def _location_kind(tmp: Path, kind: str) -> object:
    (got,) = csv_files.read_location_csv(_file(tmp, f"symbol,kind\nBND,{kind}"))["BND"]
    return got


KIND_ENTRIES: dict[str, Callable[[Path, str], object]] = {
    "accounts csv": lambda tmp, k: (
        csv_files.read_accounts_csv(_file(tmp, f"account,kind,cash\nira,{k},0"))[0].kind
    ),
    "location csv": _location_kind,
    "portfolio v2 account": lambda tmp, k: (
        load_portfolio(
            _file(tmp, json.dumps({"version": 2, "accounts": [{"account": "a", "kind": k}]}))
        )
        .accounts[0]
        .kind
    ),
    "portfolio v2 location": lambda tmp, k: load_portfolio(
        _file(tmp, json.dumps({"version": 2, "location": {"BND": [k]}}))
    ).location["BND"][0],
    "cli --accounts": lambda tmp, k: _cli_accounts(tmp, f"ira,{k},0")[0]["kind"],
    # The app's accounts and location dialogs call this on their kind fields.
    "app kind field": lambda tmp, k: rules.check_account_kind(k),
}

KINDS = ["taxable", "TAX-FREE", " tax-deferred ", "ira", "roth", "tax free", "taxable\x1b"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("entry", sorted(KIND_ENTRIES))
def test_one_account_kind_rule_everywhere(tmp_path: Path, entry: str, kind: str) -> None:
    known = {"taxable", "tax-deferred", "tax-free"}
    valid = kind.strip().lower() in known
    msg = _account_answer(
        KIND_ENTRIES, entry, tmp_path, kind, kind.strip().lower() if valid else None
    )
    if msg is not None:
        assert KIND_WORDS in msg, msg
