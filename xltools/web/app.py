"""``xltools serve``: the intranet check page, a Starlette application served by uvicorn.

Pages (Chinese): ``GET /`` the check page, ``GET /district`` the district page; each is also a
plain form (``POST /``, ``POST /district``) for browsers without JavaScript. API (keep the names):
``POST /api/check``, ``POST /api/annotate``, ``POST /api/combine`` (``?format=json`` for the report),
``GET /healthz``. Tokens and roles: :mod:`xltools.web.access` (a request carries
``Authorization: Bearer <token>``, or a browser signs in once on ``/login`` and carries a signed
session cookie).

Uploads are streamed into a temporary folder of the request (:mod:`xltools.web.uploads`) that is
removed when the response is ready; the CPU work runs in worker processes (:mod:`xltools.web.jobs`),
checks and combines in separate lanes (:mod:`xltools.web.lanes`), so the event loop only moves
bytes and a check never waits behind a combine. What the server takes at once and how long a
request may take: :mod:`xltools.web.gates`. Every refusal is JSON ``{"error": "<中文>"}`` (a page
for the plain forms); no traceback and no server path reaches a client.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import tempfile
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from xltools import __version__
from xltools.web import jobs
from xltools.web.access import Keys, Throttle, client_of
from xltools.web.gates import COOKIE, AccessGate, Load, LoadGate, refusal, too_many_attempts
from xltools.web.lanes import Workers
from xltools.web.pages import check_page, district_page, login_page, problem_page, results_page
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
XLSX_TYPES = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12"}


@dataclass(frozen=True)
class Settings:
    """How the server runs (``xltools serve`` options)."""

    token: str | None = None          # the clerks' token: the check page, /api/check, /api/annotate
    district_token: str | None = None  # the district's token: also /district and /api/combine
    workers: int = 2                  # worker processes for checks and annotated copies
    combine_workers: int = 1          # worker processes for combines (their own lane)
    limits: Limits = field(default_factory=Limits)
    load: Load = field(default_factory=Load)
    job_timeout: float = 120.0        # seconds for one check or annotated copy
    combine_timeout: float = 900.0    # seconds for one district summary
    temp_root: str | None = None      # where request folders are made (default: the system's)
    queue: int = 64                   # checks waiting for a worker (combines: a quarter of it)
    session_hours: float = 8.0        # a browser's sign-in lasts this long
    login_attempts: int = 5           # wrong tokens per client within login_window seconds
    login_window: float = 300.0


def scrub(value: object, folder: Path) -> object:
    """``value`` (a job's JSON) with the request folder's path taken out of every text: no server path
    reaches a client."""
    if isinstance(value, str):
        return value.replace(f"{folder}/", "").replace(str(folder), "")
    if isinstance(value, list):
        return [scrub(v, folder) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v, folder) for k, v in value.items()}
    return value


def create_app(settings: Settings | None = None) -> Starlette:
    """The application; the worker lanes start and stop with it (ASGI lifespan)."""
    settings = settings or Settings()
    keys = Keys.make(settings.token, settings.district_token, settings.session_hours)
    throttle = Throttle(settings.login_attempts, settings.login_window)
    lanes: dict[str, Workers] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        lanes["check"] = Workers(settings.workers, queue=settings.queue, what="检查")
        lanes["combine"] = Workers(settings.combine_workers, queue=max(1, settings.queue // 4), what="汇总")
        await asyncio.gather(*(lane.run(120, _warm) for lane in lanes.values() for _ in range(lane.count)))
        try:
            yield
        finally:
            for lane in lanes.values():
                lane.close()

    async def with_uploads(request: Request, work: Callable[[list[Upload], Path], Awaitable[Response]],
                           fields: dict[str, str] | None = None) -> Response:
        folder = Path(tempfile.mkdtemp(prefix="xltools-web-", dir=settings.temp_root))
        try:
            inbox = folder / "in"
            inbox.mkdir()
            length = request.headers.get("content-length", "")
            uploads = await receive_files(request.receive, request.headers.get("content-type", ""), inbox,
                                          settings.limits, headers_length=int(length) if length.isdigit() else None,
                                          fields=fields)
            if not uploads:
                raise Refused(400, "没有收到文件：请用表单字段 file 上传工作簿")
            return await work(uploads, folder)
        finally:
            remove_tree(folder)

    def one(uploads: list[Upload]) -> Upload:
        if len(uploads) != 1:
            raise Refused(400, f"此接口每次只处理一个文件，收到了 {len(uploads)} 个；请逐个上传")
        return uploads[0]

    async def check(upload: Upload, folder: Path) -> dict[str, object]:
        result = await lanes["check"].run(settings.job_timeout, jobs.check_job, str(upload.path), upload.name)
        return scrub(result, folder)  # type: ignore[return-value]

    async def annotate(upload: Upload, folder: Path) -> Response:
        """The annotated copy as a download, or the job's ``{"error"}`` as JSON 422."""
        # a workbook keeps its kind; a legacy file's annotated copy is an .xlsx (the form moved into the template)
        suffix = upload.path.suffix if upload.path.suffix in XLSX_TYPES else ".xlsx"
        out = folder / f"annotated{suffix}"
        result = await lanes["check"].run(settings.job_timeout, jobs.annotate_job, str(upload.path),
                                          upload.name, str(out))
        if "error" in result:
            return JSONResponse(scrub(result, folder), status_code=422)
        findings = result["findings"]
        assert isinstance(findings, list)
        errors = sum(1 for f in findings if f["severity"] == "error")
        name = f"{PurePosixPath(upload.name).stem}_批注{suffix}"
        return Response(out.read_bytes(), media_type=XLSX_TYPES[suffix], headers={
            **_attachment(name), "X-Xltools-Errors": str(errors),
            "X-Xltools-Warnings": str(len(findings) - errors)})

    async def api_check(request: Request) -> Response:
        async def work(uploads: list[Upload], folder: Path) -> Response:
            result = await check(one(uploads), folder)
            return JSONResponse(result, status_code=422 if "error" in result else 200)
        return await with_uploads(request, work)

    async def api_annotate(request: Request) -> Response:
        async def work(uploads: list[Upload], folder: Path) -> Response:
            return await annotate(one(uploads), folder)
        return await with_uploads(request, work)

    async def combine(uploads: list[Upload], folder: Path) -> tuple[dict[str, object], Path]:
        """The combine report (``error`` and ``rejected`` when it failed) and the summary's path."""
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
        report = await lanes["combine"].run(settings.combine_timeout, jobs.combine_job,
                                            [str(f) for f in folders], str(out))
        if "error" in report:
            return scrub({"error": report["error"], "rejected": [r.__dict__ for r in rejected]}, folder), out
        report["output"] = out.name
        report["store"] = None  # the request's own store, removed with its folder: nothing the client can use
        for entry in report["files"]:  # type: ignore[union-attr]
            trace = entry.pop("traceback", None)  # type: ignore[union-attr]
            if trace:  # for the service's log, never for the client
                log.error("internal error while combining %s:\n%s", entry["path"], trace)
        report["rejected"] = [{"name": r.name, "reason": r.reason} for r in rejected]
        return scrub(report, folder), out  # type: ignore[return-value]

    async def api_combine(request: Request) -> Response:
        as_json = request.query_params.get("format") == "json"

        async def work(uploads: list[Upload], folder: Path) -> Response:
            report, out = await combine(uploads, folder)
            if "error" in report:
                return JSONResponse(report, status_code=422)
            if as_json:
                return JSONResponse(report)
            return _summary_download(report, out)
        return await with_uploads(request, work)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__, "workers": lanes["check"].count})

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return HTMLResponse(login_page("/"))
        try:
            body = await asyncio.wait_for(_small_body(request), settings.limits.rate_grace)
        except asyncio.TimeoutError as exc:
            raise Refused(408, f"登录表单在 {settings.limits.rate_grace:g} 秒内没有发送完整，请重试") from exc
        fields = parse_qs(body.decode("utf-8", "replace"))
        token, goto = fields.get("token", [""])[0], fields.get("next", ["/"])[0]
        if goto not in ("/", "/district"):
            goto = "/"
        if keys.open:
            return RedirectResponse(goto, status_code=303)
        client = client_of(request.scope)
        wait = throttle.wait(client)
        if wait:
            return HTMLResponse(login_page(goto, wait=too_many_attempts(wait)), status_code=429,
                                headers={"Retry-After": str(int(wait) + 1)})
        role = keys.role_of_token(token)
        if role is None:
            throttle.failed(client)
            return HTMLResponse(login_page(goto, failed=True), status_code=401)
        response = RedirectResponse(goto, status_code=303)
        response.set_cookie(COOKIE, keys.cookie_for(role), max_age=int(settings.session_hours * 3600),
                            httponly=True, samesite="strict")
        return response

    async def page(request: Request) -> Response:
        html = check_page() if request.url.path == "/" else district_page()
        return HTMLResponse(html, headers=_PAGE_HEADERS)

    async def check_form(request: Request) -> Response:
        """``POST /``: the plain form of the check page (no JavaScript): a result page, or the annotated copy."""
        fields: dict[str, str] = {}

        async def work(uploads: list[Upload], folder: Path) -> Response:
            if fields.get("want") == "copy":
                if len(uploads) != 1:
                    raise Refused(400, f"批注副本一次只能生成一个，收到了 {len(uploads)} 个文件；请逐个上传")
                made = await annotate(uploads[0], folder)
                if made.status_code == 200:
                    return made
                raise Refused(422, f"{uploads[0].name}：{json.loads(made.body)['error']}")
            results = [await check(upload, folder) for upload in uploads]
            return HTMLResponse(results_page(results), headers=_PAGE_HEADERS)
        return await _as_page(with_uploads(request, work, fields), "检查评分", "/")

    async def district_form(request: Request) -> Response:
        """``POST /district``: the plain form of the district page: the summary, or a page saying why not."""
        async def work(uploads: list[Upload], folder: Path) -> Response:
            report, out = await combine(uploads, folder)
            if "error" in report:
                raise Refused(422, str(report["error"]))
            return _summary_download(report, out)
        return await _as_page(with_uploads(request, work), "区级汇总", "/district")

    routes = [
        Route("/", page, methods=["GET"]), Route("/", check_form, methods=["POST"]),
        Route("/district", page, methods=["GET"]), Route("/district", district_form, methods=["POST"]),
        Route("/login", login, methods=["GET", "POST"]), Route("/healthz", healthz),
        Route("/api/check", api_check, methods=["POST"]), Route("/api/annotate", api_annotate, methods=["POST"]),
        Route("/api/combine", api_combine, methods=["POST"]),
    ]
    handlers = {Refused: _refused, HTTPException: _http_error, Exception: _server_error}
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers=handlers,  # type: ignore[arg-type]
                     middleware=[Middleware(AccessGate, keys=keys, throttle=throttle),
                                 Middleware(LoadGate, load=settings.load, combine_timeout=settings.combine_timeout)])


