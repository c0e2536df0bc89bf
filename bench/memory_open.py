#!/usr/bin/env python3
"""Memory of `sealpost open` (issue 14): the peak resident memory of the
CLI (GNU time's %M) opening the wrapper of one N MB protected message
(`[encrypt]` to an internal recipient, so the wrapper carries
message.sealed) into a file with --out, checked byte for byte. Each size
on a fresh `sealpost server -dev`; with --peer BINARY another build (server
and CLI) in the same run. Not a timed test.

With SEALPOST_BENCH_SMIME=1, S/MIME instead: an N MB entity encrypted
to bob by `openssl cms -encrypt -stream` (BER; bob's PKCS#12 on file),
opened by `sealpost open --out` (the server decrypts with bob's key), the
entity checked byte for byte; measured are the CLI's peak RSS and how
much the server's peak resident memory (VmHWM) grew over the request.
SEALPOST_BENCH_SMIME_CIPHER: openssl's cipher option (default -aes256;
-aes-256-gcm makes AuthEnvelopedData). SEALPOST_BENCH_SMIME_SIGNED=1:
the entity is first clear-signed by alice (`openssl cms -sign -binary
-stream`, multipart/signed), then encrypted: the usual client's
signed-and-encrypted mail; the open must say verified=yes.
SEALPOST_BENCH_SMIME_SIGNED=only: signed by alice, not encrypted;
=opaque: opaque-signed (`-nodetach`, signed-data in BER), then encrypted.

Usage: bench/memory_open.py [--peer BINARY] [MB ...]   (default 50 100)
       (SEALPOST_BINARY: default build/sealpost)
"""

import hashlib
import json
import os
import shutil
import smtplib
import subprocess
import tempfile
import time

import peer_runs  # first: tests/ on the path, SEALPOST_BINARY
from peer_runs import MB, reset_peak, status_kb

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


SMIME = os.environ.get("SEALPOST_BENCH_SMIME") == "1"


def one_smime(mb):
    from smime_test import PKCS12_PASSWORD, Pki, run
    size = int(mb * MB)
    server = DevServer()
    pki = Pki()
    try:
        pki.leaf("bob", "bob@example.com")
        pki.leaf("alice", "alice@example.com")
        pki.pkcs12("bob")
        with open(pki.path("p12.pass"), "w") as f:
            f.write(PKCS12_PASSWORD + "\n")
        server.cli("cert", "trust", "import", pki.path("ca.pem"), check=True)
        server.cli("cert", "import", pki.path("bob.p12"), "--password-file",
                   pki.path("p12.pass"), check=True)
        line = bytes(range(33, 127)) + b"\r\n"
        entity = (b"Content-Type: application/octet-stream\r\n\r\n" +
                  line * (size // len(line)))
        want = hashlib.sha256(entity).hexdigest()
        with open(pki.path("entity"), "wb") as f:
            f.write(entity)
        del entity
        cipher = os.environ.get("SEALPOST_BENCH_SMIME_CIPHER", "-aes256")
        signed = os.environ.get("SEALPOST_BENCH_SMIME_SIGNED", "")
        content = "entity"
        if signed:
            run(["openssl", "cms", "-sign", "-binary", "-stream", "-crlfeol",
                 *(["-nodetach"] if signed == "opaque" else []),
                 "-in", "entity", "-signer", "alice.pem", "-inkey",
                 "alice.key", "-from", "alice@example.com", "-to",
                 "bob@example.com", "-subject", "bench", "-out",
                 "mail.eml" if signed == "only" else "signed.eml"], pki.dir)
            content = "signed.eml"
        if signed != "only":
            run(["openssl", "cms", "-encrypt", "-stream", "-binary",
                 "-crlfeol", cipher, "-in", content, "-from",
                 "alice@example.com", "-to", "bob@example.com", "-subject",
                 "bench", "-out", "mail.eml", "bob.pem"], pki.dir)
        mail = pki.path("mail.eml")
        out = pki.path("opened.eml")
        env = dict(os.environ, SEALPOST_ADDR=server.url,
                   SEALPOST_CACERT=server.ca_cert,
                   SEALPOST_USER="bob@example.com",
                   SEALPOST_PASSWORD=server.passwords()["bob@example.com"])
        env.pop("SEALPOST_TOKEN", None)
        pid = server.proc.pid
        reset_peak(pid)  # VmHWM afterwards: this request's peak
        rss_before = status_kb(pid, "VmRSS") / 1024
        load = os.getloadavg()[0]
        started = time.time()
        r = subprocess.run(["/usr/bin/time", "-f", "maxrss=%M",
                            os.environ["SEALPOST_BINARY"], "open", mail,
                            "--out", out], env=env, capture_output=True,
                           text=True, timeout=1800)
        seconds = time.time() - started
        m = {"mb": mb, "mail_mb": os.path.getsize(mail) / MB,
             "server_growth": status_kb(pid, "VmHWM") / 1024 - rss_before,
             "seconds": seconds, "load_start": load,
             "load_end": os.getloadavg()[0]}
        rss_kb = int(r.stderr.rsplit("maxrss=", 1)[1].split()[0])
        m["maxrss_mb"] = rss_kb / 1024
        if r.returncode != 0:
            m["error"] = r.stderr.rsplit("maxrss=", 1)[0].strip()[-160:]
        else:
            with open(out, "rb") as f:
                opened = f.read()
            at = opened.index(b"MIME-Version: 1.0\r\n") + 19
            assert hashlib.sha256(opened[at:]).hexdigest() == want
            if signed:
                assert "verified=yes" in r.stderr, r.stderr[-300:]
        print(json.dumps(m))
    finally:
        server.stop()
        shutil.rmtree(pki.dir, ignore_errors=True)


def main():
    if SMIME:
        peer_runs.main(
            __file__, one_smime,
            ["| entity | build | mail | server peak growth | CLI peak RSS |"
             " open s | load avg (start, end) |",
             "|---|---|---|---|---|---|---|"],
            lambda mb, label, m: (
                "| %g MB | %s | %.1f MB | +%.0f MB | %.1f MB | %s | "
                "%.2f, %.2f |" % (
                    mb, label, m["mail_mb"], m["server_growth"],
                    m["maxrss_mb"],
                    ("refused: " + m["error"].replace("|", "/"))
                    if "error" in m else "%.1f" % m["seconds"],
                    m["load_start"], m["load_end"])),
            default_sizes=(10, 50))
        return
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
