"""``xltools policy show [NAME]``: the effective scoring policy as TOML."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("policy", help="评分规则：policy show [名称或文件] 打印生效的评分规则（TOML）")
    p.add_argument("action", choices=("show",), metavar="show", help="show：以 TOML 打印评分规则（每项附说明）")
    p.add_argument("name", nargs="?", default=None, metavar="NAME",
                   help="评分规则名称（chaoyang、mof2020、mof2021）或 TOML 文件；省略时为默认规则 chaoyang")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from xltools.core import DEFAULT_PROFILE, PROFILES, policy_toml
    from xltools.io.files import read_policy

    name = args.name or DEFAULT_PROFILE
    policy = read_policy(name)
    sys.stdout.write(policy_toml(policy, name if name in PROFILES else None))
    return 0
