"""The main screen's keys, in one table: its bindings, the help screen and the
footer all read them from here."""

from __future__ import annotations

from textual.binding import Binding, BindingType

MAIN_KEYS: list[BindingType] = [
    Binding("1", "strategy('simple')", "Simple", id="strategy.simple"),
    Binding("2", "strategy('tracking-error')", "Tracking", id="strategy.tracking"),
    Binding("3", "strategy('trade-minimization')", "Min trades", id="strategy.trades"),
    Binding("4", "strategy('band-edge')", "Band edge", id="strategy.band_edge"),
    Binding("c", "strategy('compare')", "Compare", id="strategy.compare"),
    Binding("e", "edit_holdings", "Holdings", id="portfolio.edit"),
    Binding("i", "inputs", "Inputs", id="portfolio.inputs"),
    Binding("A", "accounts", "Accounts", key_display="A", id="portfolio.accounts"),
    Binding("L", "location", "Location", show=False, key_display="L",
            id="portfolio.location"),
    Binding("l", "toggle_lock", "Lock", id="portfolio.lock",
            tooltip="Lock or unlock the highlighted holding: a locked one is never traded"),
    Binding("T", "tax_lots", "Tax lots", show=False, key_display="T", id="portfolio.tax_lots",
            tooltip="The highlighted holding's tax lots: date, shares, unit cost, gain, term"),
    Binding("o", "edit_holdings(True)", "Price override", show=False,
            id="portfolio.override"),
    Binding("a", "apply_contribution", "Add suggested cash", show=False,
            id="portfolio.contribution"),
    Binding("ctrl+z", "undo", "Undo", show=False, id="portfolio.undo"),
    Binding("x", "file('export')", "Export orders", id="orders.export"),
    Binding("X", "file('export-ibkr')", "IBKR basket", show=False, key_display="X",
            id="orders.export_ibkr"),
    Binding("ctrl+s", "file('save')", "Save", id="file.save"),
    Binding("ctrl+o", "file('open')", "Open", show=False, id="file.open"),
    Binding("I", "file('import')", "Import", show=False, key_display="I",
            id="file.import"),
    Binding("r", "regenerate", "New demo", show=False, id="regenerate"),
    Binding("p", "reload_prices", "Prices", show=False, id="prices.reload"),
]  # fmt: skip
