"""The store on PostgreSQL, end to end (issue 13): `sealpost server -dev
--store-url URL` against a PostgreSQL 15 of the test's own; protected mail
sent with Python's smtplib, read back with `sealpost open`; the state is in
PostgreSQL (not in the data directory), survives a restart, and a second
node with the first one's master key serves the same organisation.
"""

import json
import os
import signal
import smtplib
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smtp_testlib as lib  # noqa: E402
from pg_testlib import PostgresCase  # noqa: E402


class StorePostgresTest(PostgresCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.url = cls.pg.create_database("sealpost")
        cls.server = lib.DevServer(args=["--store-url", cls.url])
        cls.users = cls.server.passwords()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        super().tearDownClass()

    def send(self, server, sender, recipients, raw):
        with smtplib.SMTP(server.smtp_host, server.smtp_port,
                          timeout=30) as s:
            s.ehlo("client.example.com")
            s.sendmail(sender, recipients, raw)

    def delivered(self, server, token):
        path = lib.wait_for(lambda: lib.find_mail_path(
            [server], lambda b: token.encode() in b), timeout=30)
        self.assertTrue(path, server.read_log()[-3000:])
        return path

    def open_as(self, server, user, path):
        return server.open_as(user, path, self.users[user])

    def state_of(self, server, msg_id):
        """The protected message's record as `message status --json`
        shows it (found by its id wherever it sits in the answer)."""
        r = server.cli("--json", "message", "status", msg_id)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr +
                         server.read_log()[-2000:])

        def find(v):
            if isinstance(v, dict):
                if v.get("id") == msg_id and "state" in v:
                    return v
                v = list(v.values())
            if isinstance(v, list):
                for x in v:
                    found = find(x)
                    if found:
                        return found
            return None
        record = find(json.loads(r.stdout))
        self.assertIsNotNone(record, r.stdout)
        return record

    def protected_mail(self, tag):
        return ("From: Alice <alice@example.com>\r\n"
                "To: carol@gmail.test\r\n"
                "Subject: pg " + tag + " [encrypt]\r\n"
                "Message-ID: <" + tag + "@example.com>\r\n"
                "\r\nsecret-" + tag + " payload\r\n").encode()

    def message_id(self, path):
        import email
        import email.policy
        with open(path, "rb") as f:
            m = email.message_from_binary_file(f, policy=email.policy.default)
        protected = m["X-Sealpost-Protected"]
        self.assertIsNotNone(protected)
        return protected.split("id=")[1].split(";")[0]

    def protect_one(self):
        """Alice's protected mail to carol, through the server: its tag,
        bytes, delivered file and protected message id."""
        tag = lib.unique()
        raw = self.protected_mail(tag)
        self.send(self.server, "alice@example.com", ["carol@gmail.test"], raw)
        path = self.delivered(self.server, "pg " + tag)
        return tag, raw, path, self.message_id(path)

    def test_protected_mail_round_trip_on_postgres(self):
        tag, raw, path, msg_id = self.protect_one()
        with open(path, "rb") as f:
            self.assertNotIn(b"secret-" + tag.encode(), f.read())
        # The sender reads it back byte for byte.
        r = self.open_as(self.server, "alice@example.com", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, raw)
        # Its rows are in PostgreSQL, and there is no SQLite file.
        self.assertEqual(self.pg.psql(
            "sealpost", "SELECT COUNT(*) FROM protected_messages WHERE id = "
            "'%s'" % msg_id), "1")
        self.assertEqual(self.pg.psql(
            "sealpost", "SELECT COUNT(*) FROM queue_events WHERE event = "
            "'delivered'") != "0", True)
        self.assertFalse(os.path.exists(
            os.path.join(self.server.data_dir, "sealpost.db")))
        # The API reads it from PostgreSQL too.
        record = self.state_of(self.server, msg_id)
        self.assertEqual(record["state"], "active")
        self.assertEqual(record["owner"], "alice@example.com")
        status = json.loads(self.server.cli("--json", "status",
                                            check=True).stdout)
        self.assertGreater(status["store"]["file_bytes"], 0)
        self.assertGreaterEqual(status["store"]["protected_messages"], 1)

    def test_large_bodies_are_chunks_every_node_reads(self):
        # 600 KB: past 256 KiB, so the queued body and the portal copy are
        # chunks in PostgreSQL (docs/architecture.md "Store"), not rows.
        tag = lib.unique()
        raw = self.protected_mail(tag) + (b"y" * 998 + b"\r\n") * 600
        self.send(self.server, "alice@example.com", ["carol@gmail.test"], raw)
        path = self.delivered(self.server, "pg " + tag)
        msg_id = self.message_id(path)
        db = "sealpost"
        self.assertEqual(self.pg.psql(
            db, "SELECT length(container) FROM portal_copies WHERE id = "
            "'%s'" % msg_id), "0")
        size, chunks = self.pg.psql(
            db, "SELECT size || ' ' || chunks FROM bodies WHERE kind = 'p' "
            "AND id = '%s'" % msg_id).split()
        self.assertGreater(int(size), 600 * 1000)
        self.assertEqual(self.pg.psql(
            db, "SELECT COUNT(*) || ' ' || SUM(length(data)) FROM "
            "body_chunks WHERE kind = 'p' AND id = '%s'" % msg_id),
            chunks + " " + size)
        # Delivered: the queued body's chunks went with it.
        self.assertTrue(lib.wait_for(lambda: self.pg.psql(
            db, "SELECT COUNT(*) FROM bodies WHERE kind = 'q'") == "0",
            timeout=20))
        self.assertEqual(self.pg.psql(
            db, "SELECT COUNT(*) FROM body_chunks WHERE kind = 'q'"), "0")
        # `sealpost open` fetches the copy from the server, which streams
        # it from the chunks; a second node on the same database does too.
        r = self.open_as(self.server, "alice@example.com", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, raw)
        node_b = lib.DevServer(args=[
            "--store-url", self.url, "--master-key-file",
            os.path.join(self.server.data_dir, "master.key")])
        try:
            # A dev node sets the dev users' passwords in the shared store:
            # node B's are everyone's now (docs/scaling.md).
            type(self).users = node_b.passwords()
            r = node_b.open_as("alice@example.com", path,
                               self.users["alice@example.com"])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, raw)
        finally:
            node_b.stop()

    def test_second_node_and_restart_share_the_state(self):
        tag, raw, path, msg_id = self.protect_one()
        # Node B: its own data directory, the same PostgreSQL, node A's
        # master key. It sees A's message and revokes it; A sees that.
        node_b = lib.DevServer(args=[
            "--store-url", self.url, "--master-key-file",
            os.path.join(self.server.data_dir, "master.key")])
        try:
            self.assertEqual(self.state_of(node_b, msg_id)["state"],
                             "active")
            node_b.cli("message", "revoke", msg_id, check=True)
            record = self.state_of(self.server, msg_id)
            self.assertEqual(record["state"], "revoked")
            self.assertGreater(record["revoked_at"], 0)
        finally:
            node_b.stop()
        # A restart of node A keeps everything (it is all in PostgreSQL).
        self.server.stop(signal.SIGTERM)
        self.server.start()
        self.assertEqual(self.state_of(self.server, msg_id)["state"],
                         "revoked")

    def test_wrong_master_key_is_refused(self):
        # A node that would make a new master key for a store whose keys
        # are wrapped under another one must not start.
        node = None
        try:
            node = lib.DevServer(args=["--store-url", self.url])
        except RuntimeError as e:
            self.assertIn("master", str(e).lower())
        else:
            node.stop()
            self.fail("a node with another master key started")


if __name__ == "__main__":
    unittest.main()
