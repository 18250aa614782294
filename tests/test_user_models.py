"""The user's own model portfolios file."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from rebalancer_tui.data import builtin_models
from rebalancer_tui.storage.locations import default_models_path
from rebalancer_tui.storage.user_models import load_user_models

D = Decimal

GOOD = {
    "models": [
        {
            "id": "my-mix",
            "label": "My mix",
            "weights": {"esgv": 0.6, "VXUS": 0.4},
            "assets": [{"symbol": "vxus", "price": 62.1, "id": 12345, "name": "Intl"}],
        },
        {"id": "bonds", "label": "Bonds", "weights": {"BND": 0.5, "TIP": 0.25, "VXUS": 0.25}},
    ]
}


def write(tmp_path: Path, data: object) -> Path:
    p = tmp_path / "models.json"
    p.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return p


def test_round_trip(tmp_path: Path) -> None:
    models, assets, errors = load_user_models(write(tmp_path, GOOD))
    assert errors == []
    assert [m.id for m in models] == ["my-mix", "bonds"]
    assert models[0].weights == {"ESGV": D("0.6"), "VXUS": D("0.4")}
    assert not any(m.builtin for m in models)
    assert [(a.symbol, a.id, a.price, a.name) for a in assets] == [
        ("VXUS", 12345, D("62.1"), "Intl")
    ]
    # Written back in the same shape, it loads to the same models.
    back = {
        "models": [
            {
                "id": m.id,
                "label": m.label,
                "weights": {s: str(w) for s, w in m.weights.items()},
                "assets": [
                    {"symbol": a.symbol, "id": a.id, "name": a.name, "price": str(a.price)}
                    for a in assets
                    if a.symbol in m.weights and i == 0
                ],
            }
            for i, m in enumerate(models)
        ]
    }
    assert load_user_models(write(tmp_path, back)) == (models, assets, [])


def test_missing_file_is_no_models(tmp_path: Path) -> None:
    assert load_user_models(tmp_path / "none.json") == ([], [], [])


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        ('{"models": [', ["line 1", "not valid JSON"]),
        ("[]", ['{"models": [...]}']),
        ('{"models": {}}', ['{"models": [...]}']),
        (b"\xff\xfe{}", ["UTF-8"]),
    ],
)
def test_unreadable_file(tmp_path: Path, content: str | bytes, needles: list[str]) -> None:
    p = tmp_path / "models.json"
    p.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = p.read_bytes()
    models, assets, errors = load_user_models(p)
    assert (models, assets) == ([], [])
    assert len(errors) == 1 and str(p) in errors[0]
    for n in needles:
        assert n in errors[0], errors[0]
    assert p.read_bytes() == before


def _model(**over: object) -> dict:
    m = {"id": "x", "label": "X", "weights": {"ESGV": 0.5, "BND": 0.5}}
    m.update(over)
    return m


@pytest.mark.parametrize(
    ("bad", "needles"),
    [
        (_model(weights={"ESGV": 0.5, "BND": 0.4}), ["weights", "sum to 0.9"]),
        (_model(weights={"ESGV": 1.1, "BND": -0.1}), ["weights.ESGV", "at most 100% (1)"]),
        (_model(weights={"ESGV": 0.5, "BND": -0.1}), ["weights.BND", "must not be negative"]),
        (_model(weights={"ESGV": 0.5, "ES GV": 0.5}), ["ticker", "'ES GV'"]),
        (_model(weights={"ESGV": 0.5, "\x1b[2J": 0.5}), ["ticker", "\\x1b[2J"]),
        (_model(weights={"ESGV": 0.5, "=2+5": 0.5}), ["ticker", "'=2+5'"]),
        (_model(weights={"ESGV": "1e3", "BND": 0.5}), ["weights.ESGV", "no exponent"]),
        (_model(label="a\x1b]0;pwned\x07b"), ["label", "control characters", "\\x1b"]),
        (_model(weights={"ESGV": "half", "BND": 0.5}), ["weights.ESGV", "number"]),
        (_model(weights={"ESGV": 0.5, "esgv": 0.5}), ["ESGV appears twice"]),
        (_model(weights={"ESGV": 0.5, "ZZZ": 0.5}), ["unknown symbol ZZZ", "price"]),
        (_model(id="risky-norris"), ["'risky-norris' is already used"]),
        (_model(label=""), ["label: must not be empty"]),
        (_model(colour="red"), ["colour: unknown field"]),
        ({"label": "X", "weights": {"ESGV": 1}}, ["id: is required"]),
        ("not a model", ["object"]),
        (
            _model(weights={"ESGV": 0.5, "ZZZ": 0.5}, assets=[{"symbol": "ZZZ", "name": "Z"}]),
            ["ZZZ needs a fallback 'price' or a Fintual 'id'"],
        ),
        (
            _model(weights={"ESGV": 0.5, "ZZZ": 0.5}, assets=[{"symbol": "ZZZ", "price": 0}]),
            ["assets.0.price", "at least $0.000001"],
        ),
        (_model(assets=[{"symbol": "ESGV", "price": 1}]), ["ESGV is built in"]),
        (
            _model(weights={"ESGV": 0.5, "VXUS": 0.5}, assets=[{"symbol": "VXUS", "price": 60}]),
            ["VXUS is declared differently"],
        ),
        (_model(id="my-mix"), ["'my-mix' is already used"]),
    ],
)
def test_bad_model_is_skipped_others_load(tmp_path: Path, bad: object, needles: list[str]) -> None:
    data = {"models": [*GOOD["models"][:1], bad, GOOD["models"][1]]}
    p = write(tmp_path, data)
    before = p.read_bytes()
    models, assets, errors = load_user_models(p)
    assert [m.id for m in models] == ["my-mix", "bonds"]
    assert [a.symbol for a in assets] == ["VXUS"]
    assert len(errors) == 1
    msg = errors[0]
    assert "\n" not in msg and msg.startswith(f"{p}: models[1]") and "skipped" in msg
    for n in needles:
        assert n in msg, msg
    assert p.read_bytes() == before


def test_models_do_not_clash_with_builtins(tmp_path: Path) -> None:
    models, _, _ = load_user_models(write(tmp_path, GOOD))
    assert not {m.id for m in models} & {m.id for m in builtin_models()}


def test_default_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from platformdirs import user_config_dir

    monkeypatch.setenv("REBALANCER_MODELS", str(tmp_path / "m.json"))
    assert default_models_path() == tmp_path / "m.json"
    write(tmp_path, GOOD).rename(tmp_path / "m.json")
    assert [m.id for m in load_user_models()[0]] == ["my-mix", "bonds"]
    monkeypatch.delenv("REBALANCER_MODELS")
    monkeypatch.setenv("REBALANCER_CONFIG_DIR", str(tmp_path / "config"))
    assert default_models_path() == tmp_path / "config" / "models.json"
    # Without either variable: the platform's user config dir.
    monkeypatch.delenv("REBALANCER_CONFIG_DIR")
    assert default_models_path() == Path(user_config_dir("rebalancer-tui", appauthor=False)) / (
        "models.json"
    )


def test_asset_given_by_fintual_id_alone_loads_without_a_price(tmp_path: Path) -> None:
    """SPEC: an own model's symbol has a price *or* a real_asset id; with only an
    id its price comes live (or cached) and it has no fallback."""
    data = {
        "models": [_model(weights={"ESGV": 0.5, "ZZZ": 0.5}, assets=[{"symbol": "ZZZ", "id": 7}])]
    }
    models, assets, errors = load_user_models(write(tmp_path, data))
    assert errors == []
    assert [m.id for m in models] == ["x"]
    assert [(a.symbol, a.id, a.price) for a in assets] == [("ZZZ", 7, None)]


def test_deep_or_huge_models_file_is_one_line(tmp_path: Path) -> None:
    p = tmp_path / "models.json"
    p.write_text('{"models": ' + "[" * 5000 + "]" * 5000 + "}", encoding="utf-8")
    models, assets, errors = load_user_models(p)
    assert (models, assets) == ([], []) and len(errors) == 1
    assert "nested too deeply" in errors[0]
    p.write_text('{"models": [' + ",".join(["1"] * 200_000) + "]}", encoding="utf-8")
    models, assets, errors = load_user_models(p)
    assert (models, assets) == ([], []) and "too many values" in errors[0]


def test_declared_symbol_must_be_a_ticker(tmp_path: Path) -> None:
    data = {
        "models": [
            _model(weights={"ESGV": 0.5, "ZZZ": 0.5}, assets=[{"symbol": "Z Z", "price": 3}])
        ]
    }
    models, _, errors = load_user_models(write(tmp_path, data))
    assert models == [] and "assets.0.symbol" in errors[0] and "ticker" in errors[0]
