#!/usr/bin/env python3
"""Memory for large messages (SPEC §5, issue 14): the growth of the server's
peak resident memory (VmHWM in /proc/PID/status) while one message of 1,
10 and 50 MB passes through `sealpost server -dev` with protection on (one
internal and one external recipient in one transaction, `[encrypt]` in the
subject), each size on a fresh server. Beside it, Postfix relaying the same
message to the same smtp-sink in the same run: the sum of the peak resident
memory of its processes, sampled while the message passes.

Growth: VmHWM once both copies are delivered, minus VmRSS before the
message was sent (the server idle after start), and that growth over the
message's size. The last row sends 10 messages of 10 MB at once (10
sessions), and its ratio is over one message. Not a timed test.

--postgres puts each server's store in a new database on a PostgreSQL 15
of the bench's own (tests/pg_testlib.py: initdb and pg_ctl in a temporary
directory), where large bodies are chunks (docs/architecture.md, Store).
--baseline BINARY runs every size with that binary too, before this one,
in the same run (e.g. main's build/sealpost beside a branch's).
--journal enables a journal rule (every message, to journal@example.com)
on each server before the message is sent: its envelope journal report
(docs/compliance.md) is delivered too, and counted as delivered.
--inspect measures transport decryption for inspection instead (issue 14,
TransportDecryptionSetting Optional): the message goes to the internal
recipient only, and its wrapper (with its container) is taken from the
sink and sent in again from outside; a rule on a word of the body only
marks the copy that was inspected, which is what counts as delivered. The
growth is measured from just before the wrapper is sent (the peak reset
through /proc/PID/clear_refs), so it is the inspection's alone; its
"accepted in" is the whole step (the first message, the settings, the
wrapper sent back and delivered, and 2.5 s of waits). One message at a
time (no 10 x 10 MB row), and not with --journal (the report would reach
the sink beside the wrapper).
--remove measures a mail flow rule's remove-protection instead, the same
way: the wrapper sent back in from outside to the internal recipient,
whom a rule (recipient-scope=InOrganization --remove-protection) gives the
original, which is what counts as delivered. TransportDecryptionSetting
stays at its default (Optional), so the wrapper is inspected too, as it
would be on a server with such a rule.
Usage: bench/memory_large_message.py [--postgres] [--baseline BINARY]
       [--journal] [--inspect | --remove] [--no-postfix] [MB ...]
       (default 1 10 50,
       then 10 concurrent 10 MB; --no-postfix leaves Postfix out)
       (SEALPOST_BINARY: default build/sealpost)
"""

import os
import smtplib
import subprocess
import threading
import time

import peer_runs  # first: tests/ on the path, SEALPOST_BINARY
from peer_runs import (MB, add_journal_rule, binaries, reset_peak,
                       status_kb)
from usage import check_args, refuse

import smtp_testlib
from smtp_testlib import (DevServer, SmtpSink, run_together,
                          wait_for)


