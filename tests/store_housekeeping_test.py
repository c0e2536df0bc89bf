"""Disk bounded over time, memory bounded at once (issue 14), end to end
with Python's smtplib against `sealpost server -dev`:

- the queue's bodies are gone once every recipient is done, while
  `message trace` still works and `queue retry` says the message is done;
- an expired message's portal copy is deleted by the housekeeping pass,
  the copy of a message sealed through the API (`sealpost protect`,
  spooled into a body file) as well;
- `sealpost status` shows the store's size and what it holds;
- smtp.max_memory_bytes: past the budget new DATA gets 452 4.3.1, every
  message answered 250 is delivered, and the server stays up.
"""

import functools
import json
import os
import re
import shutil
import smtplib
import socket
import sqlite3
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smtp_testlib import (DevServer, DevServerCase, run_together,  # noqa: E402
                          unique, wait_for)


def query(server, sql, *args):
    """One value from the server's database, read through a second (plain)
    SQLite connection while the server runs (WAL readers never block)."""
    db = sqlite3.connect("file:" + os.path.join(server.data_dir, "sealpost.db")
                         + "?mode=ro", uri=True, timeout=10)
    try:
        return db.execute(sql, args).fetchone()[0]
    finally:
        db.close()


def status(server):
    r = server.cli("--json", "status", check=True)
    return json.loads(r.stdout)["store"]


