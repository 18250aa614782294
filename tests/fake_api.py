"""A real HTTP server on 127.0.0.1 that answers like the Fintual API.

Used by the price tests, the app tests and the benchmark, so it has no pytest
dependency:

    with FakeFintualAPI(latency=0.3) as api:
        report = asyncio.run(fetch_quotes(api.url))

Each catalog asset answers `GET /api/real_assets/{id}` with a live price (its
fallback price plus 1 %, so live and fallback are told apart) and
`GET /api/real_assets/{id}/days` with a history. Any asset can be told to
fail in one of `MODES` (its history alone with `days_mode`), to be slow, or
to hang until the server stops.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rebalancer_tui.data import load_catalog
from rebalancer_tui.models import Asset

LIVE_DATE = dt.date(2026, 3, 2)
PRICE_FIELDS = ("net_asset_value", "close_price", "price")
MODES = (
    "ok",
    "404",  # JSON:API error body, as Fintual answers unknown ids
    "500",
    "503",
    "hang",  # never answers until release_hangs()/stop()
    "drop",  # closes the connection without a response
    "not-json",  # 200 with an HTML body
    "wrong-shape",  # 200 with valid JSON that is not a real_asset document
    "wrong-id",  # a well-formed answer about another asset
    "missing",  # last_day without any price field
    "zero",
    "negative",
    "non-numeric",  # net_asset_value is the string "abc"
    "huge",  # 200 declaring a body far above any cap (sent until the client gives up)
    "huge-undeclared",  # the same without Content-Length: only counting the bytes stops it
    "gzip",  # a gzip body the client did not ask for
    "bad-phrase",  # 404 whose reason phrase carries a C1 control character
)
HUGE_BYTES = 64 * 1024 * 1024
# A hung handler gives up on its own after this, should a test forget to stop.
HANG_CAP_S = 60.0


@dataclass
class AssetBehaviour:
    asset_id: int
    symbol: str
    name: str
    price: Decimal
    date: dt.date = LIVE_DATE
    mode: str = "ok"
    # Fail in `mode` only for the first `times` requests, then answer normally.
    times: int | None = None
    latency: float | None = None  # None: the server's default latency
    price_field: str = "net_asset_value"
    history: list[tuple[dt.date, Decimal]] | None = None
    # Written verbatim as the price's JSON token (e.g. "1E-400", "1e5000").
    raw_price: str | None = None
    # The id the answer claims (default: the asset's own), verbatim.
    answer_id: str | None = None
    # How `/days` answers (None: as `mode`), so a history can fail while the price works.
    days_mode: str | None = None


@dataclass(frozen=True)
class RequestRecord:
    path: str
    query: dict[str, str]
    asset_id: int | None
    mode: str
    started: float  # time.monotonic()
    ended: float | None  # None while still being answered (or hung)


@dataclass
class _State:
    assets: dict[int, AssetBehaviour] = field(default_factory=dict)
    log: list[RequestRecord] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    huge_bytes_sent: int = 0


def _live_price(asset: Asset) -> Decimal:
    """Fallback + 1% so live and fallback prices can be told apart."""
    return ((asset.price or Decimal(100)) * Decimal("1.01")).quantize(Decimal("0.01"))


class FakeFintualAPI:
    """Threaded fake of the Fintual API; start()/stop() or use as a context manager."""

    def __init__(
        self,
        *,
        latency: float = 0.0,
        assets: Sequence[Asset] | None = None,
        date: dt.date = LIVE_DATE,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.latency = latency
        self._host, self._port = host, port
        self._lock = threading.Lock()
        # Signalled whenever a handler finishes, so a test can wait for the log to settle:
        # the client may read the whole answer before the handler thread records its end.
        self._idle = threading.Condition(self._lock)
        self._release = threading.Event()
        self._state = _State()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._catalog = list(assets) if assets is not None else list(load_catalog().assets)
        self._date = date
        self.reset()

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> FakeFintualAPI:
        if self._server is not None:
            return self
        self._release.clear()
        server = _Server((self._host, self._port), _Handler)
        server.api = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; hung and slow handlers are released, nothing blocks."""
        self._release.set()
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeFintualAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeFintualAPI is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- configuration -----------------------------------------------------

    def reset(self) -> None:
        """Every asset answers normally again; the request log is cleared."""
        with self._lock:
            self._state = _State(
                assets={
                    a.id: AssetBehaviour(
                        asset_id=a.id,
                        symbol=a.symbol,
                        name=a.name,
                        price=_live_price(a),
                        date=self._date,
                    )
                    for a in self._catalog
                    if a.id is not None
                }
            )

    def configure(self, key: str | int, **changes: Any) -> AssetBehaviour:
        """Change one asset (by symbol or id): mode, times, latency, price, date, ..."""
        for name in ("mode", "days_mode"):
            mode = changes.get(name)
            if mode is not None and mode not in MODES:
                raise ValueError(f"unknown {name} {mode!r}; one of {MODES}")
        if changes.get("price_field", PRICE_FIELDS[0]) not in PRICE_FIELDS:
            raise ValueError(f"price_field must be one of {PRICE_FIELDS}")
        with self._lock:
            behaviour = self._find(key)
            updated = replace(behaviour, **changes)
            self._state.assets[behaviour.asset_id] = updated
            return updated

    def fail(self, key: str | int, mode: str, times: int | None = None) -> None:
        self.configure(key, mode=mode, times=times)

    def set_history(self, key: str | int, points: Iterable[tuple[dt.date, Decimal]]) -> None:
        self.configure(key, history=list(points))

    def release_hangs(self) -> None:
        """Let every hung handler go (they close without answering)."""
        self._release.set()

    def behaviour(self, key: str | int) -> AssetBehaviour:
        with self._lock:
            return self._find(key)

    def price(self, key: str | int) -> Decimal:
        """The live price this server gives for an asset."""
        return self.behaviour(key).price

    def _find(self, key: str | int) -> AssetBehaviour:
        for b in self._state.assets.values():
            if key in (b.asset_id, b.symbol):
                return b
        raise KeyError(f"the fake API has no asset {key!r}")

    # -- observation -------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._state.log)

    def request_count(self, key: str | int | None = None) -> int:
        if key is None:
            return len(self.requests)
        asset_id = self.behaviour(key).asset_id
        return sum(1 for r in self.requests if r.asset_id == asset_id)

    def wait_until_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no request is being answered; False if that took over `timeout`."""
        with self._idle:
            return self._idle.wait_for(lambda: self._state.in_flight == 0, timeout)

    @property
    def huge_bytes_sent(self) -> int:
        """Bytes the huge modes got into the socket before the client stopped reading."""
        with self._lock:
            return self._state.huge_bytes_sent

    def _record_sent(self, n: int) -> None:
        with self._lock:
            self._state.huge_bytes_sent += n

    @property
    def max_in_flight(self) -> int:
        with self._lock:
            return self._state.max_in_flight

    # -- serving (called from handler threads) -----------------------------

    def _begin(
        self, path: str, query: dict[str, str], asset_id: int | None
    ) -> tuple[AssetBehaviour | None, str, int]:
        """Take one request: the asset's behaviour, the mode to answer in, its log index."""
        with self._lock:
            st = self._state
            st.in_flight += 1
            st.max_in_flight = max(st.max_in_flight, st.in_flight)
            b = st.assets.get(asset_id) if asset_id is not None else None
            mode = "404" if b is None else b.mode
            if b is not None and b.days_mode is not None and path.rstrip("/").endswith("/days"):
                mode = b.days_mode
            if b is not None and b.times is not None:
                if b.times <= 0:
                    mode = "ok"
                else:
                    st.assets[b.asset_id] = replace(b, times=b.times - 1)
            # Logged on arrival, so a hung request is counted while it hangs.
            st.log.append(RequestRecord(path, query, asset_id, mode, time.monotonic(), None))
            return b, mode, len(st.log) - 1

    def _end(self, index: int) -> None:
        with self._lock:
            self._state.in_flight -= 1
            if index < len(self._state.log):  # reset() may have cleared the log
                record = self._state.log[index]
                self._state.log[index] = replace(record, ended=time.monotonic())
            self._idle.notify_all()

    def _wait(self, seconds: float) -> None:
        # Waiting on the event, not sleeping: stop() cuts every wait short.
        if seconds > 0:
            self._release.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # The default backlog of 5 drops SYNs when 12 requests connect at once,
    # and the kernel's 1 s SYN retry would look like a slow server.
    request_queue_size = 128
    api: FakeFintualAPI

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gives up (its deadline) resets its kept-alive connections:
        # that is the client's right, not a server error worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


