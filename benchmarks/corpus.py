"""The benchmarks' mixed corpus of filled forms (used by bench_combine.py and profile_combine.py).

Real districts receive forms saved again by Excel, WPS or LibreOffice, not only the bytes xltools
wrote, so the corpus mixes writers:

* ``xltools`` bases — distinct forms of the demo data of several seeds, filled with
  :func:`xltools.excel.fill.fill_workbook` (the real template, the real writer: inline strings);
* ``libreoffice`` bases — other distinct demo forms filled the same way and then saved again by
  LibreOffice (``soffice --convert-to xlsx``, ONE batched call via :func:`xltools.io.engine.convert`):
  shared strings, LibreOffice's own styles, workbook part and sheet XML.

A tree of N files alternates the two writers file by file (``ceil(N/2)`` LibreOffice files, so at
least half), each a copy of a base whose project name gets a serial number, so every file is a
distinct project with distinct bytes (otherwise combine would rightly mark them duplicates).
"""

from __future__ import annotations

import json
import re
import tempfile
import time
import zipfile
from pathlib import Path
from html import unescape

WRITERS = ("libreoffice", "xltools")
SEEDS = (7, 11, 23, 42, 99)

Base = tuple[Path, str, str]  # (file, unit, project name)


def _demo_forms(count: int, seeds: tuple[int, ...]) -> list[object]:
    """``count`` filled-form items of the demo data, taken round-robin from the seeds."""
    from xltools.demo.data import generate

    per_seed = -(-count // len(seeds))
    pools = []
    for seed in seeds:
        demo = generate(seed=seed, scale=max(20, per_seed + 10))
        pools.append([f for f in demo.files if f.action == "fill" and f.form is not None])
    mixed = [pool[i] for i in range(max(map(len, pools))) for pool in pools if i < len(pool)]
    if len(mixed) < count:
        raise RuntimeError(f"the demo data gave {len(mixed)} forms, {count} needed")
    return mixed[:count]


def build_bases(folder: Path, generated: int, resaved: int, seeds: tuple[int, ...] = SEEDS,
                log=print) -> dict[str, list[Base]]:
    """Fill ``generated`` + ``resaved`` distinct forms; LibreOffice saves the last ``resaved`` again.

    Reuses ``folder`` when it holds bases made with the same arguments (``manifest.json``).
    """
    from xltools.excel.fill import fill_workbook
    from xltools.io.engine import convert

    manifest = folder / "manifest.json"
    params = {"generated": generated, "resaved": resaved, "seeds": list(seeds)}
    if manifest.exists():
        saved = json.loads(manifest.read_text(encoding="utf-8"))
        if saved["params"] == params:
            log(f"reusing the bases in {folder}")
            return {w: [(Path(p), u, n) for p, u, n in saved["bases"][w]] for w in WRITERS}
    started = time.perf_counter()
    items = _demo_forms(generated + resaved, seeds)
    bases: dict[str, list[Base]] = {w: [] for w in WRITERS}
    sources = []
    for i, item in enumerate(items):
        writer = "xltools" if i < generated else "lo-source"
        path = folder / writer / f"base{i:04d}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        fill_workbook(item.form, path, force=True)
        entry = (path, str(item.form.implementing_unit), str(item.form.project_name))
        (bases["xltools"].append(entry) if writer == "xltools" else sources.append(entry))
    log(f"filled {len(items)} distinct forms of seeds {', '.join(map(str, seeds))} "
        f"in {time.perf_counter() - started:.1f} s")
    if sources:
        started = time.perf_counter()
        outputs = convert([p for p, _, _ in sources], folder / "libreoffice", "xlsx", timeout=1800)
        bases["libreoffice"] = [(out, unit, name) for out, (_, unit, name) in zip(outputs, sources)]
        log(f"LibreOffice saved {len(outputs)} of them again (one soffice call) in "
            f"{time.perf_counter() - started:.1f} s")
    manifest.write_text(json.dumps({"params": params, "bases": {
        w: [(str(p), u, n) for p, u, n in bases[w]] for w in WRITERS}}, ensure_ascii=False), encoding="utf-8")
    return bases


_STRING = re.compile(rb"<(si|is)>(.*?)</\1>", re.DOTALL)  # a shared or inline string, maybe in rich-text runs
_TEXT = re.compile(rb"<t(?: [^>]*)?>(.*?)</t>", re.DOTALL)


def variant(base: Path, name: str, serial: int) -> bytes:
    """``base`` with the project name numbered where it is stored (inline or shared string, maybe in runs).

    LibreOffice splits a text into rich-text runs by script (digits and CJK in different fonts), so
    the string whose runs together read the name gets the number appended to its last run. The text is
    compared as XML reads it: openpyxl writes non-ASCII text as character references (``&#30123;``) when
    lxml is installed, and as UTF-8 otherwise.
    """
    suffix = f"（第{serial:05d}号）".encode()

    def numbered(match: re.Match[bytes]) -> bytes:
        body = match.group(2)
        if unescape(b"".join(_TEXT.findall(body)).decode("utf-8")) != name:
            return match.group(0)
        end = body.rindex(b"</t>")
        return match.group(0).replace(body, body[:end] + suffix + body[end:], 1)

    buffer = tempfile.SpooledTemporaryFile()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        done = False
        for info in source.infolist():
            data = source.read(info)
            if not done and info.filename.startswith("xl/") and info.filename.endswith(".xml"):
                changed = _STRING.sub(numbered, data)
                done, data = changed != data, changed
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    if not done:
        raise RuntimeError(f"project name not found in {base}")
    buffer.seek(0)
    return buffer.read()


def generate_tree(folder: Path, n: int, bases: dict[str, list[Base]]) -> dict[str, int]:
    """N files under ``folder/<unit>/``, the writers alternating (LibreOffice first); counts per writer."""
    writers = [w for w in WRITERS if bases.get(w)]
    counts = dict.fromkeys(writers, 0)
    for i in range(n):
        writer = writers[i % len(writers)]
        pool = bases[writer]
        base, unit, name = pool[(i // len(writers)) % len(pool)]
        target = folder / unit / f"{i:05d}.xlsx"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(variant(base, name, i))
        counts[writer] += 1
    return counts


def files_of(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.xlsx"))
