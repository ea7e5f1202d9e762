@echo off
rem xltools offline installer: installs from the wheels\ folder next to this file (no network),
rem then the xlwings Excel add-in. Kept as UTF-8 in the repository; make dist writes it in GBK
rem (code page 936, what cmd.exe reads on a Chinese Windows) with CRLF line ends.
setlocal
cd /d "%~dp0"
set "PY=python"
where python >nul 2>nul
if errorlevel 1 (
    where py >nul 2>nul
    if errorlevel 1 goto nopython
    set "PY=py -3"
)
%PY% -c "import sys, struct; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) and struct.calcsize('P') == 8 else 1)"
if errorlevel 1 goto badpython

rem A distribution named "xltools" (this project before its rename, or the unrelated project of that
rem name on the public index) owns the same import package: remove it first (works offline).
%PY% -m pip show xltools >nul 2>nul
if not errorlevel 1 %PY% -m pip uninstall -y xltools

rem The report extra (matplotlib, for the 自评汇总分析's charts) only where it is asked for ("安装含报告.bat" passes
rem "report"): xlwings imports matplotlib whenever it is installed, which makes every 检查评分 click start slower.
set "WHAT=xltools-chaoyang"
if /i "%~1"=="report" set "WHAT=xltools-chaoyang[report]"

echo 第 1 步：从本文件夹安装 xltools 及其依赖（不联网）……
if /i "%~1"=="report" echo （含制作自评汇总分析报告所需的图表组件）
%PY% -m pip install --upgrade --no-index --find-links "%~dp0wheels" "%WHAT%"
if errorlevel 1 goto failed

echo 第 2 步：安装 xlwings 的 Excel 加载项……
%PY% -c "import sys; from xlwings.cli import main; sys.argv = ['xlwings', 'addin', 'install']; main()"
if errorlevel 1 goto failed

echo 第 3 步：检查安装结果……
%PY% -m xltools doctor
echo.
echo 安装完成。请关闭并重新打开 Excel，功能区出现“xlwings”选项卡即成功。
pause
exit /b 0

:nopython
echo 未找到 Python。请先安装 64 位 Python 3.10、3.11、3.12 或 3.13（安装时勾选“Add python.exe to PATH”），再运行本文件。
pause
exit /b 1

:badpython
echo 当前的 Python 不是 64 位的 3.10 至 3.13 版本，本安装包不适用。请安装 64 位 Python 3.10 至 3.13 后再运行本文件。
%PY% --version
pause
exit /b 1

:failed
echo 安装没有完成，请把本窗口的内容截图发给区里的信息化同事。详见“安装说明.txt”。
pause
exit /b 1
