"""Screenshots of Odoo pages in headless Chromium, logged in as a given user.

Usage: python tools/screenshot.py --url http://127.0.0.1:8069 --login manager \
           --password manager OUT.png PATH [OUT2.png PATH2 ...]
PATH is relative to the server, e.g.
/odoo/action-five_customer_loop.loop_customer_action_funnel
Drives Chromium through the DevTools protocol (websocket-client, from the test
requirements); used for the documentation screenshots and for looking at views.

With --steps FILE (JSON), PATH is opened and then each step runs before the
screenshot: {"click": "css selector"}, {"click_text": ["css selector", "text"]}
(the first such element containing the text), {"fill": ["css selector", "text"]},
{"wait": seconds} or {"js": "expression"}. A click waits up to 20 s for its
element to appear (5 s, then goes on, with "optional": true).
"""

import argparse
import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request

import websocket


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    raise SystemExit("Chromium not found: run make setup")


class Browser:
    def __init__(self, width, height, lang, tz=None):
        self.profile = tempfile.mkdtemp(prefix="fcl-chrome-")
        self.proc = subprocess.Popen(
            [
                _chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--lang={lang}",
                "--remote-debugging-port=9229",
                "--remote-allow-origins=*",
                f"--user-data-dir={self.profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            try:
                with urllib.request.urlopen(
                    "http://127.0.0.1:9229/json", timeout=2
                ) as resp:
                    pages = [p for p in json.load(resp) if p["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        self.ws = websocket.create_connection(
            pages[0]["webSocketDebuggerUrl"], timeout=60
        )
        self.seq = 0
        self.call("Page.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        if tz:
            # the web client shows times in the browser's time zone
            self.call("Emulation.setTimezoneOverride", timezoneId=tz)

    def call(self, method, **params):
        self.seq += 1
        self.ws.send(json.dumps({"id": self.seq, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.seq:
                return msg.get("result", {})

    def goto(self, url, settle=4.0):
        self.call("Page.navigate", url=url)
        time.sleep(settle)

    def js(self, expr):
        return self.call("Runtime.evaluate", expression=expr, awaitPromise=True)

    def wait_for(self, selector, optional=False, timeout=20.0):
        probe = f"document.querySelector({json.dumps(selector)})"
        self.wait_for_js(probe, optional, timeout)

    def wait_for_js(self, finder, optional=False, timeout=20.0):
        deadline = time.time() + (5.0 if optional else timeout)
        while time.time() < deadline:
            if self.js(f"!!({finder})").get("result", {}).get("value"):
                return
            time.sleep(0.3)
        if not optional:
            raise SystemExit(f"not found: {finder}")

    def step(self, step):
        if "click" in step:
            selector = json.dumps(step["click"])
            self.wait_for(step["click"], step.get("optional"))
            self.js(f"document.querySelector({selector})?.click()")
        elif "click_text" in step:
            selector, text = step["click_text"]
            finder = (
                f"[...document.querySelectorAll({json.dumps(selector)})]"
                f".find((el) => el.textContent.includes({json.dumps(text)}))"
            )
            self.wait_for_js(finder, step.get("optional"))
            self.js(f"(() => {{ const el = {finder}; if (el) el.click(); }})()")
        elif "fill" in step:
            selector, text = step["fill"]
            self.wait_for(selector)
            self.js(
                f"(() => {{ const el = document.querySelector({json.dumps(selector)});"
                f" el.value = {json.dumps(text)};"
                " el.dispatchEvent(new Event('input', {bubbles: true})); })()"
            )
        elif "js" in step:
            self.js(step["js"])
        time.sleep(step.get("wait", 0.8))

    def shot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default=None)
    parser.add_argument(
        "--login", default="admin", help="a user's login; empty: a visitor (public)"
    )
    parser.add_argument("--password", default="admin")
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--lang", default="en-US")
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument("--tz", help="the browser's time zone, e.g. Asia/Shanghai")
    parser.add_argument("--steps", help="JSON list of steps run before each shot")
    parser.add_argument("pairs", nargs="+", help="OUT.png PATH pairs")
    args = parser.parse_args()
    browser = Browser(args.width, args.height, args.lang, args.tz)
    try:
        login = f"{args.url}/web/login" + (f"?db={args.db}" if args.db else "")
        browser.goto(login, settle=3)
        if args.login:
            field = "document.querySelector('input[name=%s]').value = %s;"
            browser.js(
                field % ("login", json.dumps(args.login))
                + field % ("password", json.dumps(args.password))
                + "document.querySelector('form.oe_login_form').submit();"
            )
            time.sleep(4)
        pairs = args.pairs
        for out, path in zip(pairs[::2], pairs[1::2], strict=True):
            browser.goto(args.url + path, settle=args.settle)
            if args.steps:
                with open(args.steps, encoding="utf-8") as f:
                    for step in json.load(f):
                        browser.step(step)
            browser.shot(out)
            print(out)
    finally:
        browser.close()


if __name__ == "__main__":
    main()
