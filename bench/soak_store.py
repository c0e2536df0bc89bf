#!/usr/bin/env python3
"""Store soak (issue 14, "disk bounded over time"): sends N protected 4 KB
messages, each for one external recipient, through `sealpost server -dev`
with Python's smtplib (a few sessions in parallel, several messages per
session), waits until the queue is empty, and reports the store's size
against what must be kept: the portal copies and protected-message records.
The queue's bodies must all be gone. Then the server is started again on
the same store with queue.history_days = 0, so that the trace history of
every delivered message is pruned (500 a transaction), and the store is
reported again once pruned and its free pages reclaimed.

Not a timed test. Usage: bench/soak_store.py [N] (default 10000)
       (SEALPOST_BINARY: default build/sealpost)
"""

import json
import os
import smtplib
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests"))
from smtp_testlib import DevServer, run_together, wait_for  # noqa: E402
from usage import check_args  # noqa: E402

SESSIONS = 8
PER_SESSION = 50


def store_status(server):
    r = server.cli("--json", "status", check=True)
    return json.loads(r.stdout)["store"]


def kept_bytes(server):
    db = sqlite3.connect("file:" + os.path.join(server.data_dir, "sealpost.db")
                         + "?mode=ro", uri=True, timeout=30)
    try:
        q = lambda sql: db.execute(sql).fetchone()[0] or 0  # noqa: E731
        return {
            "queue_bodies": q("SELECT SUM(length(content)) FROM "
                              "queue_messages"),
            "portal_copies": q("SELECT SUM(length(container)) FROM "
                               "portal_copies"),
            "history": q("SELECT (SELECT SUM(length(envelope_json) + "
                         "length(id) + length(mail_from) + 40) FROM "
                         "queue_messages) + (SELECT SUM(length(detail) + "
                         "length(recipient) + 40) FROM queue_events) + "
                         "(SELECT SUM(length(last_reply) + "
                         "length(recipient) + 40) FROM queue_deliveries)"),
            "audit": q("SELECT SUM(length(actor) + length(action) + "
                       "length(object) + length(detail) + 30) FROM audit"),
            "protected_records": q(
                "SELECT SUM(length(recipients_json) + length(grants_json) + "
                "length(id) + length(owner) + 64) FROM protected_messages"),
        }
    finally:
        db.close()


def report(server):
    st = store_status(server)
    kept = kept_bytes(server)
    must_keep = kept["portal_copies"] + kept["protected_records"]
    mib = 1024 * 1024
    print("store file (with WAL): %.1f MiB, free inside: %.1f MiB" %
          (st["file_bytes"] / mib, st["free_bytes"] / mib))
    print("queued bodies: %d messages, %d bytes" %
          (st["queued_messages"], kept["queue_bodies"]))
    print("done messages kept for trace: %d" % st["done_messages"])
    print("portal copies: %d (%.1f MiB), protected records: %d (~%.1f MiB)" %
          (st["portal_copies"], kept["portal_copies"] / mib,
           st["protected_messages"], kept["protected_records"] / mib))
    base = os.path.join(server.data_dir, "sealpost.db")
    wal = os.path.getsize(base + "-wal") if os.path.exists(base + "-wal") \
        else 0
    print("database file: %.1f MiB, write-ahead log: %.1f MiB" %
          (os.path.getsize(base) / mib, wal / mib))
    print("queue history rows: %d bytes, audit: %d bytes" %
          (kept["history"], kept["audit"]))
    print("store size / what must be kept: %.2f" %
          (st["file_bytes"] / max(1, must_keep)))
    with open("/proc/%d/status" % server.proc.pid) as f:
        mem = dict(line.split(":", 1) for line in f if line.startswith("Vm"))
    print("server resident memory: %s now, %s at its peak" %
          (mem["VmRSS"].strip(), mem["VmHWM"].strip()))


def main():
    words = check_args(__doc__, words=True).words
    n = int(words[0]) if words else 10000
    server = DevServer()
    body = ("soak line of a four kilobyte message body " * 2 + "\r\n") * 47
    counter = iter(range(n))
    lock = threading.Lock()

    def sender():
        while True:
            batch = []
            with lock:
                for _ in range(PER_SESSION):
                    i = next(counter, None)
                    if i is None:
                        break
                    batch.append(i)
            if not batch:
                return
            with smtplib.SMTP(server.smtp_host, server.smtp_port,
                              timeout=60) as c:
                for i in batch:
                    to = "ext%d@gmail.test" % (i % 100)
                    msg = ("From: alice@example.com\r\nTo: %s\r\n"
                           "Subject: [encrypt] soak %d\r\n\r\n%s" %
                           (to, i, body)).encode()
                    c.sendmail("alice@example.com", [to], msg)

    start = time.time()
    run_together([sender] * SESSIONS)
    sent = time.time() - start
    wait_for(lambda: store_status(server)["queued_messages"] == 0,
             timeout=max(600, n / 50), interval=1)
    # One housekeeping pass gives free pages back (every minute at most).
    time.sleep(65)
    print("messages sent: %d in %.1f s (%.0f/s)" % (n, sent, n / sent))
    print("\n## after the last delivery")
    report(server)
    server.stop()
    # The history's days set to 0: the queue's scheduler prunes every done
    # message's envelope, deliveries and events, 500 a transaction.
    server = DevServer(data_dir=server.data_dir,
                       env={"SEALPOST_QUEUE_HISTORY_DAYS": "0"})
    start = time.time()
    wait_for(lambda: store_status(server)["done_messages"] == 0,
             timeout=max(600, n / 50), interval=1)
    print("\n## after pruning (%.0f s) and a housekeeping pass" %
          (time.time() - start))
    time.sleep(65)
    report(server)
    server.stop()


if __name__ == "__main__":
    main()
