#!/usr/bin/env python3
"""The Debian package installed for real on this machine (issue 16's proof):
scripts/make-package builds the .deb, `dpkg -i` installs it, `sealpost init`
runs as the `sealpost` user, the installed binary starts with the installed
configuration as that user (not through systemd: PID 1 here is not
systemd), one protected mail goes in with smtplib and `sealpost open` reads
it, `systemd-analyze verify` checks the installed unit, and `dpkg --purge`
plus the data directory's removal leave the machine as it was.

Needs root and dpkg; skips when a sealpost package, /etc/sealpost or
/var/lib/sealpost is already there (not ours to touch). Runs alone: a lock
file keeps two copies (two worktrees) from installing at once.
"""

import fcntl
import grp
import os
import pwd
import shutil
import smtplib
import subprocess
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smtp_testlib as lib  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INSTALLED = "/usr/bin/sealpost"
CONFIG = "/etc/sealpost/sealpost.toml"
DATA = "/var/lib/sealpost"
UNIT = "/lib/systemd/system/sealpost.service"
LOCK = "/run/lock/sealpost-package-install-test.lock"


def package_installed():
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "sealpost"],
                       capture_output=True, text=True)
    return r.returncode == 0 and "not-installed" not in r.stdout


def dpkg(*args):
    """dpkg, waiting a little while another dpkg holds its lock."""
    for _ in range(30):
        r = subprocess.run(["dpkg"] + list(args), capture_output=True,
                           text=True, timeout=120)
        if r.returncode == 0 or "lock" not in r.stderr:
            return r
        time.sleep(1)
    return r


