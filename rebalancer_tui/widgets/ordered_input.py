"""An Input whose editing keys act in the order they were typed.

Textual inserts a printable key when the Input handles it, but an editing key
(Backspace, Delete, arrows, Home...) is one of the Input's bindings, and a
binding runs only after the key has bubbled back up to the app, through
other queues. A burst typed faster than the app drains its queues (a paste,
a busy screen, a fast typist over ssh) was therefore applied out of order:
"1000⌫⌫50" became 1000 instead of 1050. Here the Input runs its own
bindings as it handles the key, in its own queue, so every key takes effect
in order.

Upstream: Textualize/textual#6605 (open), with the same approach proposed in
Textualize/textual#6631; drop this class when the pinned Textual has it.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class OrderedInput(Input):
    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable:
            for binding in self._bindings.key_to_bindings.get(event.key, ()):
                # Priority bindings (the app's and the dialogs' Tab, Esc) ran
                # before the key reached this widget; only its own are here.
                if binding.priority:
                    continue
                if await self.app.run_action(binding.action, self):
                    event.stop()
                    event.prevent_default()
                    self._restart_blink()
                    return
        await super()._on_key(event)


__all__ = ["OrderedInput"]
