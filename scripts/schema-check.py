#!/usr/bin/env python3
"""The JSON Schemas under schema/, checked with a maintained validator (PyPI jsonschema):
every pipeline and test file in pipelines/ passes, and every broken fixture is refused by the schema
and by crisp-bridge itself (validate for pipelines, test for test files).

usage: schema-check.py CRISP_BRIDGE_BINARY
"""
import glob
import json
import os
import subprocess
import sys

import jsonschema
import yaml


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

    broken = sorted(glob.glob("Tests/BridgeCoreTests/Fixtures/schema-broken/*.yaml"))
    if len(broken) < 10:
        print(f"expected the broken fixtures, found {len(broken)}", file=sys.stderr)
        failures += 1
    for path in broken:
        is_test = path.endswith(".test.yaml")
        errors = list((test if is_test else pipeline).iter_errors(load(path)))
        if not errors:
            failures += 1
            print(f"{path}: the schema accepts this broken file", file=sys.stderr)
        command = [binary, "test" if is_test else "validate", path]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode == 0:
            failures += 1
            print(f"{path}: crisp-bridge {command[1]} accepts this broken file", file=sys.stderr)
        checked += 1

    print(f"{checked} files checked against schema/: {failures} problems")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
