"""``xltools demo``: the whole district's demo data, checked and combined against its ground truth."""

from __future__ import annotations

import argparse

from xltools.cli import whole_number


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from xltools.demo.run import build_demo, table

    run = build_demo(Path(args.dir), scale=args.scale, seed=args.seed, force=args.force, jobs=args.jobs,
                     render=not args.no_render)
    print(table(run))
    return 0 if run.ground_truth_ok else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo", help="生成全区演示数据（43 个街道和地区），检查、汇总并对照标准答案",
        description="在 DIR 下生成已填写的自评表（含常见错误和问题文件），逐一检查，汇总为 汇总.xlsx，"
                    "并写出标准答案 manifest.json。",
        epilog="退出码：0 = 完成且检查结果与标准答案一致；1 = 有不一致；2 = 参数错误或文件夹不是空的（未加 --force）。")
    p.add_argument("--dir", default="demo", metavar="DIR", help="输出文件夹（默认 demo）")
    p.add_argument("--scale", type=whole_number, default=200, metavar="N", help="项目个数（至少 20，默认 200；基准测试用 2000）")
    p.add_argument("--seed", type=whole_number, default=2024, metavar="S", help="随机种子（相同种子生成相同文件）")
    p.add_argument("--jobs", type=whole_number, default=None, metavar="N", help="并行进程数（默认：CPU 核数）")
    p.add_argument("--force", action="store_true", help="覆盖 DIR 中已有的演示数据")
    p.add_argument("--no-render", action="store_true", help="不用 LibreOffice 渲染 PNG")
    p.set_defaults(run=run)

