"""Helpers for the gateway's end-to-end tests: start the real `sealpost`
binary in dev mode, Postfix's smtp-sink as a next hop, and read the results.

The tests talk to the gateway only with clients we did not write (swaks,
Python's smtplib, Postfix's smtp-source and a real Postfix).
"""

import atexit
import contextlib
import email
import email.policy
import json
import os
import pwd
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import uuid

BINARY = os.environ.get("SEALPOST_BINARY", "build/sealpost")
_CREATED = []


@atexit.register
def _remove_temp_dirs():
    # SEALPOST_KEEP_TEST_DIRS=1 keeps data directories and logs for a look.
    if os.environ.get("SEALPOST_KEEP_TEST_DIRS"):
        return
    for d in _CREATED:
        shutil.rmtree(d, ignore_errors=True)
        shutil.rmtree(d + ".work", ignore_errors=True)
        for suffix in (".log", ".source.log"):
            try:
                os.unlink(d + suffix)
            except OSError:
                pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=30.0, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def run_together(calls):
    """Runs each of `calls` (functions without arguments) on a thread of its
    own, all at once, and returns when every one has."""
    threads = [threading.Thread(target=call) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def wait_port(port, timeout=10.0):
    def up():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False
    return wait_for(up, timeout)


class DevServer:
    """`sealpost server -dev` on free ports in its own data directory."""

    def __init__(self, data_dir=None, args=(), env=None,
                 smtp_listen="127.0.0.1:0", preexec_fn=None):
        self.smtp_listen = smtp_listen
        # Runs in the child before exec (e.g. to lower its descriptor
        # limit).
        self.preexec_fn = preexec_fn
        if data_dir is None:
            data_dir = tempfile.mkdtemp(prefix="sealpost-gw-")
            _CREATED.append(data_dir)
        self.data_dir = data_dir
        self.log_path = self.data_dir + ".log"
        self.args = list(args)
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.proc = None
        self.start()

    def start(self, timeout=30.0):
        cmd = [BINARY, "server", "-dev", "--data-dir", self.data_dir,
               "--https-listen", "127.0.0.1:0",
               "--smtp-listen", self.smtp_listen] + self.args
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=log,
                                     env=self.env,
                                     preexec_fn=self.preexec_fn)
        log.close()

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("sealpost exited: " + self.read_log())
            try:
                with open(os.path.join(self.data_dir, "dev.json")) as f:
                    info = json.load(f)
            except (OSError, ValueError):
                return None
            return info if info.get("pid") == self.proc.pid else None
        info = wait_for(ready, timeout)
        if not info:
            raise RuntimeError("sealpost did not start: " + self.read_log())
        self.info = info
        host, port = info["smtp"].rsplit(":", 1)
        self.smtp_host, self.smtp_port = host, int(port)
        self.submission_port = None
        if "submission" in info:
            self.submission_port = int(info["submission"].rsplit(":", 1)[1])
        self.url = info["url"]
        # The admin API and /metrics: the portal's URL unless
        # server.admin_listen gives them a listener of their own.
        self.api_url = info.get("api_url", self.url)
        self.token = info["admin_token"]
        self.ca_cert = info["ca_cert"]
        self.mailbox = info["mailbox"]

    def read_log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def cli(self, *args, check=False):
        env = dict(os.environ, SEALPOST_ADDR=self.api_url,
                   SEALPOST_TOKEN=self.token, SEALPOST_CACERT=self.ca_cert)
        r = subprocess.run([BINARY] + list(args), env=env,
                           capture_output=True, text=True, timeout=60)
        if check and r.returncode != 0:
            raise AssertionError("sealpost %s: %s%s" % (args, r.stdout,
                                                         r.stderr))
        return r

    @contextlib.contextmanager
    def setting(self, noun, flag, value, back):
        """`sealpost NOUN set FLAG VALUE` for the body of a `with`, then
        FLAG set to `back` however the body ends."""
        self.cli(noun, "set", flag, value, check=True)
        try:
            yield
        finally:
            self.cli(noun, "set", flag, back, check=True)

    def passwords(self):
        """The dev users' passwords, by address."""
        return {u["email"]: u["password"] for u in self.info["users"]}

    def cli_as(self, user, *args):
        """`sealpost ARGS` signed in as the dev user `user` (SEALPOST_USER
        and that user's password; no admin token)."""
        env = dict(os.environ, SEALPOST_ADDR=self.url,
                   SEALPOST_CACERT=self.ca_cert, SEALPOST_USER=user,
                   SEALPOST_PASSWORD=self.passwords()[user])
        env.pop("SEALPOST_TOKEN", None)
        return subprocess.run([BINARY] + list(args), env=env,
                              capture_output=True, text=True, timeout=60)

    def open_as(self, user, path, password=None, args=(), env=None):
        """`sealpost open PATH ARGS...` as `user` (password: the dev user's
        by default), `env` added to the environment; the opened bytes are
        on stdout."""
        env = dict(os.environ, SEALPOST_ADDR=self.api_url,
                   SEALPOST_TOKEN=self.token, SEALPOST_CACERT=self.ca_cert,
                   SEALPOST_USER=user,
                   SEALPOST_PASSWORD=password or self.passwords()[user],
                   **(env or {}))
        return subprocess.run([BINARY, "open", path, *args], env=env,
                              capture_output=True, timeout=60)

    def submit(self, sender, recipient, raw, helo=""):
        """Sends `raw` over SMTP (EHLO `helo`); returns the queue id that
        the 250 reply to DATA names."""
        with smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=30) as c:
            c.ehlo(helo)
            c.mail(sender)
            c.rcpt(recipient)
            code, resp = c.data(raw)
        if code != 250:
            raise AssertionError("DATA answered %d %r" % (code, resp))
        return resp.decode().rsplit(" ", 1)[-1]

    def mailbox_files(self):
        d = os.path.join(self.mailbox, "new")
        if not os.path.isdir(d):
            return []
        return sorted(os.path.join(d, n) for n in os.listdir(d))

    def metrics(self):
        r = subprocess.run(["curl", "-sS", "--cacert", self.ca_cert,
                            self.api_url + "/metrics"], capture_output=True,
                           text=True, timeout=30)
        return r.stdout

    def metric(self, name):
        for line in self.metrics().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return None