class HousekeepingTest(DevServerCase):

    def test_delivered_bodies_are_deleted_and_trace_stays(self):
        tag = unique()
        n = 30
        before = self.server.mailbox_files()
        for i in range(n):
            raw = ("From: alice@example.com\r\nTo: carol@gmail.test\r\n"
                   "Subject: [encrypt] housekeeping %s %d\r\n\r\n%s\r\n" %
                   (tag, i, ("body %d " % i) * 500)).encode()
            self.send("alice@example.com", ["carol@gmail.test"], raw)
        self.arrivals(before, n)

        def settled():
            s = status(self.server)
            return s if s["queued_messages"] == 0 else None
        s = wait_for(settled, timeout=30)
        self.assertTrue(s, status(self.server))
        self.assertGreaterEqual(s["done_messages"], n)
        self.assertGreaterEqual(s["portal_copies"], n)
        self.assertGreaterEqual(s["protected_messages"], n)
        self.assertGreater(s["file_bytes"], 0)
        # No body left in the queue, straight from the database.
        self.assertEqual(query(self.server,
                               "SELECT COUNT(*) FROM queue_messages "
                               "WHERE length(content) > 0"), 0)
        self.assertGreaterEqual(query(self.server,
                                      "SELECT COUNT(*) FROM queue_messages "
                                      "WHERE state = 'done'"), n)
        # The trace stays (queue.history_days, default 30).
        lst = self.server.cli("--json", "message", "list", "--state", "done",
                              check=True)
        ids = [m["id"] for m in json.loads(lst.stdout)["messages"]
               if any(r["address"] == "carol@gmail.test"
                      for r in m["recipients"])]
        self.assertTrue(ids, lst.stdout)
        trace = self.server.cli("message", "trace", ids[0], check=True)
        self.assertIn("delivered", trace.stdout)
        # Retrying it says clearly there is nothing left.
        retry = self.server.cli("queue", "retry", ids[0])
        self.assertEqual(retry.returncode, 2)
        self.assertIn("is done", retry.stderr + retry.stdout)
        self.assertIn("content was deleted", retry.stderr + retry.stdout)
        text = self.server.cli("status", check=True).stdout
        for name in ("StoreFileBytes", "QueuedMessages", "DoneMessagesKept",
                     "PortalCopies", "ProtectedMessages"):
            self.assertIn(name, text)

    def test_expired_message_loses_its_portal_copy(self):
        tag = unique()
        raw = ("From: alice@example.com\r\nTo: dave@gmail.test\r\n"
               "Subject: [encrypt] expiring %s\r\n\r\nsoon gone\r\n" %
               tag).encode()
        before = self.server.mailbox_files()
        self.send("alice@example.com", ["dave@gmail.test"], raw)
        wrapper = self.parse(self.arrivals(before, 1)[0])
        msg_id = wrapper["X-Sealpost-Protected"].split("id=")[1] \
            .split(";")[0].strip()
        copies = "SELECT COUNT(*) FROM portal_copies WHERE id = ?"
        self.assertEqual(query(self.server, copies, msg_id), 1)
        self.server.cli("message", "expire", msg_id, check=True)
        # The next housekeeping pass (at most a minute away) deletes it.
        gone = wait_for(lambda: query(self.server, copies, msg_id) == 0,
                        timeout=90, interval=1)
        self.assertTrue(gone, self.server.read_log()[-2000:])
        st = self.server.cli("message", "status", msg_id, check=True)
        self.assertIn("expired", st.stdout)
        # The record stays, for the reader's "This message has expired":
        # even the sender (who keeps access past an expiry) is told so once
        # the copy is gone, rather than that the portal cannot show it.
        self.assertEqual(query(self.server,
                               "SELECT COUNT(*) FROM protected_messages "
                               "WHERE id = ?", msg_id), 1)
        import requests
        b = requests.Session()
        b.trust_env = False
        b.verify = self.server.ca_cert
        page = b.get(self.server.url + "/signin", timeout=30)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        r = b.post(self.server.url + "/signin",
                   data={"csrf": csrf, "email": "alice@example.com",
                         "password": self.users["alice@example.com"],
                         "next": "/sent"},
                   allow_redirects=False, timeout=30)
        self.assertEqual(r.status_code, 303, r.text[:500])
        read = b.get(self.server.url + "/m/" + msg_id, timeout=30)
        self.assertEqual(read.status_code, 403, read.text[:500])
        self.assertIn("This message has expired", read.text)

    def test_expired_api_copy_goes_like_the_gateways(self):
        """The server's copy of a message sealed through the API (over
        server.max_request_bytes: spooled, sealed into a body file) is
        deleted at its expiry by the same housekeeping pass."""
        d = tempfile.mkdtemp(prefix="sealpost-api-copy-")
        self.addCleanup(shutil.rmtree, d, True)
        src = os.path.join(d, "m.eml")
        with open(src, "wb") as f:
            f.write(("From: alice@example.com\r\nTo: dave@gmail.test\r\n"
                     "Subject: api expiring %s\r\n\r\n" % unique())
                    .encode() + b"spooled and sealed\r\n" * 100000)
        self.assertGreater(os.path.getsize(src), 1 << 20)
        r = self.server.cli_as("alice@example.com", "protect", src,
                               "--template", "Encrypt", "--to",
                               "dave@gmail.test", "--out", src + ".out")
        self.assertEqual(r.returncode, 0, r.stderr)
        msg_id = re.search(r"Protected as (\S+) with", r.stderr).group(1)
        copies = "SELECT COUNT(*) FROM portal_copies WHERE id = ?"
        self.assertEqual(query(self.server, copies, msg_id), 1)
        body = os.path.join(self.server.data_dir, "sealpost.db-bodies",
                            "p-" + msg_id.encode().hex())
        self.assertTrue(os.path.exists(body))
        self.server.cli("message", "expire", msg_id, check=True)
        gone = wait_for(lambda: query(self.server, copies, msg_id) == 0 and
                        not os.path.exists(body), timeout=90, interval=1)
        self.assertTrue(gone, self.server.read_log()[-2000:])
        # The record stays ("This message has expired"), as the gateway's.
        self.assertEqual(query(self.server,
                               "SELECT COUNT(*) FROM protected_messages "
                               "WHERE id = ?", msg_id), 1)


