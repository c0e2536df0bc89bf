#!/usr/bin/env python3
"""Memory for large S/MIME mail from outside (issue 14): the growth of the
server's peak resident memory (VmHWM) while one message of 10 and 50 MB
from bob@partner.example (outside; his CA is trusted, so the gateway checks
his signature) to alice@example.com passes through a fresh `sealpost server
-dev` per size and kind. What anyone on the internet can send:

  clear      multipart/signed (openssl cms -sign), checked and stamped
  opaque     application/pkcs7-mime; smime-type=signed-data (-nodetach)
  enveloped  application/pkcs7-mime enveloped-data (to a partner's
             certificate): claims protection, delivered as it is
  wrapper    a plain message with a forged X-Sealpost-Protected field
             naming key version 1 (which exists), so the gateway hashes
             the body from the spool before the seal fails to verify
  decrypted  application/pkcs7-mime enveloped-data to Alice's certificate,
             with smime.decrypt_inbound on and her key on file: the
             gateway decrypts it and delivers it to her in clear
  enveloped-qp, decrypted-qp
             the same with the EnvelopedData in quoted-printable (every
             line break and byte outside the printable ones as =XX): its
             verdict and its decryption read the body decoded as GMime
             decodes it (was: read whole)

The last column is the X-Sealpost-Smime stamp the recipient got (signed
kinds), "decrypted" or "NOT decrypted" (decrypted), or "-". --baseline BINARY runs the same with that binary first, in
the same run (e.g. main's build/sealpost). --journal enables a journal
rule (every message, to journal@example.com) on each server first: the
message's envelope journal report (docs/compliance.md) is made too. Not a
timed test.
Usage: bench/memory_inbound_smime.py [--baseline BINARY] [--journal]
       [--kinds clear,opaque,enveloped,wrapper,decrypted,enveloped-qp,
       decrypted-qp] [MB ...]
       (default 10 50)
"""

import binascii
import os
import smtplib
import subprocess
import sys
import time

import peer_runs  # first: tests/ on the path, SEALPOST_BINARY
from peer_runs import MB, add_journal_rule, binaries, status_kb
from usage import check_args

import smtp_testlib
from smtp_testlib import DevServer, SmtpSink, wait_for
from memory_large_message import sink_count
from smime_test import Pki

KINDS = ("clear", "opaque", "enveloped", "wrapper", "decrypted",
         "enveloped-qp", "decrypted-qp")


