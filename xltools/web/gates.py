"""The two gates every request of ``xltools serve`` passes (ASGI middleware), each answering in Chinese.

* :class:`AccessGate`: the role of the request (token or signed session, :mod:`xltools.web.access`)
  against the route; wrong tokens are throttled per client.
* :class:`LoadGate`: an upload (a POST that brings files) counts against a per-client cap and a
  cap of uploads in progress; every request has a whole-request deadline. Requests without files
  (pages, ``/healthz``, sign-in) are not counted, so slow uploads cannot starve them; slow uploads
  themselves are cut off by the minimum receive rate (:func:`~xltools.web.uploads.receive_files`)
  and the deadline, and a slow or silent connection before its headers by the header timeout
  (:mod:`xltools.web.protocol`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xltools.web.access import CLERK, DISTRICT_PATHS, Keys, Throttle, client_of
from xltools.web.pages import login_page

__all__ = ["AccessGate", "LoadGate", "Load", "COOKIE", "UPLOAD_PATHS", "refusal"]

log = logging.getLogger("xltools.web")
COOKIE = "xltools_token"
#: Routes whose POST brings files.
UPLOAD_PATHS = frozenset({"/", "/district", "/api/check", "/api/annotate", "/api/combine"})


def refusal(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The one shape of a refusal: ``{"error": "<中文>"}``."""
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def too_many_attempts(wait: float) -> str:
    return f"令牌输错次数过多，请 {int(wait) + 1} 秒后再试"


class AccessGate:
    """Every request carries a credential its route accepts (Bearer header or session cookie), except ``/login``."""

    def __init__(self, app: ASGIApp, keys: Keys, throttle: Throttle) -> None:
        self.app, self.keys, self.throttle = app, keys, throttle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.keys.open or scope["path"] == "/login":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        response = self._refusal(scope, path)
        if response is None:
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)

    def _refusal(self, scope: Scope, path: str) -> Response | None:
        if path in DISTRICT_PATHS and not self.keys.district_routes_on():
            return refusal(404, "区级汇总未开启：启动服务时没有设置区级令牌（--district-token）；"
                                "如需使用请联系区里信息化同事")
        request = Request(scope)
        header = request.headers.get("authorization", "")
        given = header[7:].strip() if header[:7].lower() == "bearer " else None
        client = client_of(scope)
        if given is not None:
            wait = self.throttle.wait(client)
            if wait:
                return refusal(429, too_many_attempts(wait), {"Retry-After": str(int(wait) + 1)})
            role = self.keys.role_of_token(given)
            if role is None:
                self.throttle.failed(client)
        else:
            role = self.keys.role_of_cookie(request.cookies.get(COOKIE, ""))
        if self.keys.allows(role, path):
            return None
        if path in ("/", "/district") and request.method == "GET":
            return HTMLResponse(login_page(path, need_district=role == CLERK), status_code=401)
        if role == CLERK:
            return refusal(403, "区级汇总只对区财政局开放：需要区级令牌，您使用的是街道填报令牌")
        reason = "访问令牌不正确" if given is not None else "缺少访问令牌"
        return refusal(401, f"{reason}：请在请求头中带上 Authorization: Bearer <令牌>（令牌向区里信息化同事索取）",
                       {"WWW-Authenticate": "Bearer"})


@dataclass(frozen=True)
class Load:
    """How much the server takes at once (``xltools serve`` options)."""

    uploads_per_client: int = 4       # uploads in progress from one client address
    max_uploads: int = 256            # uploads in progress from everyone
    deadline: float = 300.0           # seconds for a whole request (a combine adds its own timeout)


class LoadGate:
    """Counts uploads per client and in all, and holds every request to its deadline."""

    def __init__(self, app: ASGIApp, load: Load, combine_timeout: float) -> None:
        self.app, self.load, self.combine_timeout = app, load, combine_timeout
        self.by_client: dict[str, int] = {}
        self.uploads = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not (scope["method"] == "POST" and scope["path"] in UPLOAD_PATHS):
            await self._in_time(scope, receive, send, self.load.deadline)
            return
        client = client_of(scope)
        if self.by_client.get(client, 0) >= self.load.uploads_per_client:
            response = refusal(429, f"这台电脑同时上传的文件已有 {self.load.uploads_per_client} 批在处理，"
                                    "请等前面的完成后再上传", {"Retry-After": "5"})
        elif self.uploads >= self.load.max_uploads:
            response = refusal(503, "服务器正忙（同时上传的人太多），请稍后再试", {"Retry-After": "5"})
        else:
            response = None
        if response is not None:
            await response(scope, receive, send)
            return
        self.by_client[client] = self.by_client.get(client, 0) + 1
        self.uploads += 1
        try:
            combine = scope["path"] in DISTRICT_PATHS
            await self._in_time(scope, receive, send, self.load.deadline + (self.combine_timeout if combine else 0))
        finally:
            self.uploads -= 1
            self.by_client[client] -= 1
            if not self.by_client[client]:
                del self.by_client[client]

    async def _in_time(self, scope: Scope, receive: Receive, send: Send, seconds: float) -> None:
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await asyncio.wait_for(self.app(scope, receive, watched), seconds)
        except asyncio.TimeoutError:
            log.warning("%s %s from %s passed its deadline of %g s", scope["method"], scope["path"],
                        client_of(scope), seconds)
            if started:
                raise  # the answer is half sent: uvicorn closes the connection
            await refusal(503, f"请求超过 {seconds:g} 秒仍未完成，已中止；请稍后重试")(scope, receive, send)
