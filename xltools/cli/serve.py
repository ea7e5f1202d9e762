"""``xltools serve [--host 127.0.0.1] [--port 8765] [--token T] [--district-token D] [--workers N] ...``.

Runs the intranet check page (:mod:`xltools.web.app`) with uvicorn until stopped (Ctrl+C / SIGTERM),
over the h11 protocol with a header timeout and Chinese refusals (:mod:`xltools.web.protocol`).
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="运行内网检查页面（浏览器上传即可检查、生成批注副本和区级汇总）")
    p.add_argument("--host", default="127.0.0.1", help="监听地址（默认只在本机 127.0.0.1；对内网开放用 0.0.0.0）")
    p.add_argument("--port", type=int, default=8765, help="端口（默认 8765）")
    p.add_argument("--token", help="街道填报令牌（发给填表人）：检查页面、/api/check、/api/annotate 须携带"
                                   "（也可用环境变量 XLTOOLS_TOKEN）")
    p.add_argument("--district-token", help="区级令牌（只发给区财政局）：另可使用 /district 和 /api/combine；"
                                            "设置了 --token 而未设置此项时，区级汇总不开放（也可用环境变量 "
                                            "XLTOOLS_DISTRICT_TOKEN）")
    p.add_argument("--workers", type=int, default=2, metavar="N", help="检查文件的工作进程数（默认 2）")
    p.add_argument("--combine-workers", type=int, default=1, metavar="N",
                   help="区级汇总的工作进程数（默认 1；汇总单独排队，不影响检查）")
    p.add_argument("--max-upload-mb", type=int, default=20, metavar="MB", help="每次上传的大小上限（默认 20 MB）")
    p.add_argument("--uploads-per-client", type=int, default=4, metavar="N",
                   help="同一台电脑（同一地址）同时进行的上传数上限（默认 4）")
    p.add_argument("--max-uploads", type=int, default=256, metavar="N", help="所有人同时进行的上传数上限（默认 256）")
    p.add_argument("--min-upload-kbps", type=int, default=4, metavar="KB",
                   help="上传开始一段时间（--upload-grace）后平均每秒至少收到的 KB 数，否则中止（默认 4）")
    p.add_argument("--upload-grace", type=float, default=10, metavar="秒", help="上传允许慢速开始的秒数（默认 10）")
    p.add_argument("--header-timeout", type=float, default=10, metavar="秒",
                   help="连接建立后须在多少秒内发完请求头（默认 10）")
    p.add_argument("--request-timeout", type=float, default=300, metavar="秒",
                   help="一个请求（上传加检查）最长的秒数（默认 300；汇总另加 900）")
    p.set_defaults(run=run)


def _check_range(flag: str, value: float, low: float, high: float) -> None:
    from xltools.core.errors import UserError

    if not low <= value <= high:
        raise UserError(f"{flag} {value:g} 无效：应在 {low:g} 到 {high:g} 之间")


def run(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from xltools.core.errors import UserError
    from xltools.web.app import Settings, create_app
    from xltools.web.gates import Load
    from xltools.web.protocol import guarded_protocol
    from xltools.web.uploads import MB, Limits

    if not 1 <= args.port <= 65535:
        raise UserError(f"端口 {args.port} 无效：应在 1 到 65535 之间")
    for flag, value, low, high in (("--workers", args.workers, 1, 64), ("--combine-workers", args.combine_workers, 1, 64),
                                   ("--max-upload-mb", args.max_upload_mb, 1, 2048),
                                   ("--uploads-per-client", args.uploads_per_client, 1, 1000),
                                   ("--max-uploads", args.max_uploads, 1, 10000),
                                   ("--min-upload-kbps", args.min_upload_kbps, 1, 100_000),
                                   ("--upload-grace", args.upload_grace, 1, 3600),
                                   ("--header-timeout", args.header_timeout, 1, 600),
                                   ("--request-timeout", args.request_timeout, 5, 86400)):
        _check_range(flag, value, low, high)
    token = args.token or os.environ.get("XLTOOLS_TOKEN") or None
    district = args.district_token or os.environ.get("XLTOOLS_DISTRICT_TOKEN") or None
    if token is not None and token == district:
        raise UserError("--token 与 --district-token 不能相同：街道填报令牌会发给很多人，区级令牌只给区财政局")
    limits = Limits(max_upload_bytes=args.max_upload_mb * MB, min_rate=args.min_upload_kbps * 1024,
                    rate_grace=args.upload_grace)
    load = Load(uploads_per_client=args.uploads_per_client, max_uploads=args.max_uploads,
                deadline=args.request_timeout)
    app = create_app(Settings(token=token, district_token=district, workers=args.workers,
                              combine_workers=args.combine_workers, limits=limits, load=load))
    host = f"[{args.host}]" if ":" in args.host else args.host
    district_on = district is not None or token is None
    print(f"检查页面：http://{host}:{args.port}/" +
          (f"    区级汇总：http://{host}:{args.port}/district" if district_on else ""), flush=True)
    if token is None and district is None:
        print("未设置访问令牌（--token、--district-token）：能访问此地址的人都可以使用，包括区级汇总", flush=True)
    else:
        print("街道填报令牌：" + ("已设置" if token else "未设置（检查页面对所有人开放）") +
              "；区级令牌：" + ("已设置" if district else "未设置（区级汇总未开放）"), flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", timeout_keep_alive=15,
                http=guarded_protocol(args.header_timeout), ws="none",
                h11_max_incomplete_event_size=64 * 1024, server_header=False)
    return 0
