"""Accept or reject all tracked changes in LibreOffice and save the result (run by a Python with LibreOffice's uno).

Usage: python3 lo_changes.py PROFILE_DIR accept|reject IN.docx OUT.docx [accept|reject IN OUT ...]
A test helper for tests/integration/test_compare.py, not part of the package: it shows what LibreOffice itself makes of a
comparison document.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]

COMMANDS = {"accept": ".uno:AcceptAllTrackedChanges", "reject": ".uno:RejectAllTrackedChanges"}


def _property(name: str, value: object) -> PropertyValue:
    made = PropertyValue()
    made.Name, made.Value = name, value
    return made


def main(profile: str, jobs: list[str]) -> None:
    pipe = f"avtal-{uuid.uuid4().hex}"
    installation = f"-env:UserInstallation={Path(profile).resolve().as_uri()}"
    office = subprocess.Popen(
        ["soffice", "--headless", "--norestore", "--nolockcheck", installation, f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        context = None
        for _ in range(120):
            try:
                context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.5)
        if context is None:
            sys.exit("LibreOffice svarade inte")
        desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        dispatcher = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.DispatchHelper", context)
        for index in range(0, len(jobs), 3):
            mode, source, target = jobs[index : index + 3]
            document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(source)), "_blank", 0, (_property("Hidden", True),))
            dispatcher.executeDispatch(document.getCurrentController().getFrame(), COMMANDS[mode], "", 0, ())
            document.storeToURL(uno.systemPathToFileUrl(os.path.abspath(target)), (_property("FilterName", "MS Word 2007 XML"),))
            document.close(True)
        with contextlib.suppress(Exception):  # the office may already be going away
            desktop.terminate()
    finally:
        try:
            office.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(office.pid, signal.SIGKILL)
            office.wait()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
