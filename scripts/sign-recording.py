#!/usr/bin/env python3
"""Prints the signature headers a sender would send for a body file, to make signed test recordings.

  scripts/sign-recording.py hubspot SECRET URL TIMESTAMP_MS BODY_FILE
  scripts/sign-recording.py standard_webhooks whsec_SECRET MSG_ID TIMESTAMP_S BODY_FILE
  scripts/sign-recording.py basic USER PASSWORD

Independent of the Swift code on purpose: the tests then check the verifiers against a second implementation.
"""
import base64
import hashlib
import hmac
import sys


def main(argv):
    kind = argv[1]
    if kind == "hubspot":
        secret, url, ts, path = argv[2:6]
        body = open(path, "rb").read()
        source = b"POST" + url.encode() + body + ts.encode()
        sig = base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()
        print(f"  x-hubspot-signature-v3: {sig}")
        print(f'  x-hubspot-request-timestamp: "{ts}"')
    elif kind == "standard_webhooks":
        secret, msg_id, ts, path = argv[2:6]
        body = open(path, "rb").read()
        key = base64.b64decode(secret.removeprefix("whsec_"))
        sig = base64.b64encode(hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()
        print(f"  webhook-id: {msg_id}")
        print(f'  webhook-timestamp: "{ts}"')
        print(f"  webhook-signature: v1,{sig}")
    elif kind == "basic":
        user, password = argv[2:4]
        print("  authorization: Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
    else:
        sys.exit(f"unknown sender {kind}")


if __name__ == "__main__":
    main(sys.argv)
