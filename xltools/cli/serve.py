"""``xltools serve [--host 127.0.0.1] [--port 8765] [--token TOKEN] [--workers N] [--max-upload-mb 20]``.

Runs the intranet check page (:mod:`xltools.web.app`) with uvicorn until stopped (Ctrl+C / SIGTERM).
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="运行内网检查页面（浏览器上传即可检查、生成批注副本和区级汇总）")
    p.add_argument("--host", default="127.0.0.1", help="监听地址（默认只在本机 127.0.0.1；对内网开放用 0.0.0.0）")
    p.add_argument("--port", type=int, default=8765, help="端口（默认 8765）")
    p.add_argument("--token", help="访问令牌：设置后每个请求都须携带（Authorization: Bearer <令牌>）")
    p.add_argument("--workers", type=int, default=2, metavar="N", help="处理文件的工作进程数（默认 2）")
    p.add_argument("--max-upload-mb", type=int, default=20, metavar="MB", help="每次上传的大小上限（默认 20 MB）")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from xltools.core.errors import UserError
    from xltools.web.app import Settings, create_app
    from xltools.web.uploads import MB, Limits

    if not 1 <= args.port <= 65535:
        raise UserError(f"端口 {args.port} 无效：应在 1 到 65535 之间")
    if not 1 <= args.workers <= 64:
        raise UserError(f"--workers {args.workers} 无效：应在 1 到 64 之间")
    if not 1 <= args.max_upload_mb <= 2048:
        raise UserError(f"--max-upload-mb {args.max_upload_mb} 无效：应在 1 到 2048 之间")
    token = args.token or os.environ.get("XLTOOLS_TOKEN") or None
    limits = Limits(max_upload_bytes=args.max_upload_mb * MB)
    app = create_app(Settings(token=token, workers=args.workers, limits=limits))
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"检查页面：http://{host}:{args.port}/    区级汇总：http://{host}:{args.port}/district", flush=True)
    print("已启用访问令牌" if token else "未设置访问令牌（--token）：能访问此地址的人都可以使用", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", timeout_keep_alive=15,
                h11_max_incomplete_event_size=64 * 1024, server_header=False)
    return 0