class MemoryBudgetTest(unittest.TestCase):
    BUDGET = 3 * 1024 * 1024

    @classmethod
    def setUpClass(cls):
        cls.server = DevServer(env={
            "SEALPOST_SMTP_MAX_MEMORY_BYTES": str(cls.BUDGET)})

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def open_data(self, size):
        """A raw session that declares SIZE=`size` and stops after 354:
        it holds `size` bytes of the budget."""
        s = socket.create_connection((self.server.smtp_host,
                                      self.server.smtp_port), timeout=30)
        f = s.makefile("rb")

        def reply():
            lines = []
            while True:
                line = f.readline().decode()
                lines.append(line)
                if line[3:4] != "-":
                    return "".join(lines)
        reply()
        for cmd in ("EHLO c.example.com",
                    "MAIL FROM:<alice@example.com> SIZE=%d" % size,
                    "RCPT TO:<bob@example.com>"):
            s.sendall(cmd.encode() + b"\r\n")
            self.assertTrue(reply().startswith("250"))
        s.sendall(b"DATA\r\n")
        return s, f, reply(), reply

    def message(self, tag, size):
        line = ("x" * 76 + "\r\n")
        body = line * (size // len(line))
        return ("From: alice@example.com\r\nTo: bob@example.com\r\n"
                "Subject: budget %s\r\n\r\n%s" % (tag, body)).encode()

    def test_past_the_budget_data_gets_452_and_nothing_is_lost(self):
        # A message past 256 KiB goes to a spool file as it arrives (issue
        # 14): a session in DATA holds 256 KiB of the budget however large
        # its declared SIZE, so twelve of them fill 3 MiB and a thirteenth
        # message finds no room.
        held = [self.open_data(1400 * 1024) for _ in range(12)]
        for _, _, first, _ in held:
            self.assertTrue(first.startswith("354"), first)
        tag = unique()
        with self.assertRaises(smtplib.SMTPDataError) as e:
            with smtplib.SMTP(self.server.smtp_host, self.server.smtp_port,
                              timeout=30) as c:
                c.sendmail("alice@example.com", ["bob@example.com"],
                           self.message(tag + "-refused", 1024 * 1024))
        self.assertEqual(e.exception.smtp_code, 452)
        self.assertIn(b"4.3.1", e.exception.smtp_error)
        # The held messages finish and are accepted: their share is freed.
        for i, (s, f, _, reply) in enumerate(held):
            s.sendall(self.message("%s-held-%d" % (tag, i), 1000 * 1024) +
                      b"\r\n.\r\nQUIT\r\n")
            self.assertTrue(reply().startswith("250"))
            s.close()

        # Concurrent large messages: some may get 452, none is lost.
        accepted, refused, errors = [], [], []
        lock = threading.Lock()

        def sender(k):
            for j in range(3):
                mtag = "%s-c%d-%d" % (tag, k, j)
                try:
                    with smtplib.SMTP(self.server.smtp_host,
                                      self.server.smtp_port,
                                      timeout=60) as c:
                        c.sendmail("alice@example.com", ["bob@example.com"],
                                   self.message(mtag, 900 * 1024))
                    with lock:
                        accepted.append(mtag)
                except smtplib.SMTPDataError as err:
                    with lock:
                        (refused if err.smtp_code == 452
                         else errors).append((mtag, err.smtp_code))
                except Exception as err:  # noqa: BLE001
                    with lock:
                        errors.append((mtag, repr(err)))
        run_together([functools.partial(sender, k) for k in range(8)])
        self.assertEqual(errors, [])
        self.assertTrue(accepted)
        self.assertEqual(len(accepted) + len(refused), 24)
        self.assertIsNone(self.server.proc.poll(), "the server died")

        held_tags = ["%s-held-%d" % (tag, i) for i in range(len(held))]

        def delivered_tags():
            found = set()
            for path in self.server.mailbox_files():
                with open(path, "rb") as fh:
                    head = fh.read(4096)
                for t in accepted + held_tags:
                    if ("budget " + t + "\r\n").encode() in head:
                        found.add(t)
            return found
        want = set(accepted) | set(held_tags)
        got = wait_for(lambda: delivered_tags() >= want and delivered_tags(),
                       timeout=60)
        self.assertTrue(got, "missing: %s" % (want - delivered_tags()))
        # Nothing refused reached the mailbox.
        for path in self.server.mailbox_files():
            with open(path, "rb") as fh:
                self.assertNotIn(("budget " + tag + "-refused").encode(),
                                 fh.read(4096))
        sys.stderr.write("memory budget: %d accepted, %d refused (452)\n" %
                         (len(accepted), len(refused)))


if __name__ == "__main__":
    unittest.main(verbosity=2)
