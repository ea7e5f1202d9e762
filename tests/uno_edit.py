"""Edit one cell of a workbook in LibreOffice itself (UNO), recalculate and save as .xlsx.

Run with a Python that has LibreOffice's ``uno`` module (Debian: /usr/bin/python3 with python3-uno):
``python3 uno_edit.py SOURCE OUT SHEET CELL VALUE [SHEET CELL VALUE …]``. A value is typed as a number when it
is one.
A throw-away profile; the document is loaded hidden (a visible load crashes the nogui build).
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue


def _prop(name: str, value: object) -> PropertyValue:
    prop = PropertyValue()
    prop.Name, prop.Value = name, value
    return prop


def main(source: str, out: str, *edits: str) -> None:
    pipe = f"xltools_uno_{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="xltools-uno-") as profile:
        office = subprocess.Popen(["soffice", f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                                   "--invisible", "--norestore", "--nolockcheck", f"--accept=pipe,name={pipe};urp;"])
        try:
            local = uno.getComponentContext()
            resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
            for _ in range(200):
                try:
                    context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                    break
                except Exception:  # noqa: BLE001 - not listening yet
                    time.sleep(0.1)
            else:
                raise SystemExit("LibreOffice did not start listening")
            desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
            doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(str(Path(source).resolve())), "_blank", 0,
                                               (_prop("Hidden", True),))
            for sheet, cell, value in zip(edits[::3], edits[1::3], edits[2::3]):
                target = doc.Sheets.getByName(sheet).getCellRangeByName(cell)
                try:
                    target.setValue(float(value))
                except ValueError:
                    target.setString(value)
            doc.calculateAll()
            doc.storeToURL(uno.systemPathToFileUrl(str(Path(out).resolve())),
                           (_prop("FilterName", "Calc MS Excel 2007 XML"),))
            doc.close(True)
            try:
                desktop.terminate()
            except Exception:  # noqa: BLE001 - the bridge closes as the office quits
                pass
        finally:
            try:
                office.wait(timeout=30)
            except subprocess.TimeoutExpired:
                office.kill()


if __name__ == "__main__":
    main(*sys.argv[1:])
