"""Pieces of ``xltools serve`` without a server: names from uploads, zips, the load gate, sessions."""

from __future__ import annotations

import asyncio
import json
import zipfile
from pathlib import Path, PurePosixPath

from hypothesis import given, settings
from hypothesis import strategies as st

from xltools.web.access import CLERK, DISTRICT, Keys, Throttle
from xltools.web.gates import Load, LoadGate
from xltools.web.uploads import Limits, Upload, expand_zip, place, safe_relative, shown_name

NASTY = st.text(alphabet=st.sampled_from(list("./\\:*?\"<>|\x00\x1f 甲a.~C$")), max_size=40)


@settings(max_examples=300, deadline=None)
@given(NASTY)
def test_safe_relative_never_leaves_the_folder(raw: str) -> None:
    path = safe_relative(raw, "文件")
    assert not path.is_absolute() and path.parts
    assert all(part not in ("", ".", "..") and "/" not in part and "\\" not in part and ":" not in part
               and not any(ord(c) < 32 for c in part) for part in path.parts)
    root = Path("/srv/request")
    assert (root / path).resolve().is_relative_to(root)


def test_names() -> None:
    assert safe_relative("../../a/./b/../c.xlsx", "x") == PurePosixPath("a/b/c.xlsx")
    assert safe_relative("C:\\Users\\甲\\表.xlsx", "x") == PurePosixPath("C_/Users/甲/表.xlsx")
    assert safe_relative("..", "文件3") == PurePosixPath("文件3")
    assert shown_name("..\\..\\秘密\\表.xlsx", "x") == "表.xlsx"
    assert shown_name("a\x00b.xlsx", "x") == "ab.xlsx"
    assert shown_name("", "文件1") == "文件1"


def test_place_numbers_clashes(tmp_path: Path) -> None:
    first = place(tmp_path, PurePosixPath("街道/表.xlsx"))
    first.write_bytes(b"1")
    assert place(tmp_path, PurePosixPath("街道/表.xlsx")).name == "表 (2).xlsx"


def test_zip_names_from_windows_and_limits(tmp_path: Path) -> None:
    archive = tmp_path / "up.zip"
    gbk = "街道A/表.xlsx".encode("gbk")  # as Windows' own zip tool writes it: GBK bytes, no UTF-8 flag
    placeholder = b"Q" * len(gbk)
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(placeholder.decode(), b"x" * 10)
        z.writestr("街道B/大.xlsx", b"y" * 2000)
        z.writestr("目录/", b"")
    archive.write_bytes(archive.read_bytes().replace(placeholder, gbk))
    out = tmp_path / "out"
    out.mkdir()
    taken, rejected = expand_zip(Upload("up.zip", archive), out, Limits(max_member_bytes=1000))
    assert [t.name for t in taken] == ["up.zip/街道A/表.xlsx"]
    assert (out / "街道A" / "表.xlsx").read_bytes() == b"x" * 10
    assert [r.name for r in rejected] == ["up.zip/街道B/大.xlsx"] and "解压后超过" in rejected[0].reason
    assert not (out / "街道B" / "大.xlsx").exists()


