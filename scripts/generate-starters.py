#!/usr/bin/env python3
"""Writes Sources/BridgeCore/Starters/StarterCatalog+Files.swift: the files `crisp-bridge init` writes.

Starters named after a product are the example pipelines of pipelines/ (the pipeline as it is, its test file
with its first case, and the recordings that case reads); the Google Sheets starter adds the Apps Script of
docs/senders/google-sheets.md. Starters named after a generic sender (basic, header, hmac, query_key,
standard_webhooks, none) are one small contact pipeline with that sender's verify block, and a recording signed
with the demo secret of its test file (signatures from scripts/sign-recording.py's schemes).

Run it after changing an example pipeline: `python3 scripts/generate-starters.py` (the test suite checks that
every starter's pipeline is still its example's, and that every starter passes validate and test as written).
"""
import base64
import hashlib
import hmac
import json
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PIPELINES = os.path.join(ROOT, "pipelines")

# key, summary, example pipeline
EXAMPLES = [
    ("hubspot", "HubSpot contact created (webhook, v3 signature; the contact is fetched)", "hubspot-contact-created"),
    ("hubspot-poll", "HubSpot contacts created, polled with the search API (no webhook)", "hubspot-contacts-poll"),
    ("pipedrive", "Pipedrive person added (webhook, basic auth)", "pipedrive-person-added"),
    ("google-sheets", "Google Sheets row added (Apps Script, Standard Webhooks signature)", "google-sheets-row"),
    ("google-sheets-poll", "Google Sheets rows, polled with a service account (no script)", "google-sheets-poll"),
    ("notion", "Notion page created (integration webhook; the page is fetched)", "notion-page-created"),
    ("notion-automation", "Notion database automation \"Send webhook\" (secret header)", "notion-contact"),
    ("notion-poll", "Notion database pages, polled with the query API (no webhook)", "notion-database-poll"),
    ("salesforce", "Salesforce lead (outbound message, SOAP)", "salesforce-lead"),
    ("dynamics", "Dynamics 365 / Dataverse contact created (service endpoint webhook)", "dynamics-contact-created"),
    ("stripe", "Stripe customer created (Stripe-Signature)", "stripe-customer-created"),
    ("typeform", "Typeform response (Typeform-Signature)", "typeform-response"),
    ("shopify", "Shopify customer created (X-Shopify-Hmac-Sha256)", "shopify-customer-created"),
    ("shopify-tags", "Shopify customer tags and email consent (own topics since API 2025-01; the email is fetched)",
     "shopify-customer-tags"),
    ("woocommerce", "WooCommerce customer created or guest order (X-WC-Webhook-Signature; the ping is answered)",
     "woocommerce-customer-created"),
    ("zapier", "Zapier \"Webhooks by Zapier\" action (secret header)", "zapier-webhook"),
    ("zoho", "Zoho CRM lead created (workflow rule webhook, secret header)", "zoho-lead-created"),
    ("zoho-notification", "Zoho CRM leads created (Notification API, ids only; the lead is fetched)",
     "zoho-lead-notification"),
    ("crisp", "Crisp session:set_email (plugin hook): HubSpot context into the conversation and a note",
     "crisp-conversation-enrich"),
    ("crisp-to-sheet", "Crisp contact created (workspace web hook): a Google Sheets row through the http action",
     "crisp-contact-to-sheet"),
    ("csv", "CSV backfill with crisp-bridge import", "csv-contacts"),
]

BODY = json.dumps(
    {
        "id": "c_1042", "email": " Ada@Example.com ", "first_name": "Ada", "last_name": "Lovelace",
        "company": "Analytical Engines Ltd", "phone": "020 7946 0018",
    },
    separators=(", ", ": "),
)
RECEIVED = "2025-06-12T09:41:08Z"
TIMESTAMP = "1749721268"

