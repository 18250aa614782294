"""The user's own model portfolios (a JSON file in the user config dir).

    {"models": [{"id": "my-mix", "label": "My mix",
                 "weights": {"ESGV": 0.6, "VXUS": 0.4},
                 "assets": [{"symbol": "VXUS", "price": 62.10, "id": 12345,
                             "name": "Vanguard Total International Stock ETF"}]}]}

A symbol outside the built-in catalog is declared in `assets` with a fallback
price (used offline and until a live price arrives) and, optionally, its
Fintual real_asset id for live prices. Symbols, weights and prices follow
`rules`; ids, labels and names are plain text (no control characters ever
reach the screen). One bad model is reported and skipped; the others load. A
missing file simply means no models. No Textual import.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from rebalancer_tui.data import load_catalog
from rebalancer_tui.models import Asset, ModelPortfolio
from rebalancer_tui.rules import (
    LOT,
    PRICE,
    WEIGHT,
    InputError,
    check_symbol,
    describe_validation_error,
    shown,
)
from rebalancer_tui.storage.json_file import load_json
from rebalancer_tui.storage.locations import default_models_path
from rebalancer_tui.storage.portfolio_file import number, printable_text, symbol_keys
from rebalancer_tui.storage.text import FileMissingError, where

# Fintual's real_asset ids are small positive integers.
_MAX_FINTUAL_ID = 2**31 - 1

Text = Annotated[str, BeforeValidator(printable_text)]


class _AssetEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    symbol: Annotated[str, BeforeValidator(lambda v: check_symbol(v) if isinstance(v, str) else v)]
    id: Annotated[int, Field(gt=0, le=_MAX_FINTUAL_ID, strict=True)] | None = None
    name: Text = Field(default="", max_length=200)
    price: Annotated[
        Decimal | None, BeforeValidator(lambda v: None if v is None else number(PRICE)(v))
    ] = None
    lot: Annotated[
        int | None, BeforeValidator(lambda v: None if v is None else int(number(LOT)(v)))
    ] = None


class _ModelEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Text = Field(min_length=1, max_length=64)
    label: Text = Field(min_length=1, max_length=80)
    weights: Annotated[
        dict[str, Annotated[Decimal, BeforeValidator(number(WEIGHT))]],
        BeforeValidator(symbol_keys),
    ]
    assets: list[_AssetEntry] = Field(default_factory=list)


def load_user_models(
    path: Path | None = None,
) -> tuple[list[ModelPortfolio], list[Asset], list[str]]:
    """(models, extra assets, error lines). Never raises for a bad file: each
    problem is one line naming the file, the model and the field."""
    path = Path(path) if path is not None else default_models_path()
    name = where(path)
    try:
        raw = load_json(path, raw_numbers=True)
    except FileMissingError:
        return [], [], []
    except InputError as exc:
        return [], [], [str(exc)]
    if not isinstance(raw, dict) or not isinstance(raw.get("models"), list):
        return [], [], [f'{name}: expected {{"models": [...]}} at the top level']
    extra_keys = sorted(set(raw) - {"models"})
    errors = [f"{name}: unknown top-level field {shown(k)} ignored" for k in extra_keys]

    catalog = load_catalog()
    taken = {m.id for m in catalog.models}
    builtin = {a.symbol for a in catalog.assets}
    extra: dict[str, Asset] = {}
    models: list[ModelPortfolio] = []
    for i, item in enumerate(raw["models"]):
        at = f"{name}: models[{i}]"
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            at += f" ({shown(item['id'], 64)[1:-1]})"
        try:
            entry = _ModelEntry.model_validate(item)
            model, assets = _one_model(entry, taken, builtin, extra)
        except ValidationError as exc:
            errors.append(f"{at}: {describe_validation_error(exc)}; model skipped")
            continue
        except ValueError as exc:
            errors.append(f"{at}: {exc}; model skipped")
            continue
        taken.add(model.id)
        models.append(model)
        extra.update(assets)
    return models, list(extra.values()), errors


def _one_model(
    entry: _ModelEntry, taken: set[str], builtin: set[str], known: dict[str, Asset]
) -> tuple[ModelPortfolio, dict[str, Asset]]:
    if entry.id in taken:
        raise ValueError(f"id {shown(entry.id)} is already used by another model")
    declared: dict[str, Asset] = {}
    for a in entry.assets:
        sym = a.symbol
        if sym in builtin:
            raise ValueError(f"asset {sym} is built in; remove it from 'assets'")
        if sym in declared:
            raise ValueError(f"asset {sym} is declared twice")
        if a.price is None and a.id is None:
            raise ValueError(f"asset {sym} needs a fallback 'price' or a Fintual 'id'")
        asset = Asset(symbol=sym, id=a.id, name=a.name or sym, price=a.price, lot=a.lot)
        if sym in known and known[sym] != asset:
            raise ValueError(f"asset {sym} is declared differently by an earlier model")
        declared[sym] = asset
    model = ModelPortfolio(id=entry.id, label=entry.label, weights=entry.weights, builtin=False)
    undeclared = [
        s for s in model.weights if s not in builtin and s not in declared and s not in known
    ]
    if undeclared:
        named = ", ".join(undeclared[:5]) + (
            f" and {len(undeclared) - 5:,} more" if len(undeclared) > 5 else ""
        )
        raise ValueError(f"unknown symbol {named}: declare it in 'assets' with a price or an id")
    return model, declared


__all__ = ["default_models_path", "load_user_models"]
