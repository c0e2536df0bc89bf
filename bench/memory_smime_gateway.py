#!/usr/bin/env python3
"""Memory for large S/MIME mail through the gateway (issue 14): the growth
of the server's peak resident memory (VmHWM) while one message of 10 and
50 MB from alice@example.com to a partner whose certificate is on file
(`[encrypt]` in the subject) becomes an S/MIME copy, encrypted (and, with
--sign, signed first by Alice's key on file under a sign rule), each size on
a fresh `sealpost server -dev`. --signed-only: to a recipient without a
certificate under a sign rule instead, who gets the message signed only
(not encrypted). --baseline BINARY runs the same with that binary first, in
the same run (e.g. main's build/sealpost). Not a timed test.
Usage: bench/memory_smime_gateway.py [--baseline BINARY] [--sign |
       --signed-only] [MB ...]
"""

import os
import smtplib
import time

import peer_runs  # first: tests/ on the path, SEALPOST_BINARY
from peer_runs import MB, binaries, status_kb
from usage import check_args

import smtp_testlib
from smtp_testlib import DevServer, SmtpSink, wait_for
from memory_large_message import message, sink_count
from smime_test import Pki


def growth(size, binary, pki, sign, signed_only):
    sink = SmtpSink()
    smtp_testlib.BINARY = binary
    server = DevServer(
        args=["--next-hop", "127.0.0.1:%d" % sink.port],
        env={"SEALPOST_SMTP_MAX_MESSAGE_BYTES": str(200 * MB)})
    try:
        pki.load(server.cli, ("carol",))
        if sign or signed_only:
            server.cli("rule", "new", "sign-partner", "--if",
                       "recipient-domain=partner.example", "--sign",
                       check=True)
        rcpt = ("dana@partner.example" if signed_only
                else "carol@partner.example")
        pid = server.proc.pid
        time.sleep(1.0)
        before = status_kb(pid, "VmRSS")
        marker = os.urandom(8).hex()
        raw = message(size, marker)
        if signed_only:
            raw = raw.replace(b"[encrypt]", b"", 1)
        with smtplib.SMTP(server.smtp_host, server.smtp_port,
                          timeout=600) as c:
            c.sendmail("alice@example.com", [rcpt], raw)
        ok = wait_for(lambda: sink_count(sink, marker) >= 1, timeout=600,
                      interval=0.5)
        time.sleep(1.0)
        peak = status_kb(pid, "VmHWM")
        smime = False
        with open(sink.dump, "rb") as f:
            got = f.read()
            smime = (b"application/pkcs7-signature" in got or
                     b"signed-data" in got) if signed_only else (
                         b"application/pkcs7-mime" in got)
        return (peak - before) / 1024, bool(ok), smime
    finally:
        server.stop()
        sink.cleanup()


def main():
    args = check_args(__doc__, flags=("--sign", "--signed-only"),
                      options=("--baseline",), words=True)
    sign = args.flag("--sign")
    signed_only = args.flag("--signed-only")
    sizes = [int(a) for a in args.words] or [10, 50]
    pki = Pki()
    pki.leaf("carol", "carol@partner.example")
    pki.leaf("zed", "zed@partner.example")
    pki.leaf("alice", "alice@example.com")
    pki.pkcs12("alice")
    pki.revoke("zed")
    builds = binaries(args)
    print("| Binary | Message | signed | peak RSS growth | growth / message "
          "| delivered as S/MIME%s |" % (" (signed only)" if signed_only
                                         else ""))
    print("|---|---|---|---|---|---|")
    for mb in sizes:
        for label, binary in builds:
            g, ok, smime = growth(mb * MB, binary, pki, sign, signed_only)
            print("| %s | %d MB | %s | %.0f MB | %.2f | %s |" % (
                label, mb, "yes" if sign or signed_only else "no", g, g / mb,
                "yes" if ok and smime else "NO"), flush=True)


if __name__ == "__main__":
    main()
