"""``xltools serve``: the intranet check page, a Starlette application served by uvicorn.

Pages (Chinese): ``GET /`` the check page, ``GET /district`` the district page. API (keep the
names): ``POST /api/check``, ``POST /api/annotate``, ``POST /api/combine`` (``?format=json`` for
the report), ``GET /healthz``. With a token every request needs ``Authorization: Bearer <token>``
(a browser signs in once on ``/login`` and then carries an HttpOnly cookie instead).

Uploads are streamed into a temporary folder of the request (:mod:`xltools.web.uploads`) that is
removed when the response is ready; the CPU work runs in a pool of worker processes
(:mod:`xltools.web.jobs`), so the event loop only moves bytes and requests do not wait for each
other. Every refusal is JSON ``{"error": "<中文>"}`` with a 4xx status; no traceback reaches a client.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import multiprocessing
import sys
import tempfile
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from xltools import __version__
from xltools.web import jobs
from xltools.web.pages import check_page, district_page, login_page
from xltools.web.uploads import (
    Limits,
    Refused,
    Rejected,
    Upload,
    expand_zip,
    place,
    receive_files,
    remove_tree,
    safe_relative,
)

__all__ = ["Settings", "create_app", "COOKIE"]

log = logging.getLogger("xltools.web")
COOKIE = "xltools_token"
XLSX_TYPES = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12"}


@dataclass(frozen=True)
class Settings:
    """How the server runs (``xltools serve`` options)."""

    token: str | None = None
    workers: int = 2
    limits: Limits = field(default_factory=Limits)
    job_timeout: float = 120.0        # seconds for one check or annotated copy
    combine_timeout: float = 900.0    # seconds for one district summary
    temp_root: str | None = None      # where request folders are made (default: the system's)
    max_active: int = 64              # requests in progress at once


class Workers:
    """A pool of worker processes for the CPU work, made again if a worker dies."""

    def __init__(self, count: int) -> None:
        self.count = max(1, count)
        self.pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        extra = {"max_tasks_per_child": 200} if sys.version_info >= (3, 11) else {}
        return ProcessPoolExecutor(self.count, mp_context=multiprocessing.get_context("spawn"), **extra)

    async def run(self, timeout: float, fn: Callable[..., dict[str, object]], *args: object) -> dict[str, object]:
        pool = self.pool
        future = asyncio.get_running_loop().run_in_executor(pool, partial(fn, *args))
        try:
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError as exc:
            raise Refused(504, f"处理超时（超过 {timeout:g} 秒）；文件可能过大或过于复杂，请稍后重试或分批上传") from exc
        except BrokenProcessPool as exc:
            if self.pool is pool:
                log.error("a worker process died; starting a new pool")
                pool.shutdown(wait=False, cancel_futures=True)
                self.pool = self._new()
            raise Refused(422, "处理该文件时处理进程意外退出（文件可能已损坏或过于复杂）；"
                               "请用 Excel 打开检查后重新保存再上传") from exc

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Busy:
    """At most ``limit`` requests at once; more get a Chinese 503 (uvicorn's own refusal is English)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit, self.active = app, limit, 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.active >= self.limit:
            response = JSONResponse({"error": "服务器正忙（同时处理的请求太多），请稍后再试"}, status_code=503,
                                    headers={"Retry-After": "5"})
            await response(scope, receive, send)
            return
        self.active += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1


class TokenGate:
    """Every request carries the token (Bearer header or the sign-in cookie), except the sign-in page."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.digest = _digest(token) if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.digest is None or scope["type"] != "http" or scope["path"] == "/login":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        header = request.headers.get("authorization", "")
        given = header[7:].strip() if header[:7].lower() == "bearer " else None
        ok = (given is not None and hmac.compare_digest(_digest(given), self.digest)) or \
            hmac.compare_digest(request.cookies.get(COOKIE, ""), self.digest)
        if ok:
            await self.app(scope, receive, send)
            return
        if scope["path"] in ("/", "/district") and request.method == "GET":
            response: Response = HTMLResponse(login_page(scope["path"]), status_code=401)
        else:
            reason = "访问令牌不正确" if given is not None else "缺少访问令牌"
            response = JSONResponse({"error": f"{reason}：请在请求头中带上 Authorization: Bearer <令牌>"
                                               "（令牌向区里信息化同事索取）"}, status_code=401,
                                    headers={"WWW-Authenticate": "Bearer"})
        await response(scope, receive, send)


def create_app(settings: Settings | None = None) -> Starlette:
    """The application; the worker pool starts and stops with it (ASGI lifespan)."""
    settings = settings or Settings()
    state: dict[str, Workers] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        workers = state["workers"] = Workers(settings.workers)
        await asyncio.gather(*(workers.run(120, _warm) for _ in range(workers.count)))
        try:
            yield
        finally:
            workers.close()

    async def with_uploads(request: Request, work: Callable[[list[Upload], Path], Awaitable[Response]]) -> Response:
        folder = Path(tempfile.mkdtemp(prefix="xltools-web-", dir=settings.temp_root))
        try:
            inbox = folder / "in"
            inbox.mkdir()
            length = request.headers.get("content-length", "")
            uploads = await receive_files(request.receive, request.headers.get("content-type", ""), inbox,
                                          settings.limits, headers_length=int(length) if length.isdigit() else None)
            if not uploads:
                raise Refused(400, "没有收到文件：请用表单字段 file 上传工作簿")
            return await work(uploads, folder)
        finally:
            remove_tree(folder)

    def one(uploads: list[Upload]) -> Upload:
        if len(uploads) != 1:
            raise Refused(400, f"此接口每次只处理一个文件，收到了 {len(uploads)} 个；请逐个上传")
        return uploads[0]

    async def api_check(request: Request) -> Response:
        async def work(uploads: list[Upload], folder: Path) -> Response:
            upload = one(uploads)
            result = await state["workers"].run(settings.job_timeout, jobs.check_job, str(upload.path), upload.name)
            return JSONResponse(result, status_code=422 if "error" in result else 200)
        return await with_uploads(request, work)

    async def api_annotate(request: Request) -> Response:
        async def work(uploads: list[Upload], folder: Path) -> Response:
            upload = one(uploads)
            # a workbook keeps its kind; a legacy file's annotated copy is an .xlsx (the form moved into the template)
            suffix = upload.path.suffix if upload.path.suffix in XLSX_TYPES else ".xlsx"
            out = folder / f"annotated{suffix}"
            result = await state["workers"].run(settings.job_timeout, jobs.annotate_job, str(upload.path),
                                                upload.name, str(out))
            if "error" in result:
                return JSONResponse(result, status_code=422)
            findings = result["findings"]
            assert isinstance(findings, list)
            errors = sum(1 for f in findings if f["severity"] == "error")
            name = f"{PurePosixPath(upload.name).stem}_批注{suffix}"
            return Response(out.read_bytes(), media_type=XLSX_TYPES[suffix], headers={
                **_attachment(name), "X-Xltools-Errors": str(errors),
                "X-Xltools-Warnings": str(len(findings) - errors)})
        return await with_uploads(request, work)

    async def api_combine(request: Request) -> Response:
        as_json = request.query_params.get("format") == "json"

        async def work(uploads: list[Upload], folder: Path) -> Response:
            root = folder / "forms"
            loose = root / "上传文件"
            folders: list[Path] = []
            rejected: list[Rejected] = []
            for upload in uploads:
                if upload.path.suffix == ".zip":
                    target = place(root, safe_relative(PurePosixPath(upload.name).stem, "压缩包"))
                    target.mkdir()
                    taken, refused = await asyncio.to_thread(expand_zip, upload, target, settings.limits)
                    rejected += refused
                    folders.append(target)
                else:
                    loose.mkdir(parents=True, exist_ok=True)
                    upload.path.rename(place(loose, safe_relative(upload.name, "文件")))
            if loose.exists():
                folders.insert(0, loose)
            out = folder / "汇总.xlsx"
            report = await state["workers"].run(settings.combine_timeout, jobs.combine_job,
                                                [str(f) for f in folders], str(out))
            if "error" in report:
                return JSONResponse({"error": report["error"],
                                     "rejected": [r.__dict__ for r in rejected]}, status_code=422)
            report["output"] = out.name
            report["rejected"] = [{"name": r.name, "reason": r.reason} for r in rejected]
            if as_json:
                return JSONResponse(report)
            headers = {**_attachment(out.name), **{f"X-Xltools-{key.capitalize()}": str(report[key])
                                                  for key in ("projects", "errors", "warnings")},
                       "X-Xltools-Files": str(len(report["files"])),  # type: ignore[arg-type]
                       "X-Xltools-Rejected": quote(json.dumps(report["rejected"][:50], ensure_ascii=False))}
            return Response(out.read_bytes(), media_type=XLSX_TYPES[".xlsx"], headers=headers)
        return await with_uploads(request, work)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__, "workers": state["workers"].count})

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return HTMLResponse(login_page("/"))
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > 4096:
                raise Refused(413, "登录表单过长")
        fields = parse_qs(body.decode("utf-8", "replace"))
        token, goto = fields.get("token", [""])[0], fields.get("next", ["/"])[0]
        if goto not in ("/", "/district"):
            goto = "/"
        if settings.token is None:
            return RedirectResponse(goto, status_code=303)
        if not hmac.compare_digest(_digest(token), _digest(settings.token)):
            return HTMLResponse(login_page(goto, failed=True), status_code=401)
        response = RedirectResponse(goto, status_code=303)
        response.set_cookie(COOKIE, _digest(settings.token), httponly=True, samesite="strict")
        return response

    async def page(request: Request) -> Response:
        html = check_page() if request.url.path == "/" else district_page()
        return HTMLResponse(html, headers={"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"})

    routes = [
        Route("/", page), Route("/district", page), Route("/login", login, methods=["GET", "POST"]),
        Route("/healthz", healthz), Route("/api/check", api_check, methods=["POST"]),
        Route("/api/annotate", api_annotate, methods=["POST"]), Route("/api/combine", api_combine, methods=["POST"]),
    ]
    handlers = {Refused: _refused, HTTPException: _http_error, Exception: _server_error}
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers=handlers,  # type: ignore[arg-type]
                     middleware=[Middleware(Busy, limit=settings.max_active),
                                 Middleware(TokenGate, token=settings.token)])


def _warm() -> dict[str, object]:
    return {"ready": jobs.warm_up()}


def _attachment(name: str) -> dict[str, str]:
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"}


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return JSONResponse({"error": exc.message}, status_code=exc.status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: f"没有这个页面或接口：{request.url.path}",
                405: f"接口 {request.url.path} 不接受 {request.method} 请求"}
    return JSONResponse({"error": messages.get(exc.status_code, "请求有误")}, status_code=exc.status_code)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"error": "服务器内部错误，已记录在服务日志中；请稍后重试或联系区里信息化同事"},
                        status_code=500)
