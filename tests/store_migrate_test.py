"""`sealpost store migrate --to URL` (issue 13): a SQLite dev node with
protected mail is stopped, its store copied into PostgreSQL, and a node on
PostgreSQL with the same master key opens the old mail byte for byte and
traces its history. Running the copy again is safe; into a database with
other data it refuses and names what it found.
"""

import os
import signal
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smtp_testlib as lib  # noqa: E402
from pg_testlib import PostgresCase  # noqa: E402


class StoreMigrateTest(PostgresCase):

    def migrate(self, data_dir, url):
        return subprocess.run(
            [lib.BINARY, "store", "migrate", "--to", url, "--data-dir",
             data_dir], capture_output=True, text=True, timeout=120)

    def test_sqlite_store_moves_to_postgres(self):
        node = lib.DevServer()
        tag = lib.unique()
        raw = ("From: Alice <alice@example.com>\r\nTo: carol@gmail.test\r\n"
               "Subject: mig %s [encrypt]\r\nMessage-ID: <%s@example.com>"
               "\r\n\r\nsecret-%s\r\n" % (tag, tag, tag)).encode()
        # 400 KB: its portal copy is a body file beside the SQLite database
        # (docs/architecture.md "Store"), which the copy puts in chunks.
        raw += (b"x" * 998 + b"\r\n") * 400
        qid = node.submit("alice@example.com", "carol@gmail.test", raw,
                          helo="client.example.com")

        path = lib.wait_for(lambda: lib.find_mail_path(
            [node], lambda b: ("mig " + tag).encode() in b), timeout=30)
        self.assertTrue(path, node.read_log()[-2000:])
        lib.wait_for(lambda: "delivered" in node.cli(
            "message", "trace", qid).stdout, timeout=20)
        node.stop(signal.SIGTERM)
        bodies = os.path.join(node.data_dir, "sealpost.db-bodies")
        self.assertEqual(len([n for n in os.listdir(bodies)
                              if n.startswith("p-")]), 1)

        url = self.pg.create_database("migrated")
        first = self.migrate(node.data_dir, url)
        self.assertEqual(first.returncode, 0, first.stdout + first.stderr)
        self.assertIn("row counts verified", first.stdout)
        self.assertIn("protected_messages: 1/1 rows", first.stdout)
        self.assertIn("queue_messages:", first.stdout)
        # Again: nothing to do, and it says so.
        again = self.migrate(node.data_dir, url)
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        self.assertIn("nothing copied", again.stdout)
        # The copy's file is chunks now, its row empty as on SQLite.
        self.assertEqual(self.pg.psql(
            "migrated", "SELECT length(container) FROM portal_copies"), "0")
        self.assertEqual(self.pg.psql(
            "migrated", "SELECT b.size = SUM(length(c.data)) FROM bodies b "
            "JOIN body_chunks c USING (kind, id) WHERE b.kind = 'p' GROUP BY "
            "b.size"), "t")

        pg_node = lib.DevServer(args=[
            "--store-url", url, "--master-key-file",
            os.path.join(node.data_dir, "master.key")])
        try:
            r = pg_node.open_as("alice@example.com", path)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, raw)
            trace = pg_node.cli("message", "trace", qid)
            self.assertEqual(trace.returncode, 0, trace.stderr)
            self.assertIn(qid, trace.stdout)
            self.assertIn("received  from client.example.com", trace.stdout)
            self.assertIn("delivered  carol@gmail.test", trace.stdout)
            # New rows after the copy get new ids (the sequences moved on).
            pg_node.cli("user", "add", "new-%s@example.com" % tag,
                        "--password", "pw-" + tag, check=True)
        finally:
            pg_node.stop()
        # The database now holds more than the SQLite store: refused,
        # naming a table, nothing changed.
        late = self.migrate(node.data_dir, url)
        self.assertNotEqual(late.returncode, 0)
        self.assertIn("already holds other data", late.stderr)

    def test_missing_store_and_bad_url_are_clear(self):
        empty = tempfile.mkdtemp(prefix="sealpost-mig-")
        r = self.migrate(empty, self.pg.create_database("unused"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no SQLite store", r.stderr)
        node = lib.DevServer()
        node.stop()
        r = self.migrate(node.data_dir, "host=127.0.0.1 port=1 dbname=x "
                         "user=x connect_timeout=2")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("PostgreSQL", r.stderr)


if __name__ == "__main__":
    unittest.main()
