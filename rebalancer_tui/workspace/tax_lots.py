"""Tax lots as the app shows and edits them (SPEC §8), without Textual.

The rules are the engine's (`engine.tax`): a lot's term, its gain at today's
price, why a plan may not sell it, the wash-sale window. This module only
puts them in the app's terms: the lots of an account with those figures,
the lots a user has typed checked against the holding, and the state they
lead to (an `Outcome`: undoable and autosaved like every edit).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from rebalancer_tui.engine.household import Account, Household
from rebalancer_tui.engine.tax import TaxLot, TaxTerm, as_of, lot_block, term, wash_window
from rebalancer_tui.workspace.outcome import Outcome, one_line
from rebalancer_tui.workspace.state import PortfolioState

WASH = "⊘"
"""The mark of a symbol that may not be sold at a loss (the wash-sale window)."""
WASH_LEGEND = f"{WASH} bought within the wash-sale window: not sold at a loss"


def has_lots(state: PortfolioState) -> bool:
    """Whether any account has tax lots: the tax figures are shown only then."""
    return any(a.lots for a in state.accounts)


def _view(state: PortfolioState, accounts: Sequence[Account] | None = None) -> Household:
    # Built without validation, to show figures only: the lots being typed may
    # not add up yet, and a missing price must not hide the other lots.
    return Household.model_construct(
        accounts=tuple(accounts if accounts is not None else state.accounts),
        prices=state.prices(),
        targets=dict(state.model.weights),
        options=state.options,
    )


def wash_symbols(state: PortfolioState) -> frozenset[str]:
    """Symbols with a lot bought within `wash_sale_days` in any account: the
    plans may not sell any of their lots at a loss."""
    if not state.options.wash_sale_days or not has_lots(state):
        return frozenset()
    return wash_window(_view(state))


@dataclasses.dataclass(frozen=True)
class LotView:
    """One lot as the lots dialog shows it; `gain` None when it has no price."""

    lot: TaxLot
    price: Decimal | None
    gain: Decimal | None
    term: TaxTerm
    block: str | None  # why a plan may not sell it, or None


def lot_views(state: PortfolioState, account: str, lots: Iterable[TaxLot]) -> list[LotView]:
    """The lots of `account` (as typed, maybe not applied yet) with their gain
    at today's price, term and block, by symbol then date."""
    lots = tuple(lots)
    accounts = [
        a.model_copy(update={"lots": lots}) if a.name == account else a for a in state.accounts
    ]
    hh = _view(state, accounts)
    out = []
    for lot in sorted(lots, key=lambda x: (x.symbol, x.date, x.cost)):
        p = hh.prices.get(lot.symbol)
        out.append(
            LotView(
                lot=lot,
                price=p,
                gain=None if p is None else lot.shares * (p - lot.cost),
                term=term(lot, state.options),
                block=None if p is None else lot_block(hh, lot),
            )
        )
    return out


def latest_lot_date(state: PortfolioState) -> dt.date:
    """A lot is bought no later than today, nor after the plan's day (as_of)."""
    return min(dt.date.today(), as_of(state.options))


def lots_short(holdings: Mapping[str, int], lots: Iterable[TaxLot]) -> dict[str, tuple[int, int]]:
    """{symbol: (shares in lots, shares held)} for each symbol whose lots do
    not add up to its holding (a symbol without lots is fine)."""
    total: dict[str, int] = {}
    for lot in lots:
        total[lot.symbol] = total.get(lot.symbol, 0) + lot.shares
    return {s: (n, holdings.get(s, 0)) for s, n in total.items() if n != holdings.get(s, 0)}


def shortfall_line(short: Mapping[str, tuple[int, int]]) -> str:
    """The one line that says why typed lots are not applied yet ('' if they are)."""
    if not short:
        return ""
    parts = [f"{s} lots hold {n:,} of {held:,} shares" for s, (n, held) in sorted(short.items())]
    return (
        f"Not applied yet: {'; '.join(parts)}. Add or delete lots until they add up "
        "(Esc offers to set the holding to the lots' sum)."
    )


def fitted(account: Account, holdings: Mapping[str, int]) -> tuple[Account, list[str]]:
    """`account` with new `holdings` (an import): the tax lots of a symbol whose
    shares changed no longer describe it and are dropped; the symbols whose
    lots were dropped, to say so. Validated (raises ValueError)."""
    short = lots_short(holdings, account.lots)
    kept = tuple(lot for lot in account.lots if lot.symbol not in short)
    fields = {**account.model_dump(), "holdings": dict(holdings), "lots": kept}
    return Account(**fields), sorted(short)


def dropped_line(symbols: Sequence[str]) -> str:
    """ " The tax lots of ESGV were dropped: ..." for an outcome ('' for none)."""
    if not symbols:
        return ""
    return (
        f" The tax lots of {', '.join(symbols)} were dropped: their shares changed "
        "(T enters them again; ctrl+z undoes the import)."
    )


def with_lots(
    state: PortfolioState,
    account: str,
    lots: Sequence[TaxLot],
    what: str,
    holdings: Mapping[str, int] | None = None,
) -> Outcome:
    """The state with `account`'s lots (and, given, its holdings) replaced:
    checked by the engine's own rules, undoable as `what`."""
    changes: dict[str, object] = {"lots": tuple(lots)}
    if holdings is not None:
        changes["holdings"] = dict(holdings)
    try:
        new = state.with_account(account, **changes)
    except ValueError as exc:
        return Outcome.failed(f"Not applied: {one_line(exc)}")
    return Outcome.done("", new, what)


__all__ = [
    "WASH",
    "WASH_LEGEND",
    "LotView",
    "dropped_line",
    "fitted",
    "has_lots",
    "latest_lot_date",
    "lot_views",
    "lots_short",
    "shortfall_line",
    "wash_symbols",
    "with_lots",
]
