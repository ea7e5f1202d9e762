#!/bin/sh
# 离线安装 xltools 内网检查服务（不连接互联网）。用法（root）：
#   sh install.sh [安装目录，默认 /opt/xltools]
# 环境变量 XLTOOLS_NO_SYSTEMD=1：只装程序，不装系统服务（测试和不用 systemd 的机器用）。
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=${1:-/opt/xltools}
PYTHON=${PYTHON:-python3}

if ! "$PYTHON" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)' 2>/dev/null; then
    echo "错误：需要 Python 3.10–3.13（找到的是：$("$PYTHON" --version 2>&1 || echo 未安装)）。可用 PYTHON=/路径/python3.11 sh install.sh 指定。" >&2
    exit 2
fi
if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
    echo "错误：$PYTHON 缺少 venv/ensurepip（Debian/Ubuntu 请先安装 python3-venv）。" >&2
    exit 2
fi

echo "安装到 $PREFIX（只用 $HERE/wheels 里的文件，不连接互联网）……"
"$PYTHON" -m venv "$PREFIX"
"$PREFIX/bin/python" -m pip install --quiet --no-index --find-links "$HERE/wheels" "xltools-chaoyang[report]"
"$PREFIX/bin/xltools" --version

if [ "${XLTOOLS_NO_SYSTEMD:-0}" = "1" ] || ! command -v systemctl >/dev/null 2>&1; then
    echo "已安装。启动：$PREFIX/bin/xltools serve --host 0.0.0.0 --port 8765（令牌见 安装说明.txt）"
    exit 0
fi

id xltools >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin xltools
mkdir -p /etc/xltools
if [ ! -f /etc/xltools/xltools.env ]; then
    # 两个随机令牌（不留空：空令牌等于对整个内网开放）
    STREET=$("$PREFIX/bin/python" -c 'import secrets; print(secrets.token_urlsafe(24))')
    DISTRICT=$("$PREFIX/bin/python" -c 'import secrets; print(secrets.token_urlsafe(24))')
    umask 077
    sed -e "s#^XLTOOLS_TOKEN=.*#XLTOOLS_TOKEN=$STREET#" -e "s#^XLTOOLS_DISTRICT_TOKEN=.*#XLTOOLS_DISTRICT_TOKEN=$DISTRICT#" \
        "$HERE/xltools.env" > /etc/xltools/xltools.env
    chmod 600 /etc/xltools/xltools.env
    echo "已生成两个随机令牌，写在 /etc/xltools/xltools.env（街道填报令牌发给填表人，区级令牌只给区财政局）。"
    echo "启动：systemctl enable --now xltools"
else
    echo "保留已有的 /etc/xltools/xltools.env（令牌不变）。"
fi
if [ ! -f /etc/systemd/system/xltools.service ]; then
    sed "s#/opt/xltools#$PREFIX#g" "$HERE/xltools.service" > /etc/systemd/system/xltools.service
else
    echo "保留已有的 /etc/systemd/system/xltools.service（其中改过的选项不变）。"
fi
systemctl daemon-reload
echo "系统服务已安装。升级后请运行：systemctl restart xltools"