def test_load_gate_counts_uploads_per_client_and_not_other_requests() -> None:
    """Fails on the old Busy gate: it counted every request alike, so held uploads refused /healthz."""
    release = asyncio.Event()

    async def slow(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["method"] == "POST":
            await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    gate = LoadGate(slow, Load(uploads_per_client=2, max_uploads=3, deadline=30), combine_timeout=0)

    async def call(client: str, method: str = "POST", path: str = "/api/check") -> list[dict]:
        sent: list[dict] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": b""}

        async def send(message: dict) -> None:
            sent.append(message)

        await gate({"type": "http", "method": method, "path": path, "headers": [], "client": (client, 1)},
                   receive, send)
        return sent

    async def run() -> dict[str, list[dict]]:
        held = [asyncio.create_task(call("10.0.0.1")) for _ in range(2)]
        await asyncio.sleep(0.01)
        got = {"third from the same client": await call("10.0.0.1"),
               "health": await call("10.0.0.1", "GET", "/healthz")}
        held.append(asyncio.create_task(call("10.0.0.2")))
        await asyncio.sleep(0.01)
        got["fourth in all"] = await call("10.0.0.3")
        release.set()
        for i, task in enumerate(held):
            got[f"held {i}"] = await task
        return got

    got = asyncio.run(run())
    assert got["third from the same client"][0]["status"] == 429
    assert "同时上传" in json.loads(got["third from the same client"][1]["body"])["error"]
    assert got["health"][0]["status"] == 200
    assert got["fourth in all"][0]["status"] == 503 and "服务器正忙" in json.loads(got["fourth in all"][1]["body"])["error"]
    assert all(got[f"held {i}"][0]["status"] == 200 for i in range(3))
    assert gate.uploads == 0 and gate.by_client == {}


def test_session_cookie_is_signed_and_expires() -> None:
    """Fails on the old cookie: an unsalted SHA-256 of the token, valid for ever and the same in every process."""
    keys = Keys.make("clerk-token", "district-token", session_hours=8)
    now = 1_000_000.0
    cookie = keys.cookie_for(CLERK, now=now)
    assert keys.role_of_cookie(cookie, now=now + 3600) == CLERK
    assert keys.role_of_cookie(cookie, now=now + 8 * 3600 + 1) is None  # expired
    role, expires, signature = cookie.split(".")
    assert keys.role_of_cookie(f"{DISTRICT}.{expires}.{signature}", now=now) is None  # role changed: bad signature
    assert keys.role_of_cookie(f"{role}.{int(expires) + 10**6}.{signature}", now=now) is None  # expiry pushed
    import hashlib
    assert hashlib.sha256(b"clerk-token").hexdigest() not in cookie
    other = Keys.make("clerk-token", "district-token")  # another server process: another key
    assert other.role_of_cookie(cookie, now=now) is None
    assert keys.role_of_token("district-token") == DISTRICT and keys.role_of_token("clerk-token") == CLERK
    assert keys.role_of_token("clerk-token ") is None
    assert keys.allows(CLERK, "/api/check") and not keys.allows(CLERK, "/api/combine")
    assert keys.allows(DISTRICT, "/api/combine") and not keys.allows(None, "/api/check")


def test_throttle_counts_per_client_and_forgets() -> None:
    throttle = Throttle(attempts=3, window=60)
    for t in (0.0, 1.0, 2.0):
        assert throttle.wait("a", now=t) == 0
        throttle.failed("a", now=t)
    assert throttle.wait("a", now=3.0) == 57.0  # the first failure leaves the window at 60
    assert throttle.wait("b", now=3.0) == 0     # another client is not held
    assert throttle.wait("a", now=60.5) == 0    # one failure left the window
    small = Throttle(attempts=1, window=60, clients=2)
    for client in "xyz":
        small.failed(client, now=0)
    assert list(small.failures) == ["y", "z"]  # bounded memory


def _crash() -> dict:
    import os

    os._exit(3)


def _sleep() -> dict:
    import time

    time.sleep(2)
    return {}


def _fine(x: int) -> dict:
    return {"x": x}


def test_workers_survive_a_crash_and_time_out() -> None:
    import pytest

    from xltools.web.lanes import Workers
    from xltools.web.uploads import Refused

    async def run() -> None:
        workers = Workers(1)
        try:
            with pytest.raises(Refused) as crashed:
                await workers.run(60, _crash)
            assert crashed.value.status == 422 and "意外退出" in crashed.value.message
            assert await workers.run(60, _fine, 7) == {"x": 7}  # a new pool took over
            with pytest.raises(Refused) as slow:
                await workers.run(0.5, _sleep)
            assert slow.value.status == 504 and "超时" in slow.value.message
        finally:
            workers.close()

    asyncio.run(run())


def test_a_full_lane_refuses_at_once() -> None:
    """One worker and a queue of one: the third job is refused with a Chinese 503 while two are held,
    and the lane takes jobs again once they are done (fails on the old pool: its queue had no end)."""
    import time

    import pytest

    from xltools.web.lanes import Workers
    from xltools.web.uploads import Refused

    async def run() -> None:
        workers = Workers(1, queue=1, what="汇总")
        try:
            held = [asyncio.ensure_future(workers.run(60, _sleep)) for _ in range(2)]
            await asyncio.sleep(0.1)
            started = time.monotonic()
            with pytest.raises(Refused) as full:
                await workers.run(60, _fine, 1)
            assert time.monotonic() - started < 0.5
            assert full.value.status == 503 and "排队等待汇总" in full.value.message
            assert full.value.headers["Retry-After"] == "10"
            assert await asyncio.gather(*held) == [{}, {}]
            assert await workers.run(60, _fine, 2) == {"x": 2} and workers.pending == 0
        finally:
            workers.close()

    asyncio.run(run())


def test_result_page_escapes_what_files_bring() -> None:
    """The server-rendered result page (browsers without JavaScript) shows names and messages as text."""
    from xltools.web.pages import results_page

    html = results_page([
        {"file": "<script>alert(1)</script>.xlsx", "error": "坏<b>文件</b>"},
        {"file": "表.xlsx", "execution_rate": 0.9561, "budget_score": 9.5, "total": None, "grade": "良",
         "findings": [{"severity": "error", "cell": "自评表!H21", "code": "x<y", "message": "a&b"},
                      {"severity": "warning", "field": "project_name", "code": "c", "message": "d"}]},
    ])
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;.xlsx" in html
    assert "坏&lt;b&gt;文件&lt;/b&gt;" in html and "x&lt;y" in html and "a&amp;b" in html
    assert "执行率 <b>95.61%</b>" in html and "复核总分 <b>—</b>" in html and "等级 <b>未评分</b>" in html
    assert "发现 1 个错误、1 个警告" in html and "<td>项目名称</td>" in html  # a cell-less finding by its label


def test_result_page_shows_the_totals_as_the_script_does() -> None:
    """Without JavaScript the card says what the script's card says: the self total with the findings on it
    beside the reviewed total and its grade (the plain page used to show one 总分, the reviewed one)."""
    from xltools.web.pages import results_page

    html = results_page([
        {"file": "分值120.xlsx", "execution_rate": 0.955, "budget_score": 9.55, "self_total": 118.55, "total": 100,
         "grade": None, "findings": [{"severity": "error", "cell": "自评表!G29", "code": "weights-sum", "message": "m"}]},
        {"file": "好.xlsx", "execution_rate": 1, "budget_score": 10, "self_total": 98, "total": 98, "grade": "优",
         "findings": []},
    ])
    assert ('自评总分 <b>118.55</b><span class="error"> （错误 weights-sum）</span>' in html
            and "复核总分 <b>100</b>" in html and "等级 <b>未评级</b>" in html)
    assert "自评总分 <b>98</b></span>" in html and "等级 <b>优</b>" in html and "检查通过" in html


def test_the_district_page_is_told_every_file_left_out() -> None:
    """Files whose fate keeps them out of the summary are named with fate, reason and next step; files that
    were summarised (also with errors, or 年度不符 / 重复, which the 文件清单 explains) are not."""
    from xltools.web.app import not_summarised

    files = [{"path": "甲/a.xlsx", "fate": "ok", "reason": None},
             {"path": "甲/说明.txt", "fate": "skipped", "reason": "不是 Excel 工作簿"},
             {"path": "乙/坏.xlsx", "fate": "unreadable", "reason": "文件已损坏，无法解压。"},
             {"path": "乙/b.xlsx", "fate": "duplicate", "reason": "与 a 相同"}]
    shown = not_summarised(files)
    assert [s["name"] for s in shown] == ["甲/说明.txt", "乙/坏.xlsx"]
    assert shown[0]["reason"].startswith("已跳过，不是 Excel 工作簿。不是自评表的文件请移出报送文件夹")
    assert shown[1]["reason"].startswith("无法读取，文件已损坏，无法解压。请用 Excel 或 WPS 打开该文件")


def test_the_list_in_the_headers_stays_within_a_proxys_buffer() -> None:
    """Forty files left out, each with a long Chinese message: the header carries the first few whole (as
    base64 of UTF-8 JSON, read back exactly) within 2,400 characters, the page says how many the rest are."""
    import base64
    import json

    from xltools.web.app import HEADER_BUDGET, header_list

    items = [{"name": f"各街道报送/街道{i}/文件{i}.txt", "reason": "已跳过，不是 Excel 工作簿。" + "请移出报送文件夹" * 5}
             for i in range(40)]
    text = header_list(items)
    assert len(text) <= HEADER_BUDGET == 2400
    shown = json.loads(base64.b64decode(text).decode("utf-8"))
    assert 1 <= len(shown) < 40 and shown == items[:len(shown)]
    one = len(base64.b64encode(json.dumps(items[:1], ensure_ascii=False).encode()))
    assert len(shown) >= HEADER_BUDGET // one - 1  # as many as fit, not one
    assert json.loads(base64.b64decode(header_list([])).decode()) == []
