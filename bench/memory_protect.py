#!/usr/bin/env python3
"""Memory of `sealpost protect` and of `sealpost open` from a pipe (issue
14), one N MB message per size on a fresh `sealpost server -dev`:

- protect: the CLI's peak resident memory (GNU time's %M) protecting the
  message file into --out (template Encrypt, to bob), and how much the
  server's peak resident memory (VmHWM) grew over the request;
- open from a pipe: the CLI's peak RSS for `cat WRAPPER | sealpost open -
  --out FILE`, checked byte for byte.

With SEALPOST_BENCH_SMIME=1, `protect --smime` to bob (a throw-away CA's
certificate on file) instead, checked with `openssl cms -decrypt` (the
body byte for byte) in place of the open. With --peer BINARY another build
(server and CLI) in the same run. A size the build refuses is shown with
its error. Not a timed test.

Usage: bench/memory_protect.py [--peer BINARY] [MB ...]   (default 10 50 100)
       (SEALPOST_BINARY: default build/sealpost)
"""

import hashlib
import json
import os
import subprocess
import tempfile
import time

import peer_runs  # first: tests/ on the path, SEALPOST_BINARY
from peer_runs import MB, reset_peak, status_kb

import large_message_test as lm
from smtp_testlib import DevServer, unique

SMIME = os.environ.get("SEALPOST_BENCH_SMIME") == "1"


def smime_for_bob(server):
    """A throw-away CA, trusted, and bob's certificate on file: the Pki of
    tests/smime_test.py (imported here only: it needs openssl)."""
    from smime_test import Pki
    pki = Pki()
    pki.leaf("bob", "bob@example.com")
    server.cli("cert", "trust", "import", pki.path("ca.pem"), check=True)
    server.cli("cert", "import", pki.path("bob.pem"), check=True)
    return pki


def timed(binary, args, env, stdin=None):
    """Runs `binary ARGS` under GNU time: (result, peak RSS MB, seconds)."""
    started = time.time()
    r = subprocess.run(["/usr/bin/time", "-f", "maxrss=%M", binary] + args,
                       env=env, stdin=stdin, capture_output=True, text=True,
                       timeout=1800)
    seconds = time.time() - started
    rss = None
    if "maxrss=" in r.stderr:
        rss = int(r.stderr.rsplit("maxrss=", 1)[1].split()[0]) / 1024
    return r, rss, seconds


def one(mb):
    binary = os.environ["SEALPOST_BINARY"]
    size = int(mb * MB)
    server = DevServer()
    work = tempfile.TemporaryDirectory()
    try:
        raw = lm.large_message(unique(), size)
        want = hashlib.sha256(raw).hexdigest()
        src = os.path.join(work.name, "message.eml")
        with open(src, "wb") as f:
            f.write(raw)
        del raw

        def env_of(user):
            env = dict(os.environ, SEALPOST_ADDR=server.url,
                       SEALPOST_CACERT=server.ca_cert, SEALPOST_USER=user,
                       SEALPOST_PASSWORD=server.passwords()[user])
            env.pop("SEALPOST_TOKEN", None)
            return env
        pid = server.proc.pid
        reset_peak(pid)  # VmHWM afterwards: this request's peak
        rss_before = status_kb(pid, "VmRSS") / 1024
        load = os.getloadavg()[0]
        wrapper = os.path.join(work.name, "wrapper.eml")
        how = ["--template", "Encrypt"]
        if SMIME:
            pki = smime_for_bob(server)
            how = ["--smime"]
            reset_peak(pid)
            rss_before = status_kb(pid, "VmRSS") / 1024
        r, protect_rss, protect_s = timed(
            binary, ["protect", src] + how + ["--to", "bob@example.com",
                                              "--out", wrapper],
            env_of("alice@example.com"))
        server_peak = status_kb(pid, "VmHWM") / 1024
        m = {"mb": mb, "load_start": load, "server_rss_before": rss_before,
             "server_growth": server_peak - rss_before}
        if r.returncode != 0:
            m["error"] = r.stderr.rsplit("maxrss=", 1)[0].strip()[-160:]
            m["load_end"] = os.getloadavg()[0]
            print(json.dumps(m))
            return
        m.update({"protect_rss": protect_rss, "protect_s": protect_s,
                  "wrapper_mb": os.path.getsize(wrapper) / MB})
        out = os.path.join(work.name, "opened.eml")
        if SMIME:
            r, open_rss, open_s = timed(
                "openssl", ["cms", "-decrypt", "-binary", "-in", wrapper,
                            "-recip", pki.path("bob.pem"), "-inkey",
                            pki.path("bob.key"), "-out", out], os.environ)
            assert r.returncode == 0, r.stderr[-2000:]
            with open(src, "rb") as f:
                body = f.read().split(b"\r\n\r\n", 1)[1]
            with open(out, "rb") as f:
                assert f.read().split(b"\r\n\r\n", 1)[1] == body
            m.update({"open_rss": open_rss, "open_s": open_s,
                      "load_end": os.getloadavg()[0]})
            print(json.dumps(m))
            return
        cat = subprocess.Popen(["cat", wrapper], stdout=subprocess.PIPE)
        r, open_rss, open_s = timed(binary, ["open", "-", "--out", out],
                                    env_of("bob@example.com"),
                                    stdin=cat.stdout)
        cat.stdout.close()
        cat.wait()
        assert r.returncode == 0, r.stderr[-2000:]
        with open(out, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == want
        m.update({"open_rss": open_rss, "open_s": open_s,
                  "load_end": os.getloadavg()[0]})
        print(json.dumps(m))
    finally:
        server.stop()
        work.cleanup()


def row(mb, label, m):
    if "error" in m:
        return ("| %g MB | %s | refused: %s | server +%.0f MB | | | "
                "%.2f, %.2f |" % (mb, label, m["error"].replace("|", "/"),
                                  m["server_growth"], m["load_start"],
                                  m["load_end"]))
    return ("| %g MB | %s | %.1f MB in %.1f s | server +%.0f MB | "
            "%.1f MB | %.1f MB in %.1f s | %.2f, %.2f |" % (
                mb, label, m["protect_rss"], m["protect_s"],
                m["server_growth"], m["wrapper_mb"], m["open_rss"],
                m["open_s"], m["load_start"], m["load_end"]))


def main():
    peer_runs.main(
        __file__, one,
        ["| message | build | protect: CLI peak RSS | server peak RSS growth"
         " | wrapper | open from a pipe: CLI peak RSS | load avg (start, end)"
         " |", "|---|---|---|---|---|---|---|"],
        row, default_sizes=(10, 50, 100))


if __name__ == "__main__":
    main()