# key, summary, verify block (YAML under `verify:`), env, extra headers, query, has `id:` line
GENERIC = [
    ("basic", "any sender with HTTP basic authentication",
     "basic:\n        username: crisp-bridge\n        password: ${{ env.WEBHOOK_PASSWORD }}",
     {"WEBHOOK_PASSWORD": "demo-webhook-password-0000"},
     {"authorization": "Basic " + base64.b64encode(b"crisp-bridge:demo-webhook-password-0000").decode()}, ""),
    ("header", "any sender that can send a secret header",
     "header:\n        name: x-webhook-key\n        value: ${{ env.WEBHOOK_KEY }}",
     {"WEBHOOK_KEY": "demo-webhook-key-0000"}, {"x-webhook-key": "demo-webhook-key-0000"}, ""),
    ("query_key", "any sender that can only call a URL (the key in its query)",
     "query_key:\n        value: ${{ env.WEBHOOK_KEY }}",
     {"WEBHOOK_KEY": "demo-webhook-key-0000"}, {}, "key=demo-webhook-key-0000"),
    ("hmac", "any sender that signs the body with an HMAC (header, algorithm, encoding, prefix)",
     "hmac:\n        secret: ${{ env.WEBHOOK_SECRET }}\n        header: x-signature\n        algorithm: sha256\n"
     "        encoding: hex\n        prefix: \"sha256=\"",
     {"WEBHOOK_SECRET": "demo-hmac-secret-0000"},
     {"x-signature": "sha256=" + hmac.new(b"demo-hmac-secret-0000", BODY.encode(), hashlib.sha256).hexdigest()}, ""),
    ("standard_webhooks", "any sender following Standard Webhooks (also Svix)",
     "standard_webhooks:\n        secret: ${{ env.WEBHOOK_SECRET }}",
     {"WEBHOOK_SECRET": "whsec_" + base64.b64encode(b"crisp-bridge-starter-demo-secret").decode()}, None, ""),
    ("none", "a trusted network or a first try: nothing is checked (a warning at load)", "none", {}, {}, ""),
]


def standard_webhooks_headers(secret):
    key = base64.b64decode(secret.removeprefix("whsec_"))
    msg_id = "msg_2yKx0Lq3b8W1"
    signed = f"{msg_id}.{TIMESTAMP}.".encode() + BODY.encode()
    signature = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return {"webhook-id": msg_id, "webhook-timestamp": TIMESTAMP, "webhook-signature": "v1," + signature}


def generic_files(key, summary, verify, env, headers, query):
    name = key.replace("_", "-") + "-contact"
    if headers is None:
        headers = standard_webhooks_headers(env["WEBHOOK_SECRET"])
    verify_yaml = ("verify: none" if verify == "none" else "verify:\n      " + verify)
    id_line = "" if key == "standard_webhooks" else \
        "  id: body.id                        # the sender's id of the record: a retried delivery is not stored twice\n"
    pipeline = f"""# yaml-language-server: $schema=../schema/pipeline.schema.json
name: {name}
description: |
  A contact posted as JSON by {summary} becomes (or updates) a Crisp contact.
  Change the paths under `body.` to the fields your sender posts (see recordings/{name}/contact.yaml).

trigger:
  webhook:
    path: /hooks/{name}
    {verify_yaml}
{id_line}
let:
  email: email(body.email)               # trimmed, lower-cased, checked

actions:
  - crisp.profile:
      email: ${{{{ email }}}}
      person:
        nickname: ${{{{ default(join([trim(body.first_name), trim(body.last_name)], " "), null) }}}}
        phone: ${{{{ phone(body.phone, "GB") }}}}   # national numbers read as British: change the region
      company:
        name: ${{{{ default(trim(body.company), null) }}}}
      segments: [webhook]
  - crisp.data:
      email: ${{{{ email }}}}
      merge:
        source_id: ${{{{ string(body.id) }}}}
  - crisp.event:
      email: ${{{{ email }}}}
      text: Sent by webhook
      color: blue
"""
    env_yaml = "".join(f"  {k}: {v}\n" for k, v in env.items())
    test = f"""# yaml-language-server: $schema=../schema/test.schema.json
pipeline: {name}.yaml
{"env:" + chr(10) + env_yaml if env else ""}cases:
  - name: a posted contact becomes a Crisp contact
    request: recordings/{name}/contact.yaml
    expect:
      - - crisp.profile: {{ email: ada@example.com, person: {{ nickname: Ada Lovelace, phone: "+442079460018" }}, company: {{ name: Analytical Engines Ltd }}, segments: [webhook] }}
        - crisp.data: {{ email: ada@example.com, merge: {{ source_id: c_1042 }} }}
        - crisp.event: {{ email: ada@example.com, text: Sent by webhook, color: blue }}
"""
    if key != "none":
        test += """  - name: a request without the right credentials is refused
    request: { file: recordings/%s/contact.yaml, %s }
    expect: { rejected: 401, reason: "%s" }
""" % (name, "query: key=wrong" if key == "query_key" else "headers: { %s: null }" % next(iter(headers)),
       "query_key: the ?key= query parameter does not match" if key == "query_key"
       else "%s: no %s header" % (key, next(iter(headers))))
    header_yaml = "".join(f"  {k}: {json.dumps(v) if k == 'webhook-timestamp' else v}\n" for k, v in headers.items())
    recording = f"""# A contact posted by the sender, as `serve --record` saves a request (signed with the test file's secret)
method: POST
path: /hooks/{name}
{"query: " + query + chr(10) if query else ""}received_at: {RECEIVED}
headers:
  content-type: application/json
{header_yaml}body: '{BODY}'
"""
    return name, [(f"{name}.yaml", pipeline), (f"{name}.test.yaml", test), (f"recordings/{name}/contact.yaml", recording)]


