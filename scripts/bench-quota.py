#!/usr/bin/env python3
"""Crisp requests per delivered contact, counted by the sandbox's request log.

    scripts/bench-quota.py [CONTACTS]          (default 200; builds nothing: run `swift build` first)

Three workloads, each through `serve --sandbox` with a fresh store, and each twice: with the pipeline as
written (crisp-bridge's default: create first, unchanged values skipped) and with `always_write: true` (every
value sent, as a bridge without a memory of what it wrote does), the baseline in the same run:

1. new contacts, profile + custom data + event, and profile + custom data;
2. the same contacts re-sent unchanged under new sender ids;
3. a HubSpot-like stream of 5 events per contact: a creation, then property changes, two of which re-send a
   value the contact already has, each step delivered before the next is sent;
4. the same stream queued up: sent while Crisp's quota is used up (the sandbox's daily quota), delivered
   after the reset, so the events of each contact wait behind each other and are coalesced.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

CONTACTS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, ".build", "debug", "crisp-bridge")
if os.path.exists(os.path.join(ROOT, ".build", "release", "crisp-bridge")):
    BINARY = os.path.join(ROOT, ".build", "release", "crisp-bridge")

PIPELINE = """name: contacts
{always}trigger:
  webhook: {{ path: /hooks/contacts, verify: none }}
  id: body.id
actions:
  - crisp.profile:
      email: ${{{{ email(body.email) }}}}
      person: {{ nickname: "${{{{ body.name }}}}" }}
  - crisp.data:
      email: ${{{{ email(body.email) }}}}
      merge: {{ plan: "${{{{ body.plan }}}}", stage: "${{{{ body.stage }}}}" }}
{event}"""
EVENT = """  - crisp.event: { email: "${{ email(body.email) }}", text: "${{ body.what }}" }
"""


def http(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read() or b"null")


def run(events, with_event, always, queued=False):
    """Sends `events` (lists of bodies, one list after the other, each list fully delivered before the next)
    and returns the Crisp requests each list caused. `queued`: all lists are sent while the sandbox's quota is
    used up (by a warm-up contact), then the quota is reset; returns the requests made after the reset for the
    lists' contacts."""
    folder = tempfile.mkdtemp(prefix="crisp-bridge-quota-")
    os.makedirs(folder + "/pipelines")
    with open(folder + "/pipelines/contacts.yaml", "w") as f:
        f.write(PIPELINE.format(always="always_write: true\n" if always else "", event=EVENT if with_event else ""))
    port, sandbox = 18700 + os.getpid() % 500, 19300 + os.getpid() % 500
    log = open(folder + "/serve.log", "w")
    serve = subprocess.Popen(
        [BINARY, "serve", "--sandbox", "--sandbox-port", str(sandbox), "--port", str(port), "--pipelines",
         folder + "/pipelines", "--store", "sqlite:" + folder + "/bridge.sqlite", "--sandbox-state",
         folder + "/sandbox.json", "--crisp-rate", "2000", "--log-level", "warning"]
        + (["--sandbox-daily-quota", "1", "--crisp-quota-probe", "1"] if queued else []),
        stdout=log, stderr=log)
    try:
        for _ in range(200):
            try:
                http("GET", f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(0.05)
        if queued:
            return run_queued(events, port, sandbox, folder)
        counts, sent = [], 0
        for batch in events:
            before = len(http("GET", f"http://127.0.0.1:{sandbox}/_sandbox/requests")["requests"])
            for body in batch:
                http("POST", f"http://127.0.0.1:{port}/hooks/contacts", body)
            sent += len(batch)
            wait_done(folder, sent)
            after = len(http("GET", f"http://127.0.0.1:{sandbox}/_sandbox/requests")["requests"])
            counts.append(after - before)
        return counts
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(30)


def wait_done(folder, count, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = subprocess.run(
            [BINARY, "events", "list", "--status", "done", "--limit", str(count + 1), "--store",
             "sqlite:" + folder + "/bridge.sqlite"], capture_output=True, text=True).stdout
        if len([l for l in out.splitlines() if l and not l.startswith("#")]) >= count:
            return
        time.sleep(0.2)
    raise SystemExit(f"not all {count} events were delivered in {timeout} s (see {folder}/serve.log)")


def run_queued(events, port, sandbox, folder):
    http("POST", f"http://127.0.0.1:{port}/hooks/contacts", contact("warm", "warm-up"))
    deadline = time.time() + 60
    while "Used up since" not in subprocess.run(
            [BINARY, "quota", "--store", "sqlite:" + folder + "/bridge.sqlite"], capture_output=True,
            text=True).stdout:
        if time.time() > deadline:
            raise SystemExit("the sandbox's quota was not used up")
        time.sleep(0.2)
    sent = 1
    for batch in events:
        for body in batch:
            http("POST", f"http://127.0.0.1:{port}/hooks/contacts", body)
        sent += len(batch)
    before = len(http("GET", f"http://127.0.0.1:{sandbox}/_sandbox/requests")["requests"])
    http("POST", f"http://127.0.0.1:{sandbox}/_sandbox/quota/reset?limit=1000000")
    wait_done(folder, sent)
    after = http("GET", f"http://127.0.0.1:{sandbox}/_sandbox/requests")["requests"][before:]
    return [len([r for r in after if "warm" not in r["path"] and r["status"] != 423])]


def contact(n, id, plan="free", stage="lead", what="Contact created"):
    return {"id": id, "email": f"c{n}@bench.io", "name": f"Contact {n}", "plan": plan, "stage": stage, "what": what}


def main():
    new = [contact(n, f"new-{n}") for n in range(CONTACTS)]
    again = [contact(n, f"again-{n}") for n in range(CONTACTS)]
    # A CRM stream: creation, a stage change, a re-send of the same values, a plan change, a re-send again.
    stream = [[contact(n, f"s{step}-{n}", **fields) for n in range(CONTACTS)] for step, fields in enumerate([
        {},
        {"stage": "customer", "what": "Stage changed"},
        {"stage": "customer", "what": "Contact updated"},
        {"stage": "customer", "plan": "pro", "what": "Plan changed"},
        {"stage": "customer", "plan": "pro", "what": "Contact updated"},
    ])]
    print(f"Crisp requests per contact, {CONTACTS} contacts per workload ({os.path.basename(os.path.dirname(BINARY))} build)")
    print(f"{'workload':58} {'default':>8} {'always_write':>13}")
    rows = []
    for name, with_event, batches, pick, queued in [
        ("new contact: profile + data + event", True, [new], lambda c: c[0], False),
        ("new contact: profile + data", False, [new], lambda c: c[0], False),
        ("unchanged re-send under a new sender id (profile + data)", False, [new, again], lambda c: c[1], False),
        (f"CRM stream, 5 events a contact ({5 * CONTACTS} events, with events)", True, stream, sum, False),
        ("the same stream queued up (sent during a quota pause)", True, stream, sum, True),
    ]:
        default = pick(run(batches, with_event, False, queued)) / CONTACTS
        always = pick(run(batches, with_event, True, queued)) / CONTACTS
        rows.append((name, default, always))
        print(f"{name:58} {default:8.2f} {always:13.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
