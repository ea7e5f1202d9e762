"""The registry of every released template layout, keyed by (template id, version).

A workbook is read, tamper-checked and has its findings placed with the layout of *its own*
version (from its hidden sheet 模板信息). ``RELEASED`` records the fingerprint of each released
version: a released layout never changes (``tests/test_registry.py`` fails when one does), and a
new version is a new class registered here with a fingerprint of its own once it is released.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from xltools.core.policy import DEFAULT_POLICY, Policy
from xltools.form.layout import META_KEYS, TEMPLATE_ID, Layout
from xltools.form.layout_v1_1 import LayoutV1_1
from xltools.form.layout_v1_2 import LayoutV1_2
from xltools.form.layout_v1_3 import LayoutV1_3

__all__ = ["register", "layout_class", "layout_for", "versions", "fingerprint", "RELEASED", "CURRENT_VERSION",
           "current_layout", "released_policy", "RELEASED_POLICIES"]

_LAYOUTS: dict[tuple[str, str], type[Layout]] = {}

#: Fingerprint (labels, field cells, formulas with the default policy, metadata keys, defined names) of
#: every released version. Forms filled from a released template must read the same forever.
RELEASED: dict[tuple[str, str], str] = {
    (TEMPLATE_ID, "1.0"): "e5532c9882d2af37ee63cf8a8a59204b6951244e195961a3d5a9e6ff624456f1",
    (TEMPLATE_ID, "1.1"): "44252ca0f61171881380d1e7b1068c031fd60d213096ee48b2bb1bb07ea655bd",
    (TEMPLATE_ID, "1.2"): "319f23796c52141abd5eb47a424aca73c7f5c667069a7fdde2f5007df90ceba7",
    (TEMPLATE_ID, "1.3"): "384bc9ffdad4eca6fe59e3b195b26a065d9c60428b0f7fc76c157d8b5de3f485",
}

#: The scoring policy each released version was circulated with: what scores its forms unless the run
#: names another (``--policy``). A workbook's own stored policy never decides its score.
RELEASED_POLICIES: dict[tuple[str, str], Policy] = {
    (TEMPLATE_ID, "1.0"): DEFAULT_POLICY,
}

#: The policy of a version released without one of its own (a policy is frozen: one instance serves all).
_DEFAULT_POLICY = DEFAULT_POLICY

#: The version ``xltools template`` builds.
CURRENT_VERSION = "1.3"


def register(cls: type[Layout]) -> type[Layout]:
    """Add a layout class to the registry (a class decorator); its (template id, version) must be new."""
    key = (cls.template_id, cls.version)
    if _LAYOUTS.get(key, cls) is not cls:
        raise ValueError(f"layout {key} is registered already")
    _LAYOUTS[key] = cls
    layout_for.cache_clear()
    return cls


def unregister(cls: type[Layout]) -> None:
    """Remove a layout class (tests that register a layout of their own)."""
    _LAYOUTS.pop((cls.template_id, cls.version), None)
    layout_for.cache_clear()


def versions(template_id: str = TEMPLATE_ID) -> list[str]:
    """Every registered version of ``template_id``, oldest first."""
    return sorted((v for t, v in _LAYOUTS if t == template_id), key=_version_key)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in version.split("."))


def layout_class(template_id: str, version: str) -> type[Layout] | None:
    """The layout class of a version, or ``None`` when this program does not know it."""
    return _LAYOUTS.get((template_id, version))


@lru_cache(maxsize=64)
def layout_for(version: str, rows: int, template_id: str = TEMPLATE_ID) -> Layout:
    """One shared layout per version and row count (its spots and labels are computed once)."""
    cls = _LAYOUTS[(template_id, version)]
    return cls(rows)


def released_policy(version: str, template_id: str = TEMPLATE_ID) -> Policy:
    """The district's policy for forms of ``version`` (the default policy for a version without one)."""
    return RELEASED_POLICIES.get((template_id, version)) or _DEFAULT_POLICY


def current_layout(rows: int | None = None) -> Layout:
    """The layout ``xltools template`` builds now (``rows`` indicator rows, by default the version's)."""
    cls = _LAYOUTS[(TEMPLATE_ID, CURRENT_VERSION)]
    return layout_for(CURRENT_VERSION, rows if rows is not None else cls().rows)


def fingerprint(layout: Layout) -> str:
    """A digest of everything a filled workbook is read and checked by (at the version's default rows)."""
    data = {
        "labels": [(label.cell, label.text, label.merge) for label in layout.labels],
        "spots": [(s.path, s.name, s.cell, s.kind, s.input_type, s.merge, s.required) for s in layout.all_spots()],
        "formulas": layout.formulas(Policy()),
        "meta": list(META_KEYS),
        "names": layout.defined_names,
    }
    extra = layout.extra_fingerprint()
    if extra:  # only versions that have more (1.0 and 1.1 keep the fingerprints they were released with)
        data["extra"] = extra
    return hashlib.sha256(json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


register(Layout)
register(LayoutV1_1)
register(LayoutV1_2)
register(LayoutV1_3)
