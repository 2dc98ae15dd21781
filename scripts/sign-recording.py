#!/usr/bin/env python3
"""Prints the signature headers a sender would send for a body file, to make signed test recordings.

  scripts/sign-recording.py hubspot SECRET URL TIMESTAMP_MS BODY_FILE
  scripts/sign-recording.py standard_webhooks whsec_SECRET MSG_ID TIMESTAMP_S BODY_FILE
  scripts/sign-recording.py basic USER PASSWORD
  scripts/sign-recording.py stripe whsec_SECRET TIMESTAMP_S BODY_FILE [EXTRA_V1_SECRET...]
  scripts/sign-recording.py typeform SECRET BODY_FILE
  scripts/sign-recording.py notion VERIFICATION_TOKEN BODY_FILE
  scripts/sign-recording.py shopify CLIENT_SECRET BODY_FILE
  scripts/sign-recording.py woocommerce WEBHOOK_SECRET BODY_FILE
  scripts/sign-recording.py crisp HOOK_SIGNING_SECRET TIMESTAMP BODY_FILE
  scripts/sign-recording.py hmac SECRET BODY_FILE [--header NAME] [--algorithm sha256|sha1|sha512]
                            [--encoding hex|base64] [--prefix TEXT] [--signed TEMPLATE] [--timestamp T]
                            [--timestamp-header NAME] [--id ID] [--id-header NAME] [--method POST] [--url URL]
  scripts/sign-recording.py check PAYLOADS_DIR

Stripe: `t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`, the `whsec_` secret used as-is (not decoded);
extra secrets add more `v1=` entries (a secret roll). Typeform: `sha256=<base64 HMAC-SHA256(secret, body)>`.
Notion: `sha256=<hex HMAC-SHA256(verification_token, body)>`. Shopify (`X-Shopify-Hmac-Sha256`) and WooCommerce
(`X-WC-Webhook-Signature`): `<base64 HMAC-SHA256(secret, body)>`, nothing else signed. Crisp plugin hooks
(`X-Crisp-Signature`): `<hex HMAC-SHA256(secret, "[" + timestamp + ";" + body + "]")>`, the
`X-Crisp-Request-Timestamp` text as sent. hmac: the generic verifier's scheme; `--signed` is a text with
`{body}`, `{timestamp}`, `{id}`, `{method}`, `{url}` (default `{body}`).
`check` recomputes the published signature vectors of the example payloads (payloads/README.md) and prints
each one with OK or FAIL; it exits 1 on any FAIL.

Independent of the Swift code on purpose: the tests then check the verifiers against a second implementation.
"""
import base64
import hashlib
import hmac
import os
import sys

ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}


def read(path):
    with open(path, "rb") as f:
        return f.read()


def hubspot_v3(secret, url, ts, body):
    source = b"POST" + url.encode() + body + ts.encode()
    return base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()


def hubspot_v1(secret, body):
    return hashlib.sha256(secret.encode() + body).hexdigest()


