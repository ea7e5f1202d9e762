@echo off
rem The district's report PC: the same installer with the report extra (matplotlib for the 自评汇总分析's
rem charts). Kept as UTF-8 in the repository; make dist writes it in GBK with CRLF line ends, as 安装.bat.
call "%~dp0安装.bat" report