def find_mail_path(servers, pred, skip=()):
    """The path of the first mail in the dev mailboxes of `servers`, not in
    `skip`, for which pred(bytes) holds; None when there is none (yet)."""
    for server in servers:
        for path in server.mailbox_files():
            if path in skip:
                continue
            with open(path, "rb") as f:
                if pred(f.read()):
                    return path
    return None


def find_mail(servers, pred, skip=()):
    """The bytes of that mail (find_mail_path); None when there is none."""
    path = find_mail_path(servers, pred, skip)
    if path is None:
        return None
    with open(path, "rb") as f:
        return f.read()


def _sink_user_args():
    # smtp-sink refuses to run as root without -u.
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        return []
    return ["-u", "nobody"]


class SmtpSink:
    """Postfix's smtp-sink appending every transaction to one dump file."""

    def __init__(self, port=None, extra=()):
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="sealpost-sink-")
        os.chmod(self.dir, 0o777)
        self.dump = os.path.join(self.dir, "dump")
        self.extra = list(extra)
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            ["smtp-sink"] + _sink_user_args() + self.extra +
            ["-D", self.dump, "127.0.0.1:%d" % self.port, "256"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_port(self.port):
            raise RuntimeError("smtp-sink did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()

    def text(self):
        try:
            with open(self.dump, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def count(self, needle):
        return self.text().count(needle)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class RawSmtp:
    """A raw SMTP conversation over a socket, to test what real clients
    never send."""

    def __init__(self, host, port, timeout=20):
        self.s = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def reply_lines(self):
        """One (possibly multiline) reply as its lines; fewer (or none)
        once the server closed."""
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                chunk = self.s.recv(65536)
                if not chunk:
                    return lines
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            lines.append(line)
            if len(line) < 4 or line[3:4] != b"-":
                return lines

    def close(self):
        self.s.close()


def unique():
    return uuid.uuid4().hex[:12]


class DevServerCase(unittest.TestCase):
    """One dev server for the test class; send with smtplib, find what the
    dev Maildir received, read it with `sealpost open` as a dev user."""

    # Environment for the class's server (settings as SEALPOST_* keys).
    server_env = None

    @classmethod
    def setUpClass(cls):
        cls.server = DevServer(env=cls.server_env)
        cls.users = cls.server.passwords()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def send(self, sender, recipients, raw, mail_options=()):
        with smtplib.SMTP(self.server.smtp_host, self.server.smtp_port,
                          timeout=30) as s:
            s.ehlo("client.example.com")
            s.sendmail(sender, recipients, raw,
                       mail_options=list(mail_options))

    @staticmethod
    def read(path):
        with open(path, "rb") as f:
            return f.read()

    def delivered(self, token, count=1):
        """Mailbox files whose content holds `token`, once `count` arrived."""
        def find():
            found = []
            for path in self.server.mailbox_files():
                with open(path, "rb") as f:
                    if token.encode() in f.read():
                        found.append(path)
            return found if len(found) >= count else None
        files = wait_for(find, timeout=30)
        self.assertTrue(files, "no delivery holding %s:\n%s" %
                        (token, self.server.read_log()[-3000:]))
        return files

    def arrivals(self, before, count):
        """Mailbox files that were not in `before`, once `count` arrived."""
        def find():
            new = [p for p in self.server.mailbox_files() if p not in before]
            return new if len(new) >= count else None
        files = wait_for(find, timeout=30)
        self.assertTrue(files, self.server.read_log()[-3000:])
        return files

    def open_as(self, user, path):
        return self.server.open_as(user, path, self.users[user])

    def opened(self, user, path):
        """What `sealpost open` gives `user` for `path`; it must open."""
        r = self.open_as(user, path)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def parse(self, path):
        with open(path, "rb") as f:
            return email.message_from_binary_file(f,
                                                  policy=email.policy.default)