def message(size, marker, word=""):
    """RFC 5322 bytes of about `size`: a text part (with `word`) and a
    base64 attachment, the shape of real large mail."""
    head = ("From: alice@example.com\r\nTo: bob@example.com, "
            "carol@partner.example\r\nSubject: [encrypt] large " + marker +
            "\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
            "boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\n"
            "Large message " + marker + " " + word + "\r\n--b1\r\n"
            "Content-Type: "
            "application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
            "Content-Disposition: attachment; filename=\"data.bin\"\r\n\r\n"
            ).encode()
    line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU2Nzg5YWJjZGVmZ2hpamts" \
        b"bW5vcHFyc3R1dnd4eXo=\r\n"
    body = line * ((size - len(head)) // len(line))
    return head + body + b"--b1--\r\n"


def sink_count(sink, needle):
    try:
        with open(sink.dump, "rb") as f:
            return f.read().count(needle.encode())
    except OSError:
        return 0


def sink_wrapper(sink):
    """The one message in the sink's dump (which smtp-sink writes with LF
    line ends), CRLF again, without the fields smtp-sink puts in front of
    it (X-Client-*, X-Helo-Args, X-Mail-Args, X-Rcpt-Args)."""
    with open(sink.dump, "rb") as f:
        lines = f.read().split(b"\n")
    while lines and lines[0].split(b":")[0] in (
            b"X-Client-Addr", b"X-Client-Proto", b"X-Helo-Args",
            b"X-Mail-Args", b"X-Rcpt-Args"):
        lines.pop(0)
    return b"\r\n".join(lines)


def wrapper_growth(server, sink, size, remove):
    """--inspect (--remove): the peak RSS growth (MB) of the server while
    the wrapper of a `size` message comes back in and is inspected (its
    protection removed for its internal recipient), and whether the
    inspected copy (the original) was delivered."""
    pid = server.proc.pid
    marker, word = os.urandom(8).hex(), "w" + os.urandom(8).hex()
    if not remove:
        server.cli("irm", "set", "--TransportDecryptionSetting", "Optional",
                   check=True)
        server.cli("rule", "new", "Bench inspect", "--if",
                   "subject-or-body-contains=" + word, "--add-header",
                   "X-Bench-Inspected: " + marker, check=True)
    with smtplib.SMTP(server.smtp_host, server.smtp_port, timeout=600) as c:
        c.sendmail("alice@example.com", ["bob@example.com"],
                   message(size, marker, word))
    if not wait_for(lambda: sink_count(sink, marker) >= 1, timeout=600,
                    interval=0.5):
        return 0.0, False
    time.sleep(1.0)
    wrapper = sink_wrapper(sink)
    if b"vnd.sealpost.sealed" not in wrapper or word.encode() in wrapper:
        raise RuntimeError("no wrapper with its container at the sink")
    if remove:
        # Made now: the first message is no wrapper yet.
        server.cli("rule", "new", "Bench remove", "--if",
                   "recipient-scope=InOrganization", "--remove-protection",
                   check=True)
    reset_peak(pid)  # VmHWM := VmRSS
    time.sleep(0.5)
    before = status_kb(pid, "VmRSS")
    with smtplib.SMTP(server.smtp_host, server.smtp_port, timeout=600) as c:
        c.sendmail("mallory@evil.test", ["bob@example.com"], wrapper)
    del wrapper
    # The original carries the word; the wrapper does not.
    needle = word if remove else "X-Bench-Inspected: " + marker
    delivered = wait_for(lambda: sink_count(sink, needle) >= 1,
                         timeout=600, interval=0.5)
    time.sleep(1.0)
    return (status_kb(pid, "VmHWM") - before) / 1024, bool(delivered)


def sealpost_growth(size, concurrent=1, binary=None, store_url=None,
                    journal=False, inspect=False, remove=False):
    sink = SmtpSink()
    if binary:
        smtp_testlib.BINARY = binary
    args = ["--next-hop", "127.0.0.1:%d" % sink.port]
    if store_url:
        args += ["--store-url", store_url]
    server = DevServer(
        args=args, env={"SEALPOST_SMTP_MAX_MESSAGE_BYTES": str(200 * MB)})
    try:
        pid = server.proc.pid
        if journal:
            add_journal_rule(server)
        time.sleep(1.0)  # settle after start
        if inspect or remove:
            start = time.time()
            growth, delivered = wrapper_growth(server, sink, size, remove)
            return growth, time.time() - start, delivered
        before = status_kb(pid, "VmRSS")
        marker = os.urandom(8).hex()
        raw = message(size, marker)
        start = time.time()

        def send():
            with smtplib.SMTP(server.smtp_host, server.smtp_port,
                              timeout=600) as c:
                c.sendmail("alice@example.com",
                           ["bob@example.com", "carol@partner.example"], raw)
        run_together([send] * concurrent)
        accepted = time.time() - start

        def both_delivered():
            # --next-hop: both wrappers (internal and external) of each
            # message reach the sink, each with the marker in its subject;
            # and the journal report, whose subject names it too.
            return sink_count(sink, marker) >= (3 if journal else 2) * \
                concurrent
        delivered = wait_for(both_delivered, timeout=600, interval=0.5)
        time.sleep(1.0)
        peak = status_kb(pid, "VmHWM")
        return (peak - before) / 1024, accepted, bool(delivered)
    finally:
        server.stop()
        sink.cleanup()


class TreeSampler:
    """The largest sum of VmRSS over the processes working in `cwd` (every
    Postfix daemon runs in its queue directory), sampled every 20 ms until
    stopped."""

    def __init__(self, cwd):
        self.cwd = os.path.realpath(cwd)
        self.peak_kb = 0
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def sum_kb(self):
        total = 0
        for p in os.listdir("/proc"):
            if not p.isdigit():
                continue
            try:
                cwd = os.readlink("/proc/%s/cwd" % p)
            except OSError:
                continue
            if cwd == self.cwd or cwd.startswith(self.cwd + "/"):
                total += status_kb(int(p), "VmRSS")
        return total

    def run(self):
        while not self.stopping:
            self.peak_kb = max(self.peak_kb, self.sum_kb())
            time.sleep(0.02)

    def stop(self):
        self.stopping = True
        self.thread.join()
        return self.peak_kb


def postfix_growth(size):
    from smtp_postfix_test import Postfix
    sink = SmtpSink()
    postfix = Postfix(sink.port)
    try:
        postfix.run("postconf", "-e", "message_size_limit=%d" % (200 * MB))
        postfix.run("postfix", "reload")
        time.sleep(1.0)
        sampler = TreeSampler(os.path.join(postfix.dir, "spool"))
        time.sleep(0.5)
        before = sampler.sum_kb()
        marker = os.urandom(8).hex()
        with smtplib.SMTP("127.0.0.1", postfix.port_in, timeout=600) as c:
            c.sendmail("alice@example.com", ["carol@partner.example"],
                       message(size, marker))
        wait_for(lambda: sink_count(sink, marker) >= 1, timeout=600,
                 interval=0.5)
        return (sampler.stop() - before) / 1024
    finally:
        postfix.stop()
        sink.cleanup()


def main():
    args = check_args(__doc__, flags=("--postgres", "--no-postfix",
                                      "--journal", "--inspect", "--remove"),
                      options=("--baseline",), words=True)
    postgres = args.flag("--postgres")
    journal = args.flag("--journal")
    inspect = args.flag("--inspect")
    remove = args.flag("--remove")
    if (inspect or remove) and journal:
        refuse(__doc__, "--inspect or --remove and --journal cannot be "
               "measured together (the journal report reaches the sink "
               "beside the wrapper)")
    if inspect and remove:
        refuse(__doc__, "--inspect and --remove are measured one at a time")
    sizes = [(int(a), 1) for a in args.words] or [(1, 1), (10, 1), (50, 1),
                                                  (10, 10)]
    if inspect or remove:
        sizes = [(mb, n) for mb, n in sizes if n == 1]
    with_postfix = not args.flag("--no-postfix") and os.geteuid() == 0 \
        and subprocess.run(["which", "postfix"],
                           capture_output=True).returncode == 0
    builds = binaries(args)
    pg = None
    if postgres:
        from pg_testlib import PostgresServer
        pg = PostgresServer()
    databases = 0
    try:
        print("| Binary | Store | Message | sealpost peak RSS growth | "
              "growth / message | accepted in | delivered | "
              "Postfix peak RSS growth |")
        print("|---|---|---|---|---|---|---|---|")
        for mb, n in sizes:
            peer = "n/a"
            if with_postfix and n == 1 and not (inspect or remove):
                peer = "%.1f MB" % postfix_growth(mb * MB)
            name = "%d MB" % mb if n == 1 else "%d x %d MB at once" % (n, mb)
            for label, binary in builds:
                url = None
                if pg:
                    databases += 1
                    url = pg.create_database("bench%d" % databases)
                growth, accepted, delivered = sealpost_growth(
                    mb * MB, n, binary, url, journal, inspect, remove)
                print("| %s | %s | %s | %.1f MB | %.2f | %.1f s | %s | %s |" %
                      (label, ("postgres" if pg else "sqlite") +
                       (", journal rule" if journal else "") +
                       (", inspected wrapper" if inspect else "") +
                       (", protection removed" if remove else ""), name,
                       growth,
                       growth / mb, accepted,
                       "yes" if delivered else "NO", peer), flush=True)
    finally:
        if pg:
            pg.stop()


if __name__ == "__main__":
    main()