_PAGE_HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"}


async def _as_page(answer: Awaitable[Response], title: str, active: str) -> Response:
    """A plain form's answer: a refusal becomes a page (with the way back) instead of JSON."""
    try:
        return await answer
    except Refused as exc:
        return HTMLResponse(problem_page(title, active, exc.message), status_code=exc.status,
                            headers={**exc.headers, **_PAGE_HEADERS})


async def _small_body(request: Request) -> bytes:
    """The body of a sign-in form (at most 4 KB)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > 4096:
            raise Refused(413, "登录表单过长", headers={"Connection": "close"})
    return body


def not_summarised(files: list[dict]) -> list[dict[str, str]]:
    """The files the summary left out (fate and next step, as the terminal and the 退回清单 name them), for
    the district page to name on screen."""
    from xltools.district.returns import NEXT_STEP, not_summarised_text

    return [{"name": str(f["path"]), "reason": not_summarised_text(f["fate"], f.get("reason"))}
            for f in files if f["fate"] in NEXT_STEP]


#: The lists a summary download carries in its headers stay within this many characters: a reverse proxy
#: answers 502 to a response whose headers outgrow its buffer (nginx: 4 KB by default).
HEADER_BUDGET = 2400


def header_list(items: list[dict[str, str]], budget: int = HEADER_BUDGET) -> str:
    """The longest head of ``items`` whose JSON fits ``budget`` characters as base64 of UTF-8 (a third more
    than the bytes, where percent-encoding makes three bytes of a Chinese character nine characters)."""
    def encoded(part: list[dict[str, str]]) -> str:
        return base64.b64encode(json.dumps(part, ensure_ascii=False).encode("utf-8")).decode("ascii")

    n = 0
    while n < len(items) and len(encoded(items[:n + 1])) <= budget:
        n += 1
    return encoded(items[:n])


def _summary_download(report: dict[str, object], out: Path) -> Response:
    files, rejected = report["files"], report["rejected"]
    assert isinstance(files, list) and isinstance(rejected, list)
    missed = not_summarised(files)
    headers = {**_attachment(out.name), **{f"X-Xltools-{key.capitalize()}": str(report[key])
                                          for key in ("projects", "errors", "warnings")},
               "X-Xltools-Files": str(len(files)),
               "X-Xltools-Rejected": quote(json.dumps(rejected[:50], ensure_ascii=False)),
               "X-Xltools-Missed": header_list(missed),
               "X-Xltools-Missed-Count": str(len(missed))}
    return Response(out.read_bytes(), media_type=XLSX_TYPES[".xlsx"], headers=headers)


def _warm() -> dict[str, object]:
    return {"ready": jobs.warm_up()}


def _attachment(name: str) -> dict[str, str]:
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"}


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return refusal(exc.status, exc.message, exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: f"没有这个页面或接口：{request.url.path}",
                405: f"接口 {request.url.path} 不接受 {request.method} 请求"}
    return JSONResponse({"error": messages.get(exc.status_code, "请求有误")}, status_code=exc.status_code)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"error": "服务器内部错误，已记录在服务日志中；请稍后重试或联系区里信息化同事"},
                        status_code=500)
