"""The client side of a conversion server elsewhere, against a stand-in XML-RPC server in this process."""

from __future__ import annotations

import threading
import xmlrpc.client
from collections.abc import Iterator
from xmlrpc.server import SimpleXMLRPCServer

import pytest

from avtalsgenerator.output import officeserver


@pytest.fixture
def answering_server() -> Iterator[tuple[officeserver.Server, list[str]]]:
    """A server speaking unoserver's API 3 that records each call and answers every convert with a PDF."""
    calls: list[str] = []
    server = SimpleXMLRPCServer(("127.0.0.1", 0), logRequests=False, allow_none=True)
    server.register_function(lambda: calls.append("info") or {"api": "3"}, "info")
    server.register_function(lambda *arguments: calls.append("convert") or xmlrpc.client.Binary(b"%PDF-1.7"), "convert")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield officeserver.Server("127.0.0.1", server.server_address[1]), calls
    finally:
        server.shutdown()
        server.server_close()


def test_a_server_elsewhere_is_asked_for_its_api_once_not_per_document(answering_server: tuple[officeserver.Server, list[str]]) -> None:
    server, calls = answering_server
    made = [server.convert(b"docx", 10) for _ in range(3)]
    assert made == [b"%PDF-1.7"] * 3
    assert calls == ["info", "convert", "convert", "convert"]


def test_after_a_failure_the_server_is_asked_again(answering_server: tuple[officeserver.Server, list[str]],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    server, calls = answering_server
    server.convert(b"docx", 10)
    monkeypatch.setattr(officeserver.time, "sleep", lambda seconds: None)
    server.restart()
    server.convert(b"docx", 10)
    assert calls == ["info", "convert", "info", "convert"]
