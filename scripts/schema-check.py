#!/usr/bin/env python3
"""The JSON Schemas under schema/, checked with a maintained validator (PyPI jsonschema):
every pipeline and test file in pipelines/ passes, and every broken fixture is refused by the schema
and by crisp-bridge itself (validate for pipelines, test for test files), each for the reason the fixture
is there: EXPECTED below names, for every fixture, where the schema must find its error and the error
crisp-bridge must report (its line:column and a part of its message). A refusal for another reason (a typo
elsewhere in the fixture, a file that no longer loads) is not a pass, and a fixture missing from EXPECTED,
or an entry without its fixture, fails the check.

usage: schema-check.py CRISP_BRIDGE_BINARY
"""
import glob
import json
import os
import subprocess
import sys

import jsonschema
import yaml

BROKEN = "Tests/BridgeCoreTests/Fixtures/schema-broken"

# fixture: (where the schema finds an error, as a /-joined path in the document ("" for the top),
#           where crisp-bridge reports its error (line:column), a part of crisp-bridge's message)
EXPECTED = {
    "action-with-two-keys.yaml": ("actions/0", "7:5", "an action has one key (its kind)"),
    "answer-status.test.yaml": ("cases/0/fetch/contact", "6:26", "status must be an HTTP status (100 to 599)"),
    "case-request-and-poll.test.yaml": ("cases/0", "5:11", "a case gives `request:` (a webhook) or `poll:`"),
    "case-unknown-key.test.yaml": ("cases/0", "5:5", "unknown key 'expected' in a test case"),
    "case-without-name.test.yaml": ("cases/0", "3:5", "a test case needs 'name'"),
    "custom-data-key.yaml": (
        "actions/0/crisp.data/merge", "9:9", "'plan name!' is not a valid Crisp custom-data key"),
    "custom-data-list-value.yaml": (
        "actions/0/crisp.data/merge", "9:15", "custom-data values must be text, numbers or booleans, found a list"),
    "empty-actions.yaml": ("actions", "5:10", "actions is empty"),
    "event-colour.yaml": ("actions/0/crisp.event/color", "6:68", "'magenta' is not a Crisp event colour"),
    "event-without-text.yaml": ("actions/0/crisp.event", "6:18", "crisp.event needs 'text'"),
    "fetch-without-url.yaml": ("fetch/contact", "7:5", "fetch.contact needs 'url'"),
    "no-trigger-kind.yaml": ("trigger", "2:3", "trigger needs `webhook:`"),
    "path-without-slash.yaml": ("trigger/webhook/path", "3:11", "the webhook path must start with '/'"),
    "poll-every.yaml": ("trigger/poll/every", "3:12", "trigger.poll.every is a duration"),
    "poll-start.yaml": ("trigger/poll/start", "4:12", "trigger.poll.start is `now`"),
    "poll-with-each.yaml": ("trigger", "7:3", "a poll pipeline has no `each`"),
    "poll-without-items.yaml": ("trigger/poll", "3:5", "trigger.poll needs 'items'"),
    "sender-missing-setting.yaml": ("trigger/webhook/verify", "4:24", "verify.hubspot needs 'client_secret'"),
    "two-trigger-kinds.yaml": ("trigger", "5:3", "trigger has both `webhook:` and `csv:`"),
    "unknown-action.yaml": ("actions/0", "6:5", "unknown action 'crisp.profil'"),
    "unknown-profile-field.yaml": ("actions/0/crisp.profile/person", "9:9", "unknown field 'person.nick'"),
    "unknown-sender.yaml": ("trigger/webhook/verify", "4:15", "unknown sender 'hubspto'"),
    "unknown-top-key.yaml": ("", "5:1", "unknown key 'actoins' in the pipeline"),
    "webhook-method.yaml": ("trigger/webhook/method", "4:13", "unknown method 'FETCH'"),
    "webhook-without-verify.yaml": ("trigger/webhook", "3:5", "trigger.webhook needs 'verify'"),
}


class Yaml12Loader(yaml.SafeLoader):
    """YAML as crisp-bridge reads it (1.2 core schema): dates stay text, only true/false are booleans."""


for first, resolvers in list(Yaml12Loader.yaml_implicit_resolvers.items()):
    Yaml12Loader.yaml_implicit_resolvers[first] = [
        (tag, regexp) for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    ]
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", __import__("re").compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=Yaml12Loader)


def validator(name):
    with open(f"schema/{name}.schema.json", encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def main():
    binary = sys.argv[1]
    pipeline, test = validator("pipeline"), validator("test")
    failures = 0
    checked = 0
    for path in sorted(glob.glob("pipelines/*.yaml")):
        is_test = path.endswith(".test.yaml")
        errors = list((test if is_test else pipeline).iter_errors(load(path)))
        checked += 1
        for error in errors:
            failures += 1
            where = "/".join(str(p) for p in error.absolute_path)
            print(f"{path}: {where}: {error.message}", file=sys.stderr)

    broken = sorted(glob.glob(f"{BROKEN}/*.yaml"))
    if len(broken) < 10:
        print(f"expected the broken fixtures, found {len(broken)}", file=sys.stderr)
        failures += 1
    names = {os.path.basename(path) for path in broken}
    for name in sorted(set(EXPECTED) - names):
        failures += 1
        print(f"{BROKEN}/{name}: listed in EXPECTED but missing", file=sys.stderr)
    for path in broken:
        name = os.path.basename(path)
        checked += 1
        if name not in EXPECTED:
            failures += 1
            print(f"{path}: not in EXPECTED: add where the schema and crisp-bridge must find its error",
                  file=sys.stderr)
            continue
        schema_where, location, message = EXPECTED[name]
        is_test = path.endswith(".test.yaml")

        # The schema must refuse it, with an error at the expected place (not only somewhere).
        errors = list((test if is_test else pipeline).iter_errors(load(path)))
        places = ["/".join(str(p) for p in error.absolute_path) for error in errors]
        if not errors:
            failures += 1
            print(f"{path}: the schema accepts this broken file", file=sys.stderr)
        elif schema_where not in places:
            failures += 1
            print(f"{path}: the schema refuses it, but not at '{schema_where}':", file=sys.stderr)
            for where, error in zip(places, errors):
                print(f"    {where or '(top)'}: {error.message}", file=sys.stderr)

        # crisp-bridge must refuse it (non-zero exit) and report the expected error at the expected place.
        command = [binary, "test" if is_test else "validate", path]
        result = subprocess.run(command, capture_output=True, text=True)
        reported = [line for line in (result.stderr + result.stdout).splitlines() if ": error: " in line]
        wanted = f"{path}:{location}: error: "
        if result.returncode == 0:
            failures += 1
            print(f"{path}: crisp-bridge {command[1]} accepts this broken file", file=sys.stderr)
        elif not any(line.startswith(wanted) and message in line[len(wanted):] for line in reported):
            failures += 1
            print(f"{path}: crisp-bridge {command[1]} refuses it, but not with the expected error\n"
                  f"    expected: {wanted}...{message}...", file=sys.stderr)
            for line in reported or [f"(no error line; exit status {result.returncode})"]:
                print(f"    reported: {line}", file=sys.stderr)

    print(f"{checked} files checked against schema/ ({len(broken)} broken fixtures, each refused by the schema and "
          f"crisp-bridge for its expected reason): {failures} problems")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