_ASSET_PATH = re.compile(r"^/api/real_assets/(\d+)(/days)?/?$")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # Keep-alive, as the real API: a client reuses its connections, so a
    # 2,000-asset fetch is not 2,000 connection set-ups and handler threads.
    protocol_version = "HTTP/1.1"
    # Headers and body are two writes; without this, Nagle holds the body back
    # until the client's delayed ACK (40 ms per answer on a kept-alive connection).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def do_GET(self) -> None:
        api = self.server.api
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        match = _ASSET_PATH.match(parts.path)
        asset_id = int(match.group(1)) if match else None
        behaviour, mode, index = api._begin(parts.path, query, asset_id)
        try:
            latency = api.latency
            if behaviour is not None and behaviour.latency is not None:
                latency = behaviour.latency
            api._wait(latency)
            self._answer(behaviour, mode, bool(match and match.group(2)), query)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (deadline); nothing to answer
        finally:
            api._end(index)

    def _answer(
        self, b: AssetBehaviour | None, mode: str, days: bool, query: dict[str, str]
    ) -> None:
        if mode == "hang":
            self.server.api._release.wait(HANG_CAP_S)
            self.close_connection = True
            return
        if mode == "drop":
            self.close_connection = True
            return
        if b is None or mode == "404":
            self._json(404, {"errors": [{"status": "404", "title": "Not Found"}]})
        elif mode in ("500", "503"):
            self._send(int(mode), b"<html>server error</html>", "text/html")
        elif mode in ("huge", "huge-undeclared"):
            self._stream_huge(declared=mode == "huge")
        elif mode == "gzip":
            body = gzip.compress(json.dumps(_asset_document(b, "ok")).encode())
            self._send(200, body, "application/json", {"Content-Encoding": "gzip"})
        elif mode == "bad-phrase":
            self.send_response(404, "Not \x9bFound")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif mode == "not-json":
            self._send(200, b"<html><body>Maintenance</body></html>", "text/html")
        elif mode == "wrong-shape":
            self._json(200, {"data": [{"id": str(b.asset_id)}]} if not days else {"data": {}})
        elif days:
            self._json(200, _days_document(b, query))
        else:
            self._json(200, _asset_document(b, mode))

    def _json(self, status: int, doc: object) -> None:
        body = json.dumps(doc).encode()
        # A raw token stands in for a number json.dumps cannot write (1E-400, 1e5000).
        body = _RAW.sub(lambda m: bytes.fromhex(m.group(1).decode()).decode().encode(), body)
        self._send(status, body, "application/json; charset=utf-8")

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _stream_huge(self, *, declared: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if declared:
            self.send_header("Content-Length", str(HUGE_BYTES))
        else:
            self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        chunk = b"[" * 65536  # valid JSON's start: only a cap can refuse it early
        sent = 0
        while sent < HUGE_BYTES and not self.server.api._release.is_set():
            self.wfile.write(chunk)
            sent += len(chunk)
            self.server.api._record_sent(len(chunk))


_RAW = re.compile(rb'"RAW:([0-9a-f]+)"')


def _raw(token: str) -> str:
    return "RAW:" + token.encode().hex()


def _price_value(b: AssetBehaviour, mode: str) -> object:
    if b.raw_price is not None and mode == "ok":
        return _raw(b.raw_price)
    return {"zero": 0, "negative": -float(b.price), "non-numeric": "abc"}.get(mode, float(b.price))


def _asset_document(b: AssetBehaviour, mode: str) -> dict[str, Any]:
    # Shape recorded from fintual.cl: id is a string, fees sit beside the price.
    last_day: dict[str, Any] = {
        "date": b.date.isoformat(),
        "fixed_management_fee": 0.0,
        "variable_management_fee": 0,
    }
    if mode != "missing":
        last_day[b.price_field] = _price_value(b, mode)
    asset_id = str(b.asset_id + 1 if mode == "wrong-id" else b.asset_id)
    return {
        "data": {
            "id": b.answer_id if b.answer_id is not None else asset_id,
            "type": "real_asset",
            "attributes": {
                "name": b.name,
                "symbol": b.symbol,
                "serie": None,
                "last_day": last_day,
            },
        }
    }


def _days_document(b: AssetBehaviour, query: dict[str, str]) -> dict[str, Any]:
    try:
        start = dt.date.fromisoformat(query.get("from_date", ""))
        end = dt.date.fromisoformat(query.get("to_date", ""))
    except ValueError:
        start, end = b.date - dt.timedelta(days=30), b.date
    points = b.history if b.history is not None else _default_history(b)
    return {
        "data": [
            {
                "id": f"{b.asset_id}-{day.isoformat()}",
                "type": "day",
                "attributes": {"date": day.isoformat(), "price": float(price)},
            }
            for day, price in points
            if start <= day <= end
        ]
    }


def _default_history(b: AssetBehaviour) -> list[tuple[dt.date, Decimal]]:
    """30 calendar days up to the live date, a cent a day cheaper going back."""
    return [
        (b.date - dt.timedelta(days=k), b.price - Decimal("0.01") * k) for k in range(30, -1, -1)
    ]
