"""Pieces of ``xltools serve`` without a server: names from uploads, zips, the busy gate."""

from __future__ import annotations

import asyncio
import json
import zipfile
from pathlib import Path, PurePosixPath

from hypothesis import given, settings
from hypothesis import strategies as st

from xltools.web.app import Busy
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


def test_busy_gate_refuses_in_chinese() -> None:
    release = asyncio.Event()

    async def slow(scope, receive, send):  # type: ignore[no-untyped-def]
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    gate = Busy(slow, limit=1)

    async def call() -> list[dict]:
        sent: list[dict] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": b""}

        async def send(message: dict) -> None:
            sent.append(message)

        await gate({"type": "http", "method": "GET", "path": "/", "headers": []}, receive, send)
        return sent

    async def run() -> tuple[list[dict], list[dict]]:
        first = asyncio.create_task(call())
        await asyncio.sleep(0.01)
        second = await call()
        release.set()
        return await first, second

    first, second = asyncio.run(run())
    assert first[0]["status"] == 200 and second[0]["status"] == 503
    assert "服务器正忙" in json.loads(second[1]["body"])["error"]
    assert gate.active == 0


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

    from xltools.web.app import Workers
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
