"""The inputs modal (key i): extra cash, reserve, bands, costs and buy-only.

Each field validates as the user types; a valid value applies at once (the
plans recompute behind the modal), an invalid one is refused at the field
with a message and the last good value stays in force.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.message_pump import MessagePump
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, Switch

from rebalancer_tui.engine import Options
from rebalancer_tui.messages import PortfolioEdited
from rebalancer_tui.widgets.fields import DecimalField, value_of

HUNDRED = Decimal(100)
MAX_MONEY = Decimal(1_000_000_000)


def plain(d: Decimal) -> str:
    s = format(d, "f")
    return s.rstrip("0").rstrip(".") if "." in s else s


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    validator: DecimalField
    # engine value -> shown text, and shown value -> engine value
    scale: Decimal = Decimal(1)


FIELDS: tuple[Field, ...] = (
    Field("cash", "Extra cash to invest $",
          DecimalField("Extra cash", minimum=Decimal(0), maximum=MAX_MONEY, places=2, unit="$")),
    Field("reserve", "Cash reserve to keep $",
          DecimalField("Reserve", minimum=Decimal(0), maximum=MAX_MONEY, places=2, unit="$")),
    Field("band", "Band ± % points",
          DecimalField("Band", minimum=Decimal(0), maximum=HUNDRED, places=4, unit="%"),
          HUNDRED),
    Field("relative_band", "Relative band % (blank: off)",
          DecimalField("Relative band", minimum=Decimal(0), maximum=HUNDRED, places=4,
                       above_minimum=True, blank_ok=True, unit="%"),
          HUNDRED),
    Field("fee", "Fee per order $",
          DecimalField("Fee", minimum=Decimal(0), maximum=Decimal(10_000), places=2, unit="$")),
    Field("cost_rate", "Cost rate % of traded",
          DecimalField("Cost rate", minimum=Decimal(0), maximum=Decimal(50), places=4, unit="%"),
          HUNDRED),
)  # fmt: skip


class InputsScreen(ModalScreen[None]):
    """Edits the cash and options; posts `PortfolioEdited` to `target`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="inputs.close"),
    ]

    def __init__(
        self,
        target: MessagePump,
        cash: Decimal,
        options: Options,
        check: Callable[[Decimal, Options], str | None] | None = None,
    ) -> None:
        super().__init__(id="inputs")
        self.target = target
        # Whole-portfolio rules no single field knows (a reserve above the
        # portfolio's value, buy-only with a reserve above the cash): the
        # reason to refuse, or None.
        self.check = check
        self.good: dict[str, Decimal | None] = {"cash": cash, **options.model_dump()}
        self._dismissed = False

    def _shown(self, f: Field) -> str:
        v = self.good[f.key]
        return "" if v is None else plain(v * f.scale)

    def compose(self) -> ComposeResult:
        with Vertical(id="inputs-body", classes="modal-body") as body:
            body.border_title = "Inputs"
            with Grid(id="inputs-grid"):
                for f in FIELDS:
                    yield Label(f.label, classes="field-label")
                    yield Input(
                        self._shown(f),
                        id=f"in-{f.key}",
                        validators=[f.validator],
                        valid_empty=f.validator.blank_ok,
                        compact=True,
                    )
                yield Label("Buy only (never sell)", classes="field-label")
                yield Switch(bool(self.good["buy_only"]), id="in-buy_only", animate=False)
            yield Static("", id="inputs-error")
            yield Static("Changes apply as you type · Esc closes", classes="modal-hint")

    def on_mount(self) -> None:
        self.query_one("#in-cash", Input).focus()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        key = (event.input.id or "").removeprefix("in-")
        field = next((f for f in FIELDS if f.key == key), None)
        if field is None:
            return
        error = self.query_one("#inputs-error", Static)
        result = event.validation_result
        if result is not None and not result.is_valid:
            kept = self._shown(field) or "off"
            error.update(f"{result.failure_descriptions[0]} (keeping {kept})")
            error.add_class("-error")
            return
        error.update("")
        error.remove_class("-error")
        value = value_of(event.value)
        self._apply(key, None if value is None else value / field.scale)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_close()

    @on(Switch.Changed)
    def _switched(self, event: Switch.Changed) -> None:
        self._apply("buy_only", event.value)
        kept = bool(self.good["buy_only"])
        if event.value != kept:  # refused: the switch shows what is in force
            with self.prevent(Switch.Changed):
                event.switch.value = kept

    def _apply(self, key: str, value: object) -> None:
        if self.good.get(key) == value:
            return
        candidate = {**self.good, key: value}
        cash = candidate.pop("cash")
        try:
            options = Options(**candidate)
        except ValueError as exc:  # bounds are checked above; this is a last guard
            self.query_one("#inputs-error", Static).update(str(exc).splitlines()[0])
            return
        assert isinstance(cash, Decimal)
        problem = self.check(cash, options) if self.check is not None else None
        if problem is not None:
            field = next((f for f in FIELDS if f.key == key), None)
            kept = (self._shown(field) or "off") if field is not None else "the last value"
            error = self.query_one("#inputs-error", Static)
            error.update(f"{problem} (keeping {kept})")
            error.add_class("-error")
            return
        self.good[key] = value  # type: ignore[assignment]
        self.target.post_message(PortfolioEdited(cash=cash, options=options))

    def action_close(self) -> None:
        if not self._dismissed:
            self._dismissed = True
            self.dismiss(None)