def standard_webhooks(secret, msg_id, ts, body):
    key = base64.b64decode(secret.removeprefix("whsec_"))
    return "v1," + base64.b64encode(hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()


def stripe_v1(secret, ts, body):
    # The endpoint secret string as-is (whsec_ included) is the key; the signed payload is "t.body".
    return hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()


def stripe_header(secrets, ts, body):
    return f"t={ts}," + ",".join(f"v1={stripe_v1(s, ts, body)}" for s in secrets)


def typeform(secret, body):
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def notion(token, body):
    return "sha256=" + hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


def base64_body_hmac(secret, body):
    # Shopify and WooCommerce: the raw body only, base64.
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def generic_hmac(secret, body, algorithm="sha256", encoding="hex", prefix="", signed="{body}", timestamp="",
                 msg_id="", method="POST", url=""):
    # Placeholders are replaced in one pass, so a body containing "{id}" is never expanded.
    values = {"body": body, "timestamp": timestamp.encode(), "id": msg_id.encode(), "method": method.encode(),
              "url": url.encode()}
    source = b""
    text = signed
    while text:
        start = text.find("{")
        end = text.find("}", start) if start >= 0 else -1
        name = text[start + 1:end] if end > start >= 0 else None
        if name in values:
            source += text[:start].encode() + values[name]
            text = text[end + 1:]
        elif start >= 0:
            source += text[:start + 1].encode()
            text = text[start + 1:]
        else:
            source += text.encode()
            text = ""
    digest = hmac.new(secret.encode(), source, ALGORITHMS[algorithm]).digest()
    encoded = digest.hex() if encoding == "hex" else base64.b64encode(digest).decode()
    return prefix + encoded


def crisp_plugin(secret, ts, body):
    # Crisp Plugin Hooks: hex HMAC-SHA256 over "[" + timestamp + ";" + body + "]" (the generic hmac scheme).
    return generic_hmac(secret, body, signed="[{timestamp};{body}]", timestamp=ts)


def crisp(secret, ts, body):
    # The `crisp` verifier's scheme, written out: the timestamp header's text and the raw body bytes, in brackets.
    return hmac.new(secret.encode(), b"[" + ts.encode() + b";" + body + b"]", hashlib.sha256).hexdigest()


def options(args):
    out = {}
    i = 0
    while i < len(args):
        if not args[i].startswith("--") or i + 1 >= len(args):
            sys.exit(f"unexpected argument {args[i]}")
        out[args[i][2:].replace("-", "_")] = args[i + 1]
        i += 2
    return out


def check(folder):
    """Recomputes every vector of payloads/README.md; returns the number of failures."""
    p = lambda name: read(os.path.join(folder, name))
    vectors = [
        ("hubspot v3", hubspot_v3("demo-client-secret-0000", "https://bridge.example.com/hooks/hubspot",
                                  "1749721268600", p("hubspot-contact.creation.json")),
         "zVEgzI6FqKKZZY3LmBqTxYXSKZBqHKP8ZI9EB18uXc8="),
        ("hubspot v1", hubspot_v1("demo-client-secret-0000", p("hubspot-contact.creation.json")),
         "52740d649c61528b5c04310d4eeb17ed38dfdd2f8eea486d251964f65dc95368"),
        ("standard_webhooks", standard_webhooks("whsec_Y3Jpc3AtYnJpZGdlLWRlbW8ta2V5LTMyLWJ5dGVzISE=",
                                                "msg_2yJ4kQ9dV1eXampleId0001", "1749721268",
                                                p("standard-webhooks-contact.created.json")),
         "v1,jBNZPPhgFSzOET197b6fwBHpDrrFVNPX7viypH6isZA="),
        ("standard_webhooks (google sheets)",
         standard_webhooks("whsec_Y3Jpc3AtYnJpZGdlLWRlbW8ta2V5LTMyLWJ5dGVzISE=",
                           "0f6e9a52-8c1b-4d7e-9f3a-2b5c8d1e4a70", "1749721268",
                           p("google-sheets-row.apps-script.json")),
         "v1,874Z7hNflpcHZpVnKnCTLixRc6GvBOHXF4vdRcurbh8="),
        ("stripe", stripe_header(["whsec_demoStripeEndpointSecret000000000000"], "1749721268",
                                 p("stripe-customer.created.json")),
         "t=1749721268,v1=27abe07fd699c9734a0a6b1cf3f05ec876bd3dda6a65b52f58e662ac3625002f"),
        ("typeform", typeform("demo-typeform-secret", p("typeform-form_response.json")),
         "sha256=aTgxFGSPC9u85vtfTgARbwSY/G8IdnvC6wbvj1ECBhk="),
        ("notion", notion("secret_demoNotionVerificationToken0000000000",
                          p("notion-page.created.integration-webhook.json")),
         "sha256=e67f20fd4a8127401954f354455b0afdfc67401fe803262744e0de2b2af870b7"),
        ("shopify", base64_body_hmac("demo-shopify-client-secret-0000", p("shopify-customers-create.json")),
         "9plPnFUJJBXi3df5rGJT1TjDd+h1PyREHoTh7pQ/U1c="),
        ("woocommerce", base64_body_hmac("demo-woo-webhook-secret-0000", p("woocommerce-customer-created.json")),
         "gxnqymCppKi3/ql5RHTPDLRvbz6FBim2dOu9/jFg8pk="),
        ("crisp (session:set_email)",
         crisp("demo-crisp-plugin-signing-secret-0000", "1749721268431", p("crisp-session-set-email.json")),
         "d0ccdf5cc7fbf0bff9c532e0b93549397d50d12d5ebcca494fd5b21449df8cf1"),
        ("crisp (message:send)",
         crisp("demo-crisp-plugin-signing-secret-0000", "1749721301877", p("crisp-message-send.json")),
         "24a3b21f05ee68a60960c8cbf5683cae76f945837df5b6c42622ad134c0ff5c7"),
        ("hmac base64 (shopify)", generic_hmac("demo-shopify-client-secret-0000", p("shopify-customers-create.json"),
                                               encoding="base64"),
         "9plPnFUJJBXi3df5rGJT1TjDd+h1PyREHoTh7pQ/U1c="),
        ("hmac base64 (woocommerce)", generic_hmac("demo-woo-webhook-secret-0000",
                                                   p("woocommerce-customer-created.json"), encoding="base64"),
         "gxnqymCppKi3/ql5RHTPDLRvbz6FBim2dOu9/jFg8pk="),
        ("hmac [{timestamp};{body}] (crisp session:set_email)",
         crisp_plugin("demo-crisp-plugin-signing-secret-0000", "1749721268431", p("crisp-session-set-email.json")),
         "d0ccdf5cc7fbf0bff9c532e0b93549397d50d12d5ebcca494fd5b21449df8cf1"),
        ("hmac [{timestamp};{body}] (crisp message:send)",
         crisp_plugin("demo-crisp-plugin-signing-secret-0000", "1749721301877", p("crisp-message-send.json")),
         "24a3b21f05ee68a60960c8cbf5683cae76f945837df5b6c42622ad134c0ff5c7"),
        ("hmac sha256= prefix = typeform scheme",
         generic_hmac("demo-typeform-secret", p("typeform-form_response.json"), encoding="base64", prefix="sha256="),
         "sha256=aTgxFGSPC9u85vtfTgARbwSY/G8IdnvC6wbvj1ECBhk="),
        ("hmac {timestamp}.{body} = stripe scheme",
         "t=1749721268,v1=" + generic_hmac("whsec_demoStripeEndpointSecret000000000000",
                                           p("stripe-customer.created.json"), signed="{timestamp}.{body}",
                                           timestamp="1749721268"),
         "t=1749721268,v1=27abe07fd699c9734a0a6b1cf3f05ec876bd3dda6a65b52f58e662ac3625002f"),
    ]
    failures = 0
    for name, got, want in vectors:
        ok = hmac.compare_digest(got, want)
        failures += 0 if ok else 1
        print(f"{'OK  ' if ok else 'FAIL'} {name}: {got}" + ("" if ok else f" (expected {want})"))
    print(f"{len(vectors) - failures} of {len(vectors)} vectors reproduced")
    return failures


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    kind = argv[1]
    if kind == "hubspot":
        secret, url, ts, path = argv[2:6]
        body = read(path)
        print(f"  x-hubspot-signature-v3: {hubspot_v3(secret, url, ts, body)}")
        print(f'  x-hubspot-request-timestamp: "{ts}"')
    elif kind == "standard_webhooks":
        secret, msg_id, ts, path = argv[2:6]
        body = read(path)
        print(f"  webhook-id: {msg_id}")
        print(f'  webhook-timestamp: "{ts}"')
        print(f"  webhook-signature: {standard_webhooks(secret, msg_id, ts, body)}")
    elif kind == "basic":
        user, password = argv[2:4]
        print("  authorization: Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
    elif kind == "stripe":
        secret, ts, path = argv[2:5]
        print(f"  stripe-signature: {stripe_header([secret] + argv[5:], ts, read(path))}")
    elif kind == "typeform":
        secret, path = argv[2:4]
        print(f"  typeform-signature: {typeform(secret, read(path))}")
    elif kind == "notion":
        token, path = argv[2:4]
        print(f"  x-notion-signature: {notion(token, read(path))}")
    elif kind == "shopify":
        secret, path = argv[2:4]
        print(f"  x-shopify-hmac-sha256: {base64_body_hmac(secret, read(path))}")
    elif kind == "woocommerce":
        secret, path = argv[2:4]
        print(f"  x-wc-webhook-signature: {base64_body_hmac(secret, read(path))}")
    elif kind == "crisp":
        secret, ts, path = argv[2:5]
        print(f'  x-crisp-request-timestamp: "{ts}"')
        print(f"  x-crisp-signature: {crisp(secret, ts, read(path))}")
    elif kind == "hmac":
        secret, path = argv[2:4]
        o = options(argv[4:])
        ts = o.get("timestamp", "")
        msg_id = o.get("id", "")
        signature = generic_hmac(
            secret, read(path), algorithm=o.get("algorithm", "sha256"), encoding=o.get("encoding", "hex"),
            prefix=o.get("prefix", ""), signed=o.get("signed", "{body}"), timestamp=ts, msg_id=msg_id,
            method=o.get("method", "POST"), url=o.get("url", ""))
        print(f"  {o.get('header', 'x-signature').lower()}: {signature}")
        if "timestamp_header" in o:
            print(f'  {o["timestamp_header"].lower()}: "{ts}"')
        if "id_header" in o:
            print(f"  {o['id_header'].lower()}: {msg_id}")
    elif kind == "check":
        sys.exit(1 if check(argv[2] if len(argv) > 2 else "payloads") else 0)
    else:
        sys.exit(f"unknown sender {kind}")


if __name__ == "__main__":
    main(sys.argv)
