import os
import stat

import pytest

from xltools.io.files import OutputExistsError, atomic_output, write_atomic


def test_write_atomic_refuses_then_forces(tmp_path):
    target = tmp_path / "out" / "a.xlsx"
    write_atomic(target, b"one", force=False)
    with pytest.raises(OutputExistsError, match="--force"):
        write_atomic(target, b"two", force=False)
    assert target.read_bytes() == b"one"
    write_atomic(target, b"two", force=True)
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.xlsx"]


def test_outputs_get_ordinary_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "a.json", b"{}", force=False)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o644


def test_failure_leaves_nothing_behind(tmp_path):
    target = tmp_path / "a.xlsx"
    target.write_bytes(b"keep")
    with pytest.raises(RuntimeError):
        with atomic_output(target, force=True) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("writer died")
    assert target.read_bytes() == b"keep"
    assert [p.name for p in tmp_path.iterdir()] == ["a.xlsx"]