def entity(size, marker):
    """A MIME entity of about `size`: a text part and a base64 attachment."""
    head = ("Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n"
            "Content-Type: text/plain\r\n\r\nLarge inbound " + marker +
            "\r\n--b1\r\nContent-Type: application/octet-stream\r\n"
            "Content-Transfer-Encoding: base64\r\nContent-Disposition: "
            "attachment; filename=\"data.bin\"\r\n\r\n").encode()
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU2Nzg5YWJjZGVmZ2hpamts" \
        b"bW5vcHFyc3R1dnd4eXo=\r\n"
    return head + line * ((size - len(head)) // len(line)) + b"--b1--\r\n"


def make(kind, size, marker, pki):
    path = pki.path("entity-" + marker)
    with open(path, "wb") as f:
        f.write(entity(size, marker))
    subject = "inbound " + marker
    out = pki.path("msg-" + marker)
    common = ["-in", path, "-out", out, "-from", "bob@partner.example",
              "-to", "alice@example.com", "-subject", subject]
    if kind == "wrapper":
        with open(out, "wb") as f:
            f.write(("From: bob@partner.example\r\nTo: alice@example.com\r\n"
                     "Subject: " + subject + "\r\nX-Sealpost-Protected: "
                     "v1; id=forged; template=Encrypt; k=1; seal=QUFBQQ==\r\n"
                     "MIME-Version: 1.0\r\n"
                     ).encode() + entity(size, marker))
    elif kind.endswith("-qp"):
        to = "alice.pem" if kind.startswith("decrypted") else "carol.pem"
        subprocess.run(["openssl", "cms", "-encrypt", "-binary", "-aes256",
                        "-outform", "DER", "-in", path, "-out", out,
                        pki.path(to)], check=True)
        with open(out, "rb") as f:
            der = f.read()
        # istext=False: CR and LF as =0D and =0A, the only line breaks
        # the soft ones (the last too: a hard one would be content).
        qp = binascii.b2a_qp(der, quotetabs=True, istext=False)
        with open(out, "wb") as f:
            f.write(("From: bob@partner.example\r\nTo: alice@example.com\r\n"
                     "Subject: " + subject + "\r\nMIME-Version: 1.0\r\n"
                     "Content-Type: application/pkcs7-mime; "
                     "smime-type=enveloped-data; name=smime.p7m\r\n"
                     "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                     ).encode() + qp.replace(b"\n", b"\r\n") + b"=\r\n")
    elif kind in ("enveloped", "decrypted"):
        to = "alice.pem" if kind == "decrypted" else "carol.pem"
        subprocess.run(["openssl", "cms", "-encrypt", "-binary", "-aes256"] +
                       common + [pki.path(to)], check=True)
    else:
        subprocess.run(["openssl", "cms", "-sign", "-binary", "-signer",
                        pki.path("bob.pem"), "-inkey", pki.path("bob.key")] +
                       (["-nodetach"] if kind == "opaque" else []) + common,
                       check=True)
    with open(out, "rb") as f:
        raw = f.read()
    os.unlink(path)
    os.unlink(out)
    if kind != "wrapper" and not kind.endswith("-qp"):
        # openssl's own lines end in LF; the signed bytes keep CRLF.
        raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return raw


def stamp(dump, marker, kind):
    with open(dump, "rb") as f:
        data = f.read()
    if kind.startswith("decrypted"):
        clear = ("Large inbound " + marker).encode() in data
        return "decrypted" if clear else "NOT decrypted"
    # The stamp in front of the marker in the recipient's copy; a journal
    # report (--journal) names the marker too, with no stamp before it.
    at = data.find(marker.encode())
    start = data.rfind(b"X-Sealpost-Smime:", 0, at)
    while start < 0 and at >= 0:
        at = data.find(marker.encode(), at + 1)
        start = data.rfind(b"X-Sealpost-Smime:", 0, at)
    if start < 0 or at < 0:
        return "-"
    end = data.find(b"\n", start)
    return data[start + 18:end].decode(errors="replace").strip()[:60]


def growth(raw, marker, binary, pki, kind, journal=False):
    sink = SmtpSink()
    smtp_testlib.BINARY = binary
    env = {"SEALPOST_SMTP_MAX_MESSAGE_BYTES": str(200 * MB)}
    if kind.startswith("decrypted"):
        env["SEALPOST_SMIME_DECRYPT_INBOUND"] = "true"
    server = DevServer(
        args=["--next-hop", "127.0.0.1:%d" % sink.port], env=env)
    try:
        pki.load(server.cli, ("carol", "bob"))
        if journal:
            add_journal_rule(server)
        pid = server.proc.pid
        time.sleep(1.0)
        before = status_kb(pid, "VmRSS")
        with smtplib.SMTP(server.smtp_host, server.smtp_port,
                          timeout=600) as c:
            c.sendmail("bob@partner.example", ["alice@example.com"], raw)
        # With --journal, the report too (it names the marker as well).
        ok = wait_for(lambda: sink_count(sink, marker) >= (2 if journal
                                                            else 1),
                      timeout=600, interval=0.5)
        time.sleep(1.0)
        peak = status_kb(pid, "VmHWM")
        return ((peak - before) / 1024, bool(ok),
                stamp(sink.dump, marker, kind))
    finally:
        server.stop()
        sink.cleanup()


def main():
    args = check_args(__doc__, flags=("--journal",),
                      options=("--baseline", "--kinds"), words=True)
    journal = args.flag("--journal")
    kinds = KINDS
    if args.value("--kinds") is not None:
        kinds = args.value("--kinds").split(",")
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            sys.exit("bench/memory_inbound_smime.py: unknown kind %s "
                     "(kinds: %s)" % (", ".join(unknown), ",".join(KINDS)))
    sizes = [int(a) for a in args.words] or [10, 50]
    pki = Pki()
    pki.leaf("bob", "bob@partner.example")
    pki.leaf("carol", "carol@partner.example")
    pki.leaf("alice", "alice@example.com")
    pki.pkcs12("alice")
    pki.revoke("carol")  # a CRL to load; carol only receives
    builds = binaries(args)
    print("| Kind | Message | Binary | peak RSS growth | growth / message "
          "| delivered | stamp |")
    print("|---|---|---|---|---|---|---|")
    for kind in kinds:
        for mb in sizes:
            marker = os.urandom(8).hex()
            raw = make(kind, mb * MB, marker, pki)
            for label, binary in builds:
                g, ok, st = growth(raw, marker, binary, pki, kind, journal)
                name = kind + (" (journal rule)" if journal else "")
                print("| %s | %d MB | %s | %.0f MB | %.2f | %s | %s |" % (
                    name, mb, label, g, g / mb, "yes" if ok else "NO", st),
                    flush=True)


if __name__ == "__main__":
    main()
