"""The inputs modal (key i): extra cash, reserve, bands, costs, buy-only, the
order rules (minimum order, lot sizes, band-edge destination; SPEC §9) and
the tax options (rates, long-term days, as-of date, tax weight, gains cap,
no short-term gains, wash-sale days; SPEC §8).

Each field validates as the user types, and applies when it is done: on
Enter, on leaving the field (Tab, a click elsewhere) or when the modal closes.
So what was typed is what applies, at any typing speed: no keystroke starts
a plan for a half-typed number. An invalid value is refused at the field with
a message, and the value in force before the edit stays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Grid, Vertical
from textual.message_pump import MessagePump
from textual.widgets import Footer, Input, Label, Static, Switch

from rebalancer_tui import rules
from rebalancer_tui.engine import Options
from rebalancer_tui.messages import PortfolioEdited
from rebalancer_tui.rules import InputError, plain
from rebalancer_tui.screens.modal import Modal, field_keys
from rebalancer_tui.widgets.fields import DateField, DecimalField, LotsField, field_input
from rebalancer_tui.workspace import Workspace

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    # The rules' grammar and bounds; "%" fields typed as percentages.
    validator: DecimalField | LotsField | DateField
    integer: bool = False  # a count of days: the option is an int

    def shown(self, value: object) -> str:
        """The value in force as the field shows it ("" for off)."""
        if isinstance(value, dict):
            return LotsField.shown(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, Decimal):
            return ""
        return plain(value * HUNDRED if self.validator.percent else value)

    def parse(self, text: str) -> object:
        """The option's value typed. Raises InputError."""
        value = self.validator.parse(text)
        return int(value) if self.integer and isinstance(value, Decimal) else value


FIELDS: tuple[Field, ...] = (
    Field("cash", "Extra cash to invest $", DecimalField(rules.CASH)),
    Field("reserve", "Cash reserve to keep $", DecimalField(rules.RESERVE)),
    Field("band", "Band ± % points", DecimalField(rules.BAND, percent=True)),
    Field("relative_band", "Relative band % (blank: off)",
          DecimalField(rules.RELATIVE_BAND, percent=True, blank_ok=True)),
    Field("fee", "Fee per order $", DecimalField(rules.FEE)),
    Field("cost_rate", "Cost rate % of traded", DecimalField(rules.COST_RATE, percent=True)),
    Field("min_trade", "Minimum order $", DecimalField(rules.MIN_TRADE)),
    Field("lots", "Lots in shares (VTI=10, BND=5)", LotsField()),
    # 0: an asset out of its band goes back to the band's edge; 100: to its target.
    Field("destination", "Band edge: 0 edge…100 target %",
          DecimalField(rules.DESTINATION, percent=True)),
)  # fmt: skip
TAX_FIELDS: tuple[Field, ...] = (
    Field("st_rate", "Short-term gains tax %", DecimalField(rules.TAX_RATE, percent=True)),
    Field("lt_rate", "Long-term gains tax %", DecimalField(rules.TAX_RATE, percent=True)),
    Field("long_term_days", "Long-term after (days held)",
          DecimalField(rules.LONG_TERM_DAYS), integer=True),
    Field("as_of", "As of (YYYY-MM-DD, blank: today)", DateField("as of", blank_ok=True)),
    # λ in deviation + λ·tax: how many dollars of deviation a dollar of tax weighs.
    Field("tax_weight", "Tax weight (× deviation)", DecimalField(rules.TAX_WEIGHT)),
    Field("max_gains", "Gains cap $ (blank: none)",
          DecimalField(rules.MAX_GAINS, blank_ok=True)),
    Field("wash_sale_days", "Wash-sale days (0: off)",
          DecimalField(rules.WASH_SALE_DAYS), integer=True),
)  # fmt: skip
SWITCHES = (("buy_only", "Buy only (never sell)"), ("no_short_term_gains", "No short-term gains"))
ALL_FIELDS = FIELDS + TAX_FIELDS


