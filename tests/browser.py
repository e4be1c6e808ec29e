"""Open a page in headless Chromium and report what a reader's browser did with it.

Driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: JSON messages
ending in a NUL byte, commands on the browser's fd 3 and replies on its fd 4), so the
tests need nothing beyond Chromium itself: no websocket client, no playwright.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
TIMEOUT = 60.0  # seconds for any one answer: a report loads in well under that


def available() -> bool:
    """Whether Chromium is installed where .ci/run installs it."""
    return os.access(CHROMIUM, os.X_OK) or shutil.which("chromium") is not None


@dataclass
class Visit:
    """What happened while a page was open: every request its document made (the page
    itself included), console messages and errors, and a PNG per element asked for."""

    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    shots: dict[str, bytes] = field(default_factory=dict)
    pdf: bytes = b""


class _Browser:
    def __init__(self, profile: str) -> None:
        exe = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
        to_child, self._out = os.pipe()  # we write commands, the browser reads fd 3
        self._in, from_child = os.pipe()  # the browser writes fd 4, we read

        def fds() -> None:  # in the child: the pipe's ends become its fds 3 and 4
            a, b = os.dup(to_child), os.dup(from_child)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [
                str(exe),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                # Whatever a page asks for, nothing leaves the machine: no name resolves
                # and every connection goes to a closed port on the loopback.
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--proxy-server=http://127.0.0.1:9",
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=fds,
            pass_fds=(to_child, from_child, 3, 4),
        )
        os.close(to_child)
        os.close(from_child)
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Send a command and wait for its answer, keeping every event that arrives."""
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if session is not None:
            msg["sessionId"] = session
        os.write(self._out, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> dict[str, Any]:
        """The first event ``method`` (kept events first)."""
        for i, ev in enumerate(self.events):
            if ev.get("method") == method:
                return self.events.pop(i)
        while True:
            ev = self._read()
            if ev.get("method") == method:
                return ev
            self.events.append(ev)

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + TIMEOUT
        while b"\0" not in self._buf:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self._buf += chunk
        msg, _, self._buf = self._buf.partition(b"\0")
        return json.loads(msg)

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, OSError, TimeoutError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._out)
        os.close(self._in)


def visit(
    path: Path,
    *,
    width: int = 1200,
    selector: str = "section",
    pdf: bool = False,
    media: str = "screen",
) -> Visit:
    """Open ``path`` at ``width`` CSS pixels, wait for it to load, and screenshot each
    element matching ``selector`` (keyed by its id) as ``media`` (``"print"`` shows the
    print styles); ``pdf`` also prints it to PDF."""
    out = Visit()
    with tempfile.TemporaryDirectory(prefix="riskengine-chromium-") as profile:
        b = _Browser(profile)
        try:
            target = b.send("Target.createTarget", url="about:blank")["targetId"]
            s = b.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            for domain in ("Page", "Network", "Runtime", "Log"):
                b.send(f"{domain}.enable", s)
            b.send(
                "Emulation.setDeviceMetricsOverride",
                s,
                width=width,
                height=900,
                deviceScaleFactor=1,
                mobile=False,
            )
            b.send("Emulation.setEmulatedMedia", s, media=media)
            b.send("Page.navigate", s, url=Path(path).absolute().as_uri())
            b.wait_for("Page.loadEventFired")
            rects = b.send(
                "Runtime.evaluate",
                s,
                returnByValue=True,
                expression=(
                    f"[...document.querySelectorAll({json.dumps(selector)})].map(e => {{"
                    " const r = e.getBoundingClientRect();"
                    " return [e.id, r.left + scrollX, r.top + scrollY, r.width, r.height]; })"
                ),
            )["result"]["value"]
            for sid, x, y, w, h in rects:
                clip = {"x": x, "y": y, "width": w, "height": h, "scale": 1}
                shot = b.send(
                    "Page.captureScreenshot", s, format="png", clip=clip, captureBeyondViewport=True
                )
                out.shots[sid] = base64.b64decode(shot["data"])
            if pdf:
                out.pdf = base64.b64decode(b.send("Page.printToPDF", s)["data"])
        finally:
            b.close()
    for ev in b.events:
        m, p = ev.get("method"), ev.get("params", {})
        if m == "Network.requestWillBeSent":
            out.requests.append(p["request"]["url"])
        elif m == "Runtime.consoleAPICalled":
            out.console.append(
                " ".join(str(a.get("value", a.get("description"))) for a in p["args"])
            )
        elif m == "Runtime.exceptionThrown":
            out.errors.append(p["exceptionDetails"].get("text", "exception"))
        elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
            out.errors.append(p["entry"].get("text", ""))
    return out
