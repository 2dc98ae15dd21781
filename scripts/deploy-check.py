#!/usr/bin/env python3
"""Checks the deployment files in deploy/ as far as this machine allows (no image can be pulled or run here):
Kubernetes manifests against Kubernetes' schemas (kubernetes-validate, strict), the Compose file against the
Compose specification (check-jsonschema), nginx's configuration with `nginx -t`, the systemd unit with
`systemd-analyze verify`, the Dockerfile's build step against scripts/release-build.sh, and every `serve` flag the
files pass against `crisp-bridge serve --help`.

Usage: scripts/deploy-check.py path/to/crisp-bridge
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEPLOY = os.path.join(ROOT, "deploy")
problems = []


def run(what, command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        problems.append(f"{what}: {' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    return result


def serve_flags(binary):
    text = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True, check=True).stdout
    return set(re.findall(r"--[a-z][a-z0-9-]*", text))


def check_flags(where, args, known):
    if "serve" not in args:
        problems.append(f"{where}: does not run `crisp-bridge serve` ({args})")
        return
    for arg in args[args.index("serve") + 1:]:
        flag = arg.split("=", 1)[0]
        if flag.startswith("--") and flag not in known:
            problems.append(f"{where}: `serve` has no option {flag} (crisp-bridge serve --help)")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    known = serve_flags(binary)
    manifests = sorted(
        os.path.join(DEPLOY, "kubernetes", name)
        for name in os.listdir(os.path.join(DEPLOY, "kubernetes"))
        if name.endswith(".yaml"))
    run("kubernetes", ["kubernetes-validate", "--strict", "-k", "1.30.0", *manifests])
    for path in manifests:
        for document in yaml.safe_load_all(open(path)):
            if document and document.get("kind") == "Deployment":
                spec = document["spec"]["template"]["spec"]
                for container in spec["containers"]:
                    check_flags(f"{path}: {container['name']}", container.get("args", []), known)
                grace = spec.get("terminationGracePeriodSeconds", 30)
                args = spec["containers"][0].get("args", [])
                drain = float(args[args.index("--drain-delay") + 1]) if "--drain-delay" in args else 5
                timeout = float(args[args.index("--shutdown-timeout") + 1]) if "--shutdown-timeout" in args else 20
                if drain + timeout >= grace:
                    problems.append(
                        f"{path}: --drain-delay {drain} + --shutdown-timeout {timeout} is not under the grace period {grace}")

    compose = os.path.join(DEPLOY, "docker-compose.yml")
    run("compose", ["check-jsonschema", "--builtin-schema", "vendor.compose-spec", compose])
    for name, service in yaml.safe_load(open(compose))["services"].items():
        if service.get("image") == "crisp-bridge" or "<<" in service:
            command = service.get("command")
            if command:
                check_flags(f"{compose}: {name}", command, known)

    # nginx: the upstreams are Compose's service names, unknown here: checked with local addresses instead.
    with tempfile.TemporaryDirectory() as scratch:
        text = open(os.path.join(DEPLOY, "nginx.conf")).read()
        text = re.sub(r"server bridge-(\d):8080", lambda m: f"server 127.0.0.1:{8079 + int(m.group(1))}", text)
        conf = os.path.join(scratch, "nginx.conf")
        open(conf, "w").write(text)
        run("nginx", ["nginx", "-t", "-c", conf, "-p", scratch, "-g", f"pid {scratch}/nginx.pid; error_log stderr;"])

        # systemd: the unit with this binary in place of /usr/local/bin/crisp-bridge.
        unit = open(os.path.join(DEPLOY, "crisp-bridge.service")).read()
        start = re.search(r"^ExecStart=(.*)$", unit, re.M).group(1)
        check_flags("deploy/crisp-bridge.service", shlex.split(start)[1:], known)
        unit = unit.replace("/usr/local/bin/crisp-bridge", os.path.abspath(binary))
        unit = unit.replace("EnvironmentFile=/", "EnvironmentFile=-/")
        path = os.path.join(scratch, "crisp-bridge.service")
        open(path, "w").write(unit)
        verified = run("systemd", ["systemd-analyze", "verify", path])
        # An unknown key or a bad value is only a warning to systemd-analyze: any word about the unit is a problem.
        said = [line for line in (verified.stdout + verified.stderr).splitlines() if path in line]
        if verified.returncode == 0 and said:
            problems.append("systemd: systemd-analyze verify deploy/crisp-bridge.service:\n" + "\n".join(said))

    dockerfile = open(os.path.join(DEPLOY, "Dockerfile")).read()
    if "RUN scripts/release-build.sh /staging" not in dockerfile:
        problems.append("deploy/Dockerfile: its build step is not scripts/release-build.sh")
    run("release build script", ["bash", "-n", os.path.join(ROOT, "scripts", "release-build.sh")])
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.M)
    entry = re.search(r'^ENTRYPOINT \["([^"]+)"\]$', dockerfile, re.M)
    if not cmd or not entry or not entry.group(1).endswith("crisp-bridge"):
        problems.append("deploy/Dockerfile: no ENTRYPOINT crisp-bridge with a CMD")
    else:
        check_flags("deploy/Dockerfile CMD", json.loads(cmd.group(1)), known)
    for needed in ["USER crisp-bridge", "HEALTHCHECK", "--static-swift-stdlib"]:
        source = dockerfile + open(os.path.join(ROOT, "scripts", "release-build.sh")).read()
        if needed not in source:
            problems.append(f"deploy/Dockerfile (or scripts/release-build.sh) lacks {needed}")

    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)
    print(f"deploy/: {len(manifests)} Kubernetes manifests, the Compose file, nginx.conf, the systemd unit and the "
          "Dockerfile checked: 0 problems")


main()
