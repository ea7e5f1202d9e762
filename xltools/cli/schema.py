"""``xltools schema``: the JSON Schema of the exchange format."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schema", help="打印 JSON 交换格式的 JSON Schema")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import json

    from xltools.core import Form
    from xltools.core.validation import json_schema

    print(json.dumps(json_schema(Form), ensure_ascii=False, indent=2))
    return 0