def as_sealpost(*args, env=None, timeout=60):
    """The installed binary as the `sealpost` user, no SEALPOST_* leaking
    in from the test's environment."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("SEALPOST_")}
    e.update(env or {})
    return subprocess.run([INSTALLED] + list(args), capture_output=True,
                          text=True, timeout=timeout, env=e, user="sealpost",
                          group="sealpost", extra_groups=[], cwd="/")


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("dpkg") and
                     shutil.which("dpkg-deb"),
                     "needs root and dpkg (installs the .deb on this machine)")
class PackageInstallTest(unittest.TestCase):
    def setUp(self):
        os.makedirs(os.path.dirname(LOCK), exist_ok=True)
        self.lock = open(LOCK, "w")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        self.addCleanup(self.lock.close)
        if package_installed() or os.path.exists("/etc/sealpost") or \
                os.path.exists(DATA):
            self.skipTest("a sealpost installation is already here; "
                          "not touching it")
        self.server = None

    def purge(self):
        if self.server and self.server.poll() is None:
            self.server.kill()
            self.server.wait()
        r = dpkg("--purge", "sealpost")
        # The package keeps the data directory on purge (it holds the master
        # key); this one is the test's own.
        shutil.rmtree(DATA, ignore_errors=True)
        shutil.rmtree("/etc/sealpost", ignore_errors=True)
        try:
            grp.getgrnam("sealpost")
            subprocess.run(["delgroup", "--system", "sealpost"],
                           capture_output=True)
        except KeyError:
            pass
        return r

    def start(self, env):
        log = open(os.path.join(self.work, "server.log"), "wb")
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("SEALPOST_")}
        e.update(env)
        self.server = subprocess.Popen(
            [INSTALLED, "server", "--config", CONFIG], stdout=log,
            stderr=subprocess.STDOUT, env=e, user="sealpost",
            group="sealpost", extra_groups=[], cwd="/")
        log.close()

        def started():
            return " started: " in self.log() or self.server.poll() is not None
        lib.wait_for(started, 30)
        self.assertIsNone(self.server.poll(), self.log())
        self.assertIn(" started: ", self.log())

    def log(self):
        with open(os.path.join(self.work, "server.log"), errors="replace") as f:
            return f.read()

    def test_install_init_start_protect_read_purge(self):
        self.work = lib.tempfile.mkdtemp(prefix="sealpost-pkg-")
        lib._CREATED.append(self.work)
        # Its own build directory (the binary only): ops_test's PackageTest
        # may be staging a package in build/ at the same time.
        os.symlink(os.path.abspath(lib.BINARY),
                   os.path.join(self.work, "sealpost"))
        r = subprocess.run([os.path.join(ROOT, "scripts", "make-package"),
                            self.work], capture_output=True, text=True,
                           timeout=300,
                           env=dict(os.environ, SEALPOST_LINTIAN="no",
                                    SEALPOST_DEB_COMPRESSION="gzip"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        deb = r.stdout.split("make-package: built ")[1].split()[0]

        self.addCleanup(self.purge)
        r = dpkg("-i", deb)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(os.access(INSTALLED, os.X_OK))
        user = pwd.getpwnam("sealpost")
        st = os.stat(DATA)
        self.assertEqual((st.st_uid, st.st_mode & 0o777), (user.pw_uid, 0o700))
        st = os.stat(CONFIG)
        self.assertEqual((st.st_gid, st.st_mode & 0o777),
                         (user.pw_gid, 0o640))

        # First start, as the postinst says: init as the service's user.
        r = as_sealpost("init")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("(existing, not modified)", r.stdout)
        # The packaged configuration puts the API on loopback, apart.
        self.assertIn("export SEALPOST_ADDR=https://127.0.0.1:8444", r.stdout)
        key = os.stat(os.path.join(DATA, "master.key"))
        self.assertEqual((key.st_uid, key.st_mode & 0o777),
                         (user.pw_uid, 0o600))

        # The installed configuration; the environment only moves the
        # listeners to free ports, names the domain and keeps delivered mail
        # in a Maildir to read.
        https, admin, smtp = lib.free_port(), lib.free_port(), lib.free_port()
        self.start({
            "SEALPOST_SMTP_ACCEPTED_DOMAINS": "example.com",
            "SEALPOST_SERVER_HTTPS_LISTEN": "127.0.0.1:%d" % https,
            "SEALPOST_SERVER_ADMIN_LISTEN": "127.0.0.1:%d" % admin,
            "SEALPOST_SERVER_SMTP_LISTEN": "127.0.0.1:%d" % smtp,
            "SEALPOST_SMTP_NEXT_HOP": "maildir:" + DATA + "/mailbox"})
        with open(os.path.join(DATA, "admin.token")) as f:
            token = f.read().strip()
        cli = {"SEALPOST_ADDR": "https://127.0.0.1:%d" % admin,
               "SEALPOST_TOKEN": token,
               "SEALPOST_CACERT": DATA + "/tls/ca.pem"}
        passwords = {"alice@example.com": "alice-" + uuid.uuid4().hex,
                     "bob@example.com": "bob-" + uuid.uuid4().hex}
        # The CLI finds the admin API and init's CA from the server's
        # configuration (SEALPOST_CONFIG) when SEALPOST_ADDR is not set.
        r = as_sealpost("rms", "activate", env={
            "SEALPOST_CONFIG": CONFIG, "SEALPOST_TOKEN": token,
            "SEALPOST_SERVER_ADMIN_LISTEN": "127.0.0.1:%d" % admin})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for args in (["user", "add", "alice@example.com", "--password",
                      passwords["alice@example.com"]],
                     ["user", "add", "bob@example.com", "--password",
                      passwords["bob@example.com"]],
                     ["license", "assign", "--user", "alice@example.com"]):
            r = as_sealpost(*args, env=cli)
            self.assertEqual(r.returncode, 0, (args, r.stdout, r.stderr))

        tag = uuid.uuid4().hex
        with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as c:
            c.sendmail("alice@example.com", ["bob@example.com"],
                       ("From: alice@example.com\r\nTo: bob@example.com\r\n"
                        "Subject: installed " + tag + " [encrypt]\r\n\r\n"
                        "secret-" + tag + "\r\n").encode())
        new = os.path.join(DATA, "mailbox", "new")

        def delivered():
            for name in os.listdir(new) if os.path.isdir(new) else []:
                with open(os.path.join(new, name), "rb") as f:
                    data = f.read()
                if tag.encode() in data:
                    return os.path.join(new, name), data
            return None
        found = lib.wait_for(delivered, 30)
        self.assertTrue(found, self.log()[-3000:])
        path, data = found
        self.assertIn(b"X-Sealpost-Protected", data)
        self.assertNotIn(b"secret-" + tag.encode(), data)
        shutil.copy(path, os.path.join(self.work, "wrapper.eml"))
        os.chmod(os.path.join(self.work, "wrapper.eml"), 0o644)
        os.chmod(self.work, 0o755)
        r = as_sealpost("open", os.path.join(self.work, "wrapper.eml"),
                        env=dict(cli, SEALPOST_USER="bob@example.com",
                                 SEALPOST_PASSWORD=passwords[
                                     "bob@example.com"]))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("secret-" + tag, r.stdout)

        # The portal's listener serves no API (server.admin_listen).
        code = subprocess.run(
            ["curl", "-sS", "-o", "-", "-w", "%{http_code}",
             "--cacert", cli["SEALPOST_CACERT"], "-H",
             "Authorization: Bearer " + token,
             "https://127.0.0.1:%d/api/v1/sys/status" % https],
            capture_output=True, text=True, timeout=30).stdout[-3:]
        self.assertEqual(code, "404")

        if shutil.which("systemd-analyze"):
            r = subprocess.run(["systemd-analyze", "verify", "--man=no",
                                UNIT], capture_output=True, text=True,
                               timeout=60)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        self.server.terminate()
        self.assertEqual(self.server.wait(timeout=30), 0, self.log()[-2000:])
        self.assertIn("stopped cleanly", self.log())

        r = self.purge()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertFalse(package_installed())
        for gone in (INSTALLED, UNIT, CONFIG, DATA):
            self.assertFalse(os.path.exists(gone), gone)
        with self.assertRaises(KeyError):
            pwd.getpwnam("sealpost")


if __name__ == "__main__":
    unittest.main(verbosity=2)
