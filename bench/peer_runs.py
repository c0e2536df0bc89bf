"""The command line and the table of the memory benches that measure one
case per size in a process of its own (`SCRIPT --one SIZE`, which prints one
JSON line), for this build and optionally a peer build in the same run:

    SCRIPT [--peer BINARY] [SIZE_MB ...]
"""

import json
import os
import subprocess
import sys


def main(script, one, header, row, default_sizes=(50, 100)):
    """Runs `one(size)` when called as `--one SIZE`; otherwise, for each
    size and build, runs `script --one SIZE` in a fresh process and prints
    `row(size, label, measured)` under `header` (markdown table lines)."""
    args = sys.argv[1:]
    if args[:1] == ["--one"]:
        one(float(args[1]))
        return
    peer = None
    if args[:1] == ["--peer"]:
        peer, args = args[1], args[2:]
    sizes = [float(a) for a in args] or list(default_sizes)
    builds = [("this build", os.environ["SEALPOST_BINARY"])]
    if peer:
        builds.append(("peer", peer))
    for line in header:
        print(line)
    for mb in sizes:
        for label, binary in builds:
            r = subprocess.run(
                [sys.executable, os.path.abspath(script), "--one", str(mb)],
                env=dict(os.environ, SEALPOST_BINARY=binary),
                capture_output=True, text=True)
            lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
            if r.returncode != 0 or not lines:
                print("| %g MB | %s | failed: %s |" %
                      (mb, label, r.stderr.strip()[-300:]))
                continue
            print(row(mb, label, json.loads(lines[-1])), flush=True)
