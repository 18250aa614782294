"""The user's own model portfolios (a JSON file in the user config dir).

    {"models": [{"id": "my-mix", "label": "My mix",
                 "weights": {"ESGV": 0.6, "VXUS": 0.4},
                 "assets": [{"symbol": "VXUS", "price": 62.10, "id": 12345,
                             "name": "Vanguard Total International Stock ETF"}]}]}

A symbol outside the built-in catalog is declared in `assets` with a fallback
price (used offline and until a live price arrives) and, optionally, its
Fintual real_asset id for live prices. One bad model is reported and skipped;
the others load. A missing file simply means no models. No Textual import.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rebalancer_tui.data import load_catalog
from rebalancer_tui.models import Asset, ModelPortfolio
from rebalancer_tui.portfolio_io import (
    APP_NAME,
    FileMissingError,
    InputError,
    Number,
    describe_validation_error,
    parse_json,
    read_text,
)

ENV_MODELS = "REBALANCER_MODELS"


class _AssetEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(min_length=1, max_length=16)
    id: Annotated[int, Field(gt=0, strict=True)] | None = None
    name: str = ""
    price: Annotated[Number, Field(gt=0)] | None = None


class _ModelEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    label: str = Field(min_length=1, max_length=80)
    weights: dict[str, Number]
    assets: list[_AssetEntry] = Field(default_factory=list)


def default_models_path() -> Path:
    """env REBALANCER_MODELS > <user config dir>/models.json."""
    env = os.environ.get(ENV_MODELS)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False)) / "models.json"


def load_user_models(
    path: Path | None = None,
) -> tuple[list[ModelPortfolio], list[Asset], list[str]]:
    """(models, extra assets, error lines). Never raises for a bad file: each
    problem is one line naming the file, the model and the field."""
    path = Path(path) if path is not None else default_models_path()
    try:
        raw = parse_json(read_text(path), path)
    except FileMissingError:
        return [], [], []
    except InputError as exc:
        return [], [], [str(exc)]
    if not isinstance(raw, dict) or not isinstance(raw.get("models"), list):
        return [], [], [f'{path}: expected {{"models": [...]}} at the top level']
    extra_keys = sorted(set(raw) - {"models"})
    errors = [f"{path}: unknown top-level field {k!r} ignored" for k in extra_keys]

    catalog = load_catalog()
    taken = {m.id for m in catalog.models}
    builtin = {a.symbol for a in catalog.assets}
    extra: dict[str, Asset] = {}
    models: list[ModelPortfolio] = []
    for i, item in enumerate(raw["models"]):
        where = f"{path}: models[{i}]"
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            where += f" ({item['id']})"
        try:
            model, assets = _one_model(item, taken, builtin, extra)
        except ValidationError as exc:
            errors.append(f"{where}: {describe_validation_error(exc)}; model skipped")
            continue
        except ValueError as exc:
            errors.append(f"{where}: {exc}; model skipped")
            continue
        taken.add(model.id)
        models.append(model)
        extra.update(assets)
    return models, list(extra.values()), errors


def _one_model(
    item: Any, taken: set[str], builtin: set[str], known: dict[str, Asset]
) -> tuple[ModelPortfolio, dict[str, Asset]]:
    entry = _ModelEntry.model_validate(item)
    if entry.id in taken:
        raise ValueError(f"id {entry.id!r} is already used by another model")
    declared: dict[str, Asset] = {}
    for a in entry.assets:
        sym = a.symbol.strip().upper()
        if sym in builtin:
            raise ValueError(f"asset {sym} is built in; remove it from 'assets'")
        if sym in declared:
            raise ValueError(f"asset {sym} is declared twice")
        if a.price is None and a.id is None:
            raise ValueError(f"asset {sym} needs a fallback 'price' or a Fintual 'id'")
        price = Decimal(a.price) if a.price is not None else None
        asset = Asset(symbol=sym, id=a.id, name=a.name or sym, price=price)
        if sym in known and known[sym] != asset:
            raise ValueError(f"asset {sym} is declared differently by an earlier model")
        declared[sym] = asset
    model = ModelPortfolio(id=entry.id, label=entry.label, weights=entry.weights, builtin=False)
    undeclared = [
        s for s in model.weights if s not in builtin and s not in declared and s not in known
    ]
    if undeclared:
        raise ValueError(
            f"unknown symbol {', '.join(undeclared)}: declare it in 'assets' with a price or an id"
        )
    return model, declared
