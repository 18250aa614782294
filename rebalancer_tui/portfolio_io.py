"""Compatibility shim: the user's files now live in `rebalancer_tui.storage`
(and the input rules in `rebalancer_tui.rules`). Import from there; this
module only re-exports the old names while callers move."""

from __future__ import annotations

from rebalancer_tui.rules import InputError, describe_validation_error
from rebalancer_tui.storage.atomic import atomic_write_text
from rebalancer_tui.storage.csv_files import (
    orders_csv_text,
    read_holdings_csv,
    read_prices_csv,
    read_targets_csv,
    write_orders_csv,
)
from rebalancer_tui.storage.json_file import parse_json
from rebalancer_tui.storage.locations import (
    APP_NAME,
    ENV_DATA_DIR,
    ENV_PORTFOLIO,
    data_dir,
    default_portfolio_path,
)
from rebalancer_tui.storage.portfolio_file import (
    PortfolioFile,
    PortfolioOptions,
    load_portfolio,
    parse_portfolio,
    remember_portfolio,
    save_portfolio,
    startup_portfolio_path,
)
from rebalancer_tui.storage.text import FileMissingError, read_text

__all__ = [
    "APP_NAME",
    "ENV_DATA_DIR",
    "ENV_PORTFOLIO",
    "FileMissingError",
    "InputError",
    "PortfolioFile",
    "PortfolioOptions",
    "atomic_write_text",
    "data_dir",
    "default_portfolio_path",
    "describe_validation_error",
    "load_portfolio",
    "orders_csv_text",
    "parse_json",
    "parse_portfolio",
    "read_holdings_csv",
    "read_prices_csv",
    "read_targets_csv",
    "read_text",
    "remember_portfolio",
    "save_portfolio",
    "startup_portfolio_path",
    "write_orders_csv",
]
