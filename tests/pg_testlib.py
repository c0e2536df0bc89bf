"""A PostgreSQL 15 server of the test's own, from Debian's `postgresql`
package: initdb and pg_ctl in a temporary directory, a free port on
127.0.0.1, the unix socket in that directory, no system service; stopped
and removed at the end. As root (CI containers) the server runs as the
`postgres` user, since initdb refuses root. A missing PostgreSQL is an
error, never a skip: CI installs it (scripts/packages.txt).
"""

import os
import pwd
import shutil
import subprocess
import tempfile
import unittest

from smtp_testlib import free_port

BIN = "/usr/lib/postgresql/15/bin/"


class PostgresServer:
    def __init__(self):
        if not os.path.exists(BIN + "initdb"):
            raise RuntimeError(BIN + "initdb is missing: install Debian's "
                               "postgresql package (scripts/install-deps)")
        self.dir = tempfile.mkdtemp(prefix="sealpost-pg-")
        self.port = free_port()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.running = False
        try:
            self._run([BIN + "initdb", "-D", self.dir + "/data", "-U",
                       "sealpost", "-A", "trust", "-E", "UTF8", "--locale=C",
                       "--no-sync"])
            self.start_server()
        except Exception:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise

    def start_server(self):
        """Starts the server (again) on the same directory and port."""
        opts = ("-k %s -p %d -c listen_addresses=127.0.0.1 "
                "-c max_connections=200" % (self.dir, self.port))
        self._run([BIN + "pg_ctl", "-D", self.dir + "/data", "-l",
                   self.dir + "/server.log", "-w", "-t", "60", "-o", opts,
                   "start"])
        self.running = True

    def stop_server(self):
        """Stops the server (fast shutdown: clients are disconnected) and
        keeps its data, for start_server()."""
        self._run([BIN + "pg_ctl", "-D", self.dir + "/data", "-m", "fast",
                   "-w", "stop"])
        self.running = False

    def _run(self, argv):
        if self._as_postgres:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError("%s: %s%s" % (argv, r.stdout, r.stderr))
        return r.stdout

    def url(self, db):
        return "postgresql://sealpost@127.0.0.1:%d/%s" % (self.port, db)

    def psql(self, db, sql):
        r = subprocess.run(
            [BIN + "psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
             "host=%s port=%d user=sealpost dbname=%s" % (self.dir, self.port,
                                                          db), "-c", sql],
            capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError("psql %s: %s" % (sql, r.stderr))
        return r.stdout.strip()

    def create_database(self, name):
        self.psql("postgres", "CREATE DATABASE " + name)
        return self.url(name)

    def stop(self):
        if self.running:
            self.stop_server()
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresCase(unittest.TestCase):
    """A test class with its own PostgreSQL server (`cls.pg`) for all its
    tests, stopped after the last."""

    @classmethod
    def setUpClass(cls):
        cls.pg = PostgresServer()

    @classmethod
    def tearDownClass(cls):
        cls.pg.stop()
