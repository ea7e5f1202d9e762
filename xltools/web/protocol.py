"""The HTTP connection of ``xltools serve``: uvicorn's h11 protocol with a header timeout and Chinese refusals.

uvicorn times out a keep-alive connection that stays idle, but not one that sends its request line
and headers slowly (or opens and sends nothing): such a connection would be held for ever. And a
request h11 cannot parse gets uvicorn's English ``400 Invalid HTTP request received.`` as plain text.
:func:`guarded_protocol` makes a subclass of uvicorn's ``H11Protocol`` (passed to uvicorn as its
``http`` protocol class) that

* starts a timer when a connection opens and when a response is complete; the timer stops when a
  request's headers are complete (uvicorn has then started the request's cycle); if it fires first
  the connection is closed, with a Chinese 408 if part of a request had come (an idle kept-alive
  connection is simply closed, as uvicorn's keep-alive timeout would);
* answers an unparsable request with a Chinese JSON 400 (uvicorn's ``send_400_response``).

It relies on these parts of ``H11Protocol`` (not a documented API): ``connection_made``,
``data_received``, ``on_response_complete``, ``send_400_response``, the attributes ``cycle`` (the
current request's cycle, ``response_complete`` once answered), ``conn`` (the h11 connection) and
``transport``. ``tests/test_web_guard.py`` fails if uvicorn changes any of them: a malformed request
must get the Chinese 400, slow or missing headers the 408 or the close, a slow body its answer.
"""

from __future__ import annotations

import asyncio
import json
import logging

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["guarded_protocol", "raw_response"]

log = logging.getLogger("xltools.web")

_REASONS = {400: "Bad Request", 408: "Request Timeout"}

MALFORMED = "请求格式有误（不是有效的 HTTP 请求），服务器无法处理；请用浏览器打开检查页面上传文件"


def raw_response(status: int, message: str) -> bytes:
    """A complete ``Connection: close`` HTTP/1.1 response with the JSON body ``{"error": message}``."""
    body = json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")
    head = (f"HTTP/1.1 {status} {_REASONS[status]}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n")
    return head.encode("ascii") + body


def guarded_protocol(header_timeout: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol whose request headers must be complete within ``header_timeout`` seconds."""

    class GuardedH11Protocol(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None
        _awaited: object = None  # the cycle that was current when the timer started
        _partial = False  # bytes of a request came while the timer ran

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._start_header_timer()

        def data_received(self, data: bytes) -> None:
            if self._header_timer is None and (self.cycle is None or self.cycle.response_complete):
                self._start_header_timer()  # e.g. the rest of a body the answer did not wait for
            self._partial = True
            super().data_received(data)
            if self._header_timer is not None and self.cycle is not self._awaited:
                self._stop_header_timer()  # the headers are complete: uvicorn started a new cycle

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if self._header_timer is None and not self.transport.is_closing() and self.cycle.response_complete:
                self._start_header_timer()  # the next request's headers are timed from here

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_header_timer()
            super().connection_lost(exc)

        def send_400_response(self, msg: str) -> None:
            self._stop_header_timer()  # uvicorn has logged the warning
            if not self.transport.is_closing():
                self.transport.write(raw_response(400, MALFORMED))
                self.transport.close()

        def _start_header_timer(self) -> None:
            self._awaited, self._partial = self.cycle, False
            self._header_timer = self.loop.call_later(header_timeout, self._headers_too_slow)

        def _stop_header_timer(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if self.transport.is_closing() or self.cycle is not self._awaited:
                return
            if self._partial and self.conn.their_state is h11.IDLE:  # not the tail of an answered body
                log.warning("request headers from %s not complete within %g s; connection closed",
                            self.client, header_timeout)
                self.transport.write(raw_response(408, f"请求头在 {header_timeout:g} 秒内没有发送完整，连接已关闭；"
                                                       "请检查网络后重试"))
            self.transport.close()

    return GuardedH11Protocol
