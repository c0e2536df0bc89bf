"""What the memory benches share: imported first, it puts the tests'
helpers (tests/: smtp_testlib, large_message_test) on the path and makes
SEALPOST_BINARY default to build/sealpost; then a process's peak RSS read
and reset (/proc/PID/status, clear_refs), the binaries of a
`--baseline BINARY` run and the journal rule of a `--journal` run; then the
command line and the table of the benches that measure one case per size in
a process of its own (`SCRIPT --one SIZE`, which prints one JSON line), for
this build and optionally a peer build in the same run:

    SCRIPT [--peer BINARY] [SIZE_MB ...]
"""

import json
import os
import subprocess
import sys

from usage import check_args

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
os.environ.setdefault("SEALPOST_BINARY", os.path.join(ROOT, "build",
                                                      "sealpost"))

MB = 1024 * 1024


def status_kb(pid, field):
    """A field of /proc/PID/status in kB (VmRSS, VmHWM); 0 when absent
    or when the process is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def reset_peak(pid):
    """Sets process `pid`'s peak RSS (VmHWM) back to its current RSS
    (/proc/PID/clear_refs, Linux 4.0 and later), so that VmHWM read
    afterwards is the peak of what follows alone."""
    with open("/proc/%d/clear_refs" % pid, "w") as f:
        f.write("5")


def binaries(args):
    """The servers a bench runs each case on, as (label, absolute path):
    the `--baseline BINARY` that `args` (check_args's answer) holds, when
    given, first; then this build's (SEALPOST_BINARY)."""
    baseline = args.value("--baseline")
    return ([("baseline", os.path.abspath(baseline))] if baseline else []) \
        + [("this", os.path.abspath(os.environ["SEALPOST_BINARY"]))]


def add_journal_rule(server):
    """`--journal`: a journal rule on the DevServer `server` for every
    message, to journal@example.com, so that each message's envelope
    journal report (docs/compliance.md) is made and delivered too."""
    server.cli("journal", "rule", "new", "Bench", "--journal-address",
               "journal@example.com", check=True)


def main(script, one, header, row, default_sizes=(50, 100)):
    """Runs `one(size)` when called as `--one SIZE`; otherwise, for each
    size and build, runs `script --one SIZE` in a fresh process and prints
    `row(size, label, measured)` under `header` (markdown table lines)."""
    args = sys.argv[1:]
    if args[:1] == ["--one"]:
        one(float(args[1]))
        return
    parsed = check_args(sys.modules["__main__"].__doc__, options=("--peer",),
                        words=True)
    peer = parsed.value("--peer")
    sizes = [float(a) for a in parsed.words] or list(default_sizes)
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
