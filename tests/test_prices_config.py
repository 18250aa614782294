"""The API base URL: one validating function for the CLI and the app."""

from __future__ import annotations

import pytest

from rebalancer_tui.prices import DEFAULT_API_URL, BadApiUrl, check_api_url, resolve_api_url


def test_api_url_flag_beats_env_beats_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_api_url() == DEFAULT_API_URL == "https://fintual.cl"
    monkeypatch.setenv("REBALANCER_API_URL", "http://127.0.0.1:9/")
    assert resolve_api_url() == "http://127.0.0.1:9"
    assert resolve_api_url("http://localhost:8000/prefix/") == "http://localhost:8000/prefix"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://fintual.cl", "https://fintual.cl"),
        ("https://fintual.cl/", "https://fintual.cl"),
        (" http://127.0.0.1:8000 ", "http://127.0.0.1:8000"),
        ("http://[::1]:8080/api-proxy/", "http://[::1]:8080/api-proxy"),
        ("HTTP://Example.com:65535", "HTTP://Example.com:65535"),
        ("http://localhost:1", "http://localhost:1"),
    ],
)
def test_good_urls_are_kept_without_trailing_slash(url: str, expected: str) -> None:
    assert check_api_url(url) == expected


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("http://127.0.0.1:99999", "invalid port"),
        ("http://127.0.0.1:0", "invalid port"),
        ("http://host:port", "invalid port"),
        ("fintual.cl", "must start with http:// or https://"),
        ("localhost:8000", "must start with http:// or https://"),
        ("ftp://fintual.cl", "must start with http:// or https://"),
        ("htp:/x", "must start with http:// or https://"),
        ("http://", "no valid host name"),
        ("http://:8000", "no valid host name"),
        ("http://a b.cl", "spaces or control characters"),
        ("http://fintual.cl\x1b[2J", "spaces or control characters"),
        ("http://user:secret@fintual.cl", "user name or password"),
        ("http://fintual.cl/?x=1", "query"),
        ("http://fintual.cl#top", "fragment"),
        ("http://" + "a" * 3000 + ".cl", "spaces or control characters"),
    ],
)
def test_bad_url_is_one_clear_line_naming_its_origin(
    url: str, fragment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(BadApiUrl) as exc_info:
        resolve_api_url(url)
    message = str(exc_info.value)
    assert message.startswith("--api-url ") and fragment in message
    assert message.isprintable() and len(message) < 200  # one line, nothing raw
    # The same text from the environment: the same refusal, naming the variable.
    monkeypatch.setenv("REBALANCER_API_URL", url)
    with pytest.raises(BadApiUrl, match=r"^REBALANCER_API_URL "):
        resolve_api_url()


def test_a_set_but_empty_flag_or_variable_never_means_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(BadApiUrl, match="--api-url is empty"):
        resolve_api_url("")
    monkeypatch.setenv("REBALANCER_API_URL", "")
    with pytest.raises(BadApiUrl, match="REBALANCER_API_URL is empty"):
        resolve_api_url()
    # The flag still wins over a bad variable.
    assert resolve_api_url("http://127.0.0.1:9") == "http://127.0.0.1:9"


def test_bad_url_is_a_value_error_for_callers() -> None:
    assert issubclass(BadApiUrl, ValueError)
