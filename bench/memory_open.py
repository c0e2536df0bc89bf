#!/usr/bin/env python3
"""Memory of `sealpost open` (issue 14): the peak resident memory of the
CLI (GNU time's %M) opening the wrapper of one N MB protected message
(`[encrypt]` to an internal recipient, so the wrapper carries
message.sealed) into a file with --out, checked byte for byte. Each size
on a fresh `sealpost server -dev`; with --peer BINARY another build (server
and CLI) in the same run. Not a timed test.

Usage: bench/memory_open.py [--peer BINARY] [MB ...]   (default 50 100)
       (SEALPOST_BINARY: default build/sealpost)
"""

import hashlib
import json
import os
import smtplib
import subprocess
import tempfile
import time

import peer_runs  # first: tests/ on the path, SEALPOST_BINARY
from peer_runs import MB

import large_message_test as lm
from smtp_testlib import DevServer, wait_for, unique


def one(mb):
    size = int(mb * MB)
    server = DevServer(env={
        "SEALPOST_SMTP_MAX_MESSAGE_BYTES": str(size + 8 * MB)})
    out_dir = tempfile.TemporaryDirectory()
    try:
        tag = unique()
        raw = lm.large_message(tag, size).replace(
            b", carol@partner.example", b"")
        want = hashlib.sha256(raw).hexdigest()
        with smtplib.SMTP(server.smtp_host, server.smtp_port,
                          timeout=1200) as c:
            c.sendmail("alice@example.com", ["bob@example.com"], raw)
        del raw

        def wrapper():
            for p in server.mailbox_files():
                if tag.encode() in lm.head_of(p):
                    return p
            return None
        path = wait_for(wrapper, timeout=1200, interval=0.5)
        assert path, server.read_log()[-3000:]
        out = os.path.join(out_dir.name, "original.eml")
        env = dict(os.environ, SEALPOST_ADDR=server.url,
                   SEALPOST_CACERT=server.ca_cert,
                   SEALPOST_USER="bob@example.com",
                   SEALPOST_PASSWORD=server.passwords()["bob@example.com"])
        env.pop("SEALPOST_TOKEN", None)
        load = os.getloadavg()[0]
        started = time.time()
        r = subprocess.run(["/usr/bin/time", "-f", "maxrss=%M",
                            os.environ["SEALPOST_BINARY"], "open", path,
                            "--out", out], env=env, capture_output=True,
                           text=True, timeout=1200)
        seconds = time.time() - started
        assert r.returncode == 0, r.stderr[-2000:]
        with open(out, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == want
        rss_kb = int(r.stderr.rsplit("maxrss=", 1)[1].split()[0])
        print(json.dumps({"mb": mb, "maxrss_mb": rss_kb / 1024,
                          "wrapper_mb": os.path.getsize(path) / MB,
                          "seconds": seconds, "load_start": load,
                          "load_end": os.getloadavg()[0]}))
    finally:
        server.stop()
        out_dir.cleanup()


def main():
    peer_runs.main(
        __file__, one,
        ["| message | build | wrapper | CLI peak RSS | open s |"
         " load avg (start, end) |", "|---|---|---|---|---|---|"],
        lambda mb, label, m: (
            "| %g MB | %s | %.1f MB | %.1f MB | %.1f | %.2f, %.2f |" % (
                mb, label, m["wrapper_mb"], m["maxrss_mb"], m["seconds"],
                m["load_start"], m["load_end"])))


if __name__ == "__main__":
    main()