class InputsScreen(Modal[None]):
    """Edits the cash and options; posts `PortfolioEdited` to `target`."""

    # Ten fields and their gutters are taller than a 24-row terminal.
    DEFAULT_CSS = """
    InputsScreen #inputs-body { overflow-y: auto; }
    InputsScreen #inputs-tax-head { column-span: 2; text-style: bold; color: $text-accent; }
    """
    BINDINGS: ClassVar[list[BindingType]] = field_keys("inputs")
    ERROR_LINE = "#inputs-error"

    def __init__(
        self,
        target: MessagePump,
        cash: Decimal,
        options: Options,
        check: Callable[[Decimal, Options], str | None] | None = None,
        *,
        accounts: int = 1,
    ) -> None:
        super().__init__(id="inputs")
        self.target = target
        # Several accounts: cash and reserves are each account's (the accounts dialog).
        self.per_account = accounts > 1
        # Whole-portfolio rules no single field knows (a reserve above the
        # portfolio's value, buy-only with a reserve above the cash): the
        # reason to refuse, or None.
        self.check = check
        self.good: dict[str, object] = {"cash": cash, **options.model_dump()}

    @classmethod
    def of(cls, target: MessagePump, workspace: Workspace) -> InputsScreen:
        state = workspace.state
        return cls(
            target, state.cash, state.options, workspace.inputs_problem,
            accounts=len(state.accounts),
        )  # fmt: skip

    def _shown(self, f: Field) -> str:
        return f.shown(self.good[f.key])

    def compose(self) -> ComposeResult:
        with Vertical(id="inputs-body", classes="modal-body") as body:
            body.border_title = "Inputs"
            # Above the fields: in a short terminal the body scrolls, and a
            # refusal must stay in view next to the field being typed in.
            yield Static("", id="inputs-error")
            with Grid(id="inputs-grid"):
                for f in FIELDS:
                    yield Label(f.label, classes="field-label")
                    yield field_input(
                        f.validator,
                        self._shown(f),
                        id=f"in-{f.key}",
                        disabled=self.per_account and f.key in ("cash", "reserve"),
                        tooltip="per account: A opens the accounts"
                        if self.per_account and f.key in ("cash", "reserve")
                        else None,
                    )
                yield Label(SWITCHES[0][1], classes="field-label")
                yield Switch(bool(self.good["buy_only"]), id="in-buy_only", animate=False)
                # Taxes bind only taxable accounts with lots (T): a heading says so.
                yield Label("Taxes (taxable accounts with lots, T)", id="inputs-tax-head")
                for f in TAX_FIELDS:
                    yield Label(f.label, classes="field-label")
                    yield field_input(f.validator, self._shown(f), id=f"in-{f.key}")
                key, label = SWITCHES[1]
                yield Label(label, classes="field-label")
                yield Switch(bool(self.good[key]), id=f"in-{key}", animate=False)
            if self.per_account:
                yield Static(
                    "Several accounts: cash and reserve are set per account (key A)",
                    id="inputs-note",
                    classes="modal-hint",
                )
            yield Static(
                "Tab applies a field and moves on · Enter applies and closes · Esc closes",
                classes="modal-hint",
            )
        yield Footer()  # this dialog's keys, not the main screen's

    def on_mount(self) -> None:
        self.query_one("#in-band" if self.per_account else "#in-cash", Input).focus()

    def _field(self, field_input: Input) -> Field | None:
        key = (field_input.id or "").removeprefix("in-")
        return next((f for f in ALL_FIELDS if f.key == key), None)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        # Checked as typed, applied only when done: a half-typed number never plans.
        field = self._field(event.input)
        result = event.validation_result
        if field is not None and result is not None and not result.is_valid:
            self._error(f"{result.failure_descriptions[0]} (keeping {self._shown(field) or 'off'})")
        else:
            self._error("")

    @on(Input.Blurred)
    def _left(self, event: Input.Blurred) -> None:
        self._commit(event.input)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if self._commit(event.input):
            self.close(None)

    def _commit(self, field_input: Input) -> bool:
        """Apply the field's text if valid; False (the value in force kept) if not."""
        field = self._field(field_input)
        if field is None:
            return True
        field_input.validate(field_input.value)  # marks the field
        try:
            value = field.parse(field_input.value)
        except InputError as exc:
            self._error(f"{exc} (keeping {self._shown(field) or 'off'})")
            return False
        return self._apply(field.key, value)

    @on(Switch.Changed)
    def _switched(self, event: Switch.Changed) -> None:
        key = (event.switch.id or "").removeprefix("in-")
        self._apply(key, event.value)
        kept = bool(self.good[key])
        if event.value != kept:  # refused: the switch shows what is in force
            with self.prevent(Switch.Changed):
                event.switch.value = kept

    def _apply(self, key: str, value: object) -> bool:
        if self.good.get(key) == value:
            return True
        candidate = {**self.good, key: value}
        cash = candidate.pop("cash")
        try:
            options = Options(**candidate)
        except ValueError as exc:  # bounds are checked above; this is a last guard
            self._error(str(exc).splitlines()[0])
            return False
        assert isinstance(cash, Decimal)
        problem = self.check(cash, options) if self.check is not None else None
        if problem is not None:
            field = next((f for f in ALL_FIELDS if f.key == key), None)
            kept = (self._shown(field) or "off") if field is not None else "the last value"
            self._error(f"{problem} (keeping {kept})")
            return False
        self.good[key] = value
        self.target.post_message(PortfolioEdited(cash=cash, options=options))
        return True

    def action_close(self) -> None:
        # Closing is leaving the field: a valid value typed there applies.
        if isinstance(self.focused, Input):
            self._commit(self.focused)
        self.close(None)
