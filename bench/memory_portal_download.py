#!/usr/bin/env python3
"""Memory of a portal attachment download (issue 14): the growth of the
server's resident memory (VmRSS sampled every 50 ms, minus VmRSS just before
the download) while the external recipient of a protected message (one
internal and one external recipient, `[encrypt]`), signed in with a
one-time passcode, downloads its one attachment of N MB (decoded) from the
portal. Each size on a fresh `sealpost server -dev`. With --peer BINARY the
same run measures another build beside it (main before streaming, say),
so the two are compared under the same load. Not a timed test.

Usage: bench/memory_portal_download.py [--peer BINARY] [MB ...]
       (default 50 100; SEALPOST_BINARY: default build/sealpost)
"""

import hashlib
import json
import os
import re
import smtplib
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
os.environ.setdefault("SEALPOST_BINARY", os.path.join(ROOT, "build",
                                                      "sealpost"))

import large_message_test as lm  # noqa: E402
from smtp_testlib import DevServer, wait_for, unique  # noqa: E402

MB = 1024 * 1024


def one(att_mb):
    """Measures one download with SEALPOST_BINARY; prints a JSON line."""
    # base64 in 76-character lines with CRLF, plus the headers.
    size = int(att_mb * MB * 4 / 3 * 78 / 76) + 4096
    server = DevServer(env={
        "SEALPOST_SMTP_MAX_MESSAGE_BYTES": str(size + 8 * MB)})
    try:
        server.cli("irm", "set", "--DecryptAttachmentForEncryptOnly", "True",
                   check=True)
        tag = unique()
        raw = lm.large_message(tag, size)
        want = lm.attachment_of(raw)
        want_len, want_sum = len(want), hashlib.sha256(want).hexdigest()
        del want
        with smtplib.SMTP(server.smtp_host, server.smtp_port,
                          timeout=1200) as c:
            c.sendmail("alice@example.com",
                       ["bob@example.com", "carol@partner.example"], raw)
        del raw

        def external():
            for p in server.mailbox_files():
                head = lm.head_of(p)
                if tag.encode() in head and \
                        b"Delivered-To: carol@partner.example" in head:
                    return head
            return None
        wrapper = wait_for(external, timeout=1200, interval=0.5)
        assert wrapper, server.read_log()[-3000:]
        msg_id = re.search(r"/m/([0-9a-f]{32})",
                           lm.text_of(wrapper)).group(1)
        s = lm.portal_reader(server, msg_id, "carol@partner.example")
        page = s.get(server.url + "/m/" + msg_id, timeout=600)
        link = re.search(r'href="(/m/%s/part/\d+)"' % msg_id, page.text)
        pid = server.proc.pid
        time.sleep(2.0)
        before = lm.status_kb(pid, "VmRSS")
        peak = [before]
        stop = [False]

        def sample():
            while not stop[0]:
                peak[0] = max(peak[0], lm.status_kb(pid, "VmRSS"))
                time.sleep(0.05)
        sampler = threading.Thread(target=sample)
        sampler.start()
        load = os.getloadavg()[0]
        started = time.time()
        digest, got = hashlib.sha256(), 0
        try:
            with s.get(server.url + link.group(1), stream=True,
                       timeout=1200) as r:
                assert r.status_code == 200, r.status_code
                for chunk in r.iter_content(1 << 20):
                    digest.update(chunk)
                    got += len(chunk)
        finally:
            stop[0] = True
            sampler.join()
        seconds = time.time() - started
        assert got == want_len and digest.hexdigest() == want_sum, \
            "download differs: %d of %d bytes" % (got, want_len)
        print(json.dumps({"mb": att_mb, "bytes": got,
                          "growth_mb": (peak[0] - before) / 1024,
                          "before_mb": before / 1024, "seconds": seconds,
                          "load_start": load,
                          "load_end": os.getloadavg()[0]}))
    finally:
        server.stop()


def main():
    args = sys.argv[1:]
    if args[:1] == ["--one"]:
        one(float(args[1]))
        return
    peer = None
    if args[:1] == ["--peer"]:
        peer, args = args[1], args[2:]
    sizes = [float(a) for a in args] or [50, 100]
    builds = [("this build", os.environ["SEALPOST_BINARY"])]
    if peer:
        builds.append(("peer", peer))
    print("| attachment | build | RSS growth | growth / size | download s |"
          " load avg (start, end) |")
    print("|---|---|---|---|---|---|")
    for mb in sizes:
        for label, binary in builds:
            r = subprocess.run(
                [sys.executable, os.path.abspath(__file__), "--one", str(mb)],
                env=dict(os.environ, SEALPOST_BINARY=binary),
                capture_output=True, text=True)
            lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
            if r.returncode != 0 or not lines:
                print("| %g MB | %s | failed: %s |" %
                      (mb, label, r.stderr.strip()[-300:]))
                continue
            m = json.loads(lines[-1])
            print("| %g MB | %s | %.1f MB | %.2f | %.1f | %.2f, %.2f |" %
                  (mb, label, m["growth_mb"], m["growth_mb"] / mb,
                   m["seconds"], m["load_start"], m["load_end"]), flush=True)


if __name__ == "__main__":
    main()
