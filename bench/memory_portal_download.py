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
import time

import peer_runs  # first: tests/ on the path, SEALPOST_BINARY
from peer_runs import MB

import large_message_test as lm
from smtp_testlib import DevServer


def one(att_mb):
    """Measures one download with SEALPOST_BINARY; prints a JSON line."""
    # base64 in 76-character lines with CRLF, plus the headers.
    size = int(att_mb * MB * 4 / 3 * 78 / 76) + 4096
    server = DevServer(env={
        "SEALPOST_SMTP_MAX_MESSAGE_BYTES": str(size + 8 * MB)})
    try:
        msg_id, want_len, want_sum = lm.protect_for_the_portal(
            server, size, 1200)
        s = lm.portal_reader(server, msg_id, "carol@partner.example")
        page = s.get(server.url + "/m/" + msg_id, timeout=600)
        link = re.search(r'href="(/m/%s/part/\d+)"' % msg_id, page.text)
        time.sleep(2.0)
        load = os.getloadavg()[0]
        started = time.time()
        digest, got = hashlib.sha256(), 0
        with lm.PeakRss(server.proc.pid) as rss:
            with s.get(server.url + link.group(1), stream=True,
                       timeout=1200) as r:
                assert r.status_code == 200, r.status_code
                for chunk in r.iter_content(1 << 20):
                    digest.update(chunk)
                    got += len(chunk)
        seconds = time.time() - started
        assert got == want_len and digest.hexdigest() == want_sum, \
            "download differs: %d of %d bytes" % (got, want_len)
        print(json.dumps({"mb": att_mb, "bytes": got,
                          "growth_mb": rss.growth_mb,
                          "before_mb": rss.before_kb / 1024, "seconds": seconds,
                          "load_start": load,
                          "load_end": os.getloadavg()[0]}))
    finally:
        server.stop()


def main():
    peer_runs.main(
        __file__, one,
        ["| attachment | build | RSS growth | growth / size | download s |"
         " load avg (start, end) |", "|---|---|---|---|---|---|"],
        lambda mb, label, m: (
            "| %g MB | %s | %.1f MB | %.2f | %.1f | %.2f, %.2f |" % (
                mb, label, m["growth_mb"], m["growth_mb"] / mb,
                m["seconds"], m["load_start"], m["load_end"])))


if __name__ == "__main__":
    main()
