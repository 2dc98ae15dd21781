#!/usr/bin/env python3
"""The console in a real browser: headless Chromium (Debian's chromium and chromium-driver) driven by Selenium
against a running `crisp-bridge serve --sandbox` with the example pipelines.

What it does, as an operator would: signs in; turns the live tail on and sends Pipedrive webhooks, which appear and
turn delivered; filters by a contact's email and opens the event (no secret on the page); makes the sandbox refuse
so events die; sees them grouped under Failures; bulk-replays the group after its preview count and sees them
delivered; checks that a read-only login has no replay button and is refused when it posts one anyway, that a post
without the CSRF token is refused, and that the overview shows the quota used.

    python3 scripts/console-browser-test.py .build/debug/crisp-bridge [--screenshots DIR]

With --screenshots, the overview, an event's detail and the grouped failures are saved there as PNG (the README's
pictures come from `--screenshots docs/console`). Exits 1 with what failed.
"""

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ADMIN = "browser-admin-token-7f3a"
READ_ONLY = "browser-readonly-token-91c2"
USER, PASSWORD = "crisp-bridge", "demo-basic-password"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fail(message):
    print(f"console-browser-test: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def eventually(what, condition, timeout=30.0):
    """Waits for `condition()` to be truthy; fails naming `what`."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as error:  # a page mid-reload, a row not there yet
            last = error
        time.sleep(0.2)
    fail(f"{what} (after {timeout:.0f} s{'; last error: ' + str(last) if last else ''})")


def http(method, url, body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class Bridge:
    """`crisp-bridge serve --sandbox` on free ports, in a folder of its own, with the example pipelines."""

    def __init__(self, binary):
        self.folder = tempfile.mkdtemp(prefix="console-browser-")
        shutil.copytree(os.path.join(ROOT, "pipelines"), os.path.join(self.folder, "pipelines"))
        environment = dict(
            os.environ,
            PIPEDRIVE_WEBHOOK_USER=USER,
            PIPEDRIVE_WEBHOOK_PASSWORD=PASSWORD,
            BRIDGE_ADMIN_TOKEN=ADMIN,
            BRIDGE_CONSOLE_READONLY_TOKEN=READ_ONLY,
        )
        self.log_path = os.path.join(self.folder, "serve.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [binary, "serve", "--sandbox", "--port", "0", "--sandbox-port", "0", "--pipelines", "pipelines",
             "--store", "sqlite:" + os.path.join(self.folder, "bridge.sqlite")],
            cwd=self.folder, env=environment, stdout=self.log, stderr=subprocess.STDOUT)

        def listening():
            text = open(self.log_path).read()
            port = re.search(r"crisp-bridge listening on http://127\.0\.0\.1:(\d+)", text)
            sandbox = re.search(r"built-in Crisp sandbox at (http://127\.0\.0\.1:\d+)", text)
            if self.process.poll() is not None:
                fail("serve stopped:\n" + text)
            return (int(port.group(1)), sandbox.group(1)) if port and sandbox else None

        self.port, self.sandbox = eventually("serve to listen", listening)
        self.url = f"http://127.0.0.1:{self.port}"

    def send(self, email):
        """A Pipedrive "person added" webhook for `email`; returns its dedupe id."""
        body = json.load(open(os.path.join(ROOT, "pipelines/recordings/pipedrive/person-added.json")))
        delivery = str(uuid.uuid4())
        body["meta"]["id"] = delivery
        text = json.dumps(body).replace("ada@example.com", email)
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        status, answer = http("POST", self.url + "/hooks/pipedrive", text.encode(),
                              {"content-type": "application/json", "authorization": "Basic " + token})
        if status != 202:
            fail(f"the webhook for {email} was answered {status}: {answer}")
        return delivery

    def admin(self, path, method="GET"):
        status, text = http(method, self.url + path, headers={"authorization": "Bearer " + ADMIN})
        if status >= 400:
            fail(f"{method} {path} answered {status}: {text}")
        return json.loads(text)

    def events(self, **filters):
        query = "&".join(f"{k}={urllib.parse.quote(str(v))}" for k, v in filters.items())
        return self.admin("/admin/events?" + query)["events"]

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def browser():
    options = webdriver.ChromeOptions()
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,1000"]:
        options.add_argument(flag)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)


def login(driver, bridge, token):
    driver.delete_all_cookies()
    driver.get(bridge.url + "/console/login")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.ID, "sign-in").click()
    eventually("the overview after signing in", lambda: driver.current_url.rstrip("/").endswith("/console"))


def post_from_page(driver, path, body):
    """POSTs from the page's own origin (as a forged form would) and returns the HTTP status."""
    return driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        fetch(arguments[0], {method: "POST", headers: {"content-type": "application/x-www-form-urlencoded"},
                             body: arguments[1], redirect: "manual"})
          .then(answer => done(answer.status), error => done(String(error)));
        """, path, body)


def rows(driver):
    return driver.find_elements(By.CSS_SELECTOR, "#events tbody tr")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--screenshots")
    args = parser.parse_args()
    if args.screenshots:
        os.makedirs(args.screenshots, exist_ok=True)
    started = time.monotonic()
    bridge = Bridge(os.path.abspath(args.binary))
    driver = browser()
    checks = []
    try:
        login(driver, bridge, ADMIN)
        checks.append("signed in with the admin token")

        # The live tail: new events appear and turn delivered without a reload.
        driver.get(bridge.url + "/console/events")
        driver.find_element(By.ID, "live").click()
        time.sleep(0.5)
        emails = [f"console{i}@example.com" for i in range(3)]
        for email in emails:
            bridge.send(email)
        eventually("three events delivered in the live tail", lambda: sum(
            1 for row in rows(driver) if row.find_element(By.CSS_SELECTOR, "td.status").text == "done") == 3)
        checks.append("the live tail showed 3 new events turn delivered")

        # A contact's events, and one event's detail without a secret.
        driver.get(bridge.url + "/console/events")
        driver.find_element(By.ID, "filter-contact").send_keys("console1@example.com")
        driver.find_element(By.ID, "apply").click()
        eventually("one event for console1@example.com", lambda: len(rows(driver)) == 1)
        rows(driver)[0].find_element(By.CSS_SELECTOR, "td a").click()
        eventually("the event's detail", lambda: driver.find_elements(By.ID, "plan"))
        page = driver.page_source
        for needed in ["crisp.profile", "console1@example.com", "[redacted]"]:
            if needed not in page:
                fail(f"the event's detail lacks {needed!r}")
        basic = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        for secret in [PASSWORD, basic, ADMIN, READ_ONLY]:
            if secret in page:
                fail("the event's detail shows a secret")
        if args.screenshots:
            driver.save_screenshot(os.path.join(args.screenshots, "event.png"))
        checks.append("filtered by contact, opened the detail: plan shown, credentials redacted")

        # Crisp refuses: events die and are grouped by cause.
        status, _ = http("POST", bridge.sandbox + "/_sandbox/refuse?status=400&reason=invalid_data")
        if status != 200:
            fail(f"the sandbox did not start refusing ({status})")
        doomed = [f"doomed{i}@example.com" for i in range(3)]
        for email in doomed:
            bridge.send(email)
        eventually("three dead events", lambda: len(bridge.events(status="dead")) == 3)
        driver.get(bridge.url + "/console/failures")
        groups = driver.find_elements(By.CSS_SELECTOR, "#groups tbody tr")
        if len(groups) != 1 or groups[0].find_element(By.CSS_SELECTOR, "td.count").text != "3":
            fail("Failures does not show one group of 3: " + driver.find_element(By.ID, "groups").text)
        if "invalid_data" not in groups[0].text:
            fail("the group's cause does not name invalid_data: " + groups[0].text)
        if args.screenshots:
            driver.save_screenshot(os.path.join(args.screenshots, "failures.png"))
        checks.append("3 events died and show as one group under Failures")

        # Crisp accepts again: the group is replayed after its preview and delivered.
        http("DELETE", bridge.sandbox + "/_sandbox/refuse")
        groups[0].find_element(By.CSS_SELECTOR, "button.replay-group").click()
        eventually("the replay's preview", lambda: "Replay 3 event(s)?" in driver.find_element(By.TAG_NAME, "h1").text)
        driver.find_element(By.ID, "confirm").click()
        eventually("the bulk replay to finish", lambda: "finished" in driver.find_element(
            By.CSS_SELECTOR, "#jobs tbody tr td.state").text)
        eventually("the replayed events delivered", lambda: not bridge.events(status="dead") and all(
            bridge.events(contact=email)[0]["status"] == "done" for email in doomed))
        checks.append("bulk-replayed the group after the preview count: all 3 delivered")

        # The overview shows the quota used (counted in the store every few seconds).
        def quota_used():
            driver.get(bridge.url + "/console")
            return int(driver.find_element(By.ID, "quota-used").text) > 0
        eventually("the overview to show Crisp requests used", quota_used, timeout=20)
        if args.screenshots:
            driver.save_screenshot(os.path.join(args.screenshots, "overview.png"))
        checks.append("the overview shows the quota used: " + driver.find_element(By.ID, "quota").text.replace("\n", "; "))

        # A post without the CSRF token is refused, even with the admin's session.
        event_id = bridge.events(contact="console0@example.com")[0]["id"]
        if post_from_page(driver, f"/console/events/{event_id}/replay", "force=1") != 403:
            fail("a replay posted without the CSRF token was not refused")
        checks.append("a post without the CSRF token was refused (403)")

        # A read-only login sees the event without the replay buttons, and its post is refused.
        login(driver, bridge, READ_ONLY)
        driver.get(bridge.url + f"/console/events/{event_id}")
        if driver.find_elements(By.ID, "replay") or driver.find_element(By.ID, "who").text != "read-only":
            fail("a read-only session is offered the replay button")
        token = driver.find_element(By.CSS_SELECTOR, "input[name=csrf]").get_attribute("value")
        if post_from_page(driver, f"/console/events/{event_id}/replay", "csrf=" + token) != 403:
            fail("a read-only session's replay was not refused")
        attempts = bridge.admin(f"/admin/events/{event_id}")["attempts"]
        if attempts != 1:
            fail(f"the refused replays changed the event ({attempts} attempts)")
        checks.append("a read-only login has no replay button, and its replay post was refused (403)")
    finally:
        driver.quit()
        bridge.stop()
    for check in checks:
        print("ok:", check)
    print(f"console-browser-test: {len(checks)} checks passed in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