def first_case(test_text):
    head, cases = test_text.split("\ncases:\n", 1)
    first = re.split(r"\n(?=  - name:)", cases)[0].rstrip("\n")
    return head + "\ncases:\n" + first + "\n"


def referenced(text, folder):
    """The files a test or recording text names (recordings/…, body_file:), relative to the pipelines folder."""
    out = []
    for path in re.findall(r"(?:body_file|request|file):\s*([A-Za-z0-9_./-]+\.(?:yaml|json|xml|csv))", text):
        full = os.path.normpath(os.path.join(folder, path))
        out.append(os.path.relpath(full, PIPELINES))
    return out


def example_files(example):
    pipeline = open(os.path.join(PIPELINES, example + ".yaml"), encoding="utf-8").read()
    test = first_case(open(os.path.join(PIPELINES, example + ".test.yaml"), encoding="utf-8").read())
    files = [(example + ".yaml", pipeline), (example + ".test.yaml", test)]
    pending = referenced(test, PIPELINES)
    seen = set()
    while pending:
        path = pending.pop(0)
        if path in seen:
            continue
        seen.add(path)
        text = open(os.path.join(PIPELINES, path), encoding="utf-8").read()
        files.append((path, text))
        if path.endswith(".yaml"):
            pending += referenced(text, os.path.dirname(os.path.join(PIPELINES, path)))
    return files


def apps_script():
    doc = open(os.path.join(ROOT, "docs/senders/google-sheets.md"), encoding="utf-8").read()
    return re.search(r"```javascript\n(.*?)```", doc, re.S).group(1)


def swift_literal(text):
    assert '"""#' not in text and "\\#" not in text
    lines = text.split("\n")
    body = "\n".join(("            " + line) if line else "" for line in lines)
    return '#"""\n' + body + '\n            """#'


def main():
    starters = []
    for key, summary, example in EXAMPLES:
        files = example_files(example)
        if key == "google-sheets":
            files.append((example + ".gs", apps_script()))
        starters.append((key, summary, example, example, files))
    for key, summary, verify, env, headers, query in GENERIC:
        name, files = generic_files(key, summary, verify, env, headers, query)
        starters.append((key, "A contact from " + summary, name, None, files))
    out = [
        "// Generated by scripts/generate-starters.py from pipelines/ and docs/senders/: do not edit.",
        "",
        "extension StarterCatalog {",
        "    /// Every starter, by the name `crisp-bridge init` takes.",
        "    static let generated: [Starter] = [",
    ]
    for key, summary, name, example, files in starters:
        out.append("        Starter(")
        out.append(f"            name: {json.dumps(key)}, summary: {json.dumps(summary)}, pipeline: {json.dumps(name)},")
        out.append(f"            example: {json.dumps(example) if example else 'nil'},")
        out.append("            files: [")
        for path, text in files:
            out.append(f"                Starter.File(")
            out.append(f"                    path: {json.dumps(path)},")
            out.append("                    text: " + swift_literal(text).replace("\n            ", "\n                        ") + "),")
        out.append("            ]),")
    out += ["    ]", "}", ""]
    target = os.path.join(ROOT, "Sources/BridgeCore/Starters/StarterCatalog+Files.swift")
    with open(target, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    subprocess.run(["swift", "format", "-i", target], check=False)
    print(f"wrote {len(starters)} starters to {os.path.relpath(target, ROOT)}")


if __name__ == "__main__":
    main()
