#!/usr/bin/env python3
"""SIGHUP reloads the TLS certificate and key (certbot renewal) and the log
settings without dropping a connection (issue 16, docs/operations.md): the
certificate files are replaced as certbot does (a new file renamed over the
old), `kill -HUP`, and Python's ssl module (a client we did not write)
checks which certificate new HTTPS and SMTP STARTTLS connections get, while
an SMTP session and an HTTPS keep-alive connection opened before go on. A
bad new certificate is refused with an error in the log and the old one
kept.
"""

import http.client
import os
import signal
import smtplib
import ssl
import subprocess
import sys
import tempfile
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smtp_testlib import DevServer, wait_for  # noqa: E402


def make_cert(directory, name):
    """A self-signed P-256 certificate for `name`; returns (cert, key)."""
    cert = os.path.join(directory, name + ".crt")
    key = os.path.join(directory, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=" + name, "-addext",
                    "subjectAltName=DNS:" + name + ",IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


def der(cert_path):
    with open(cert_path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def install(src, dst):
    """As certbot does: write beside, then rename over the old file."""
    with open(src, "rb") as f:
        data = f.read()
    tmp = dst + ".new"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, dst)


def no_verify():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class ReloadTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sealpost-reload-")
        self.old = make_cert(self.dir, "old.test")
        self.new = make_cert(self.dir, "new.test")
        self.cert = os.path.join(self.dir, "live.crt")
        self.key = os.path.join(self.dir, "live.key")
        install(self.old[0], self.cert)
        install(self.old[1], self.key)
        self.config = os.path.join(self.dir, "sealpost.toml")
        self.write_config("info")
        self.server = DevServer(
            args=["--config", self.config],
            env={"SEALPOST_TLS_CERT_FILE": self.cert,
                 "SEALPOST_TLS_KEY_FILE": self.key})
        self.https_port = int(self.server.url.rsplit(":", 1)[1])

    def tearDown(self):
        self.server.stop()
        subprocess.run(["rm", "-rf", self.dir])

    def write_config(self, level):
        with open(self.config, "w") as f:
            f.write('[log]\nlevel = "%s"\n' % level)

    def https_cert(self):
        ctx = no_verify()
        conn = http.client.HTTPSConnection("127.0.0.1", self.https_port,
                                           context=ctx, timeout=10)
        conn.connect()
        try:
            return conn.sock.getpeercert(binary_form=True)
        finally:
            conn.close()

    def smtp_cert(self):
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port,
                          timeout=10) as c:
            c.starttls(context=no_verify())
            return c.sock.getpeercert(binary_form=True)

    def hangup(self, needle):
        """SIGHUP, then wait for `needle` in the log."""
        before = len(self.server.read_log())
        self.server.proc.send_signal(signal.SIGHUP)
        self.assertTrue(
            wait_for(lambda: needle in self.server.read_log()[before:], 10),
            self.server.read_log()[before:])
        self.assertIsNone(self.server.proc.poll(), "the server exited")
        return self.server.read_log()[before:]

    def send_rest(self, c, marker):
        self.assertEqual(c.rcpt("bob@example.com")[0], 250)
        code, resp = c.data(("Subject: " + marker + "\r\n\r\nx\r\n").encode())
        self.assertEqual(code, 250, resp)

    def test_new_connections_get_the_new_certificate_open_ones_go_on(self):
        self.assertEqual(self.https_cert(), der(self.old[0]))
        self.assertEqual(self.smtp_cert(), der(self.old[0]))
        # Opened before the reload: an SMTP session under TLS mid-transaction,
        # a plain one, and an HTTPS keep-alive connection.
        tls_session = smtplib.SMTP("127.0.0.1", self.server.smtp_port,
                                   timeout=10)
        tls_session.starttls(context=no_verify())
        self.assertEqual(tls_session.sock.getpeercert(binary_form=True),
                         der(self.old[0]))
        tls_session.ehlo("before.test")
        self.assertEqual(tls_session.mail("alice@example.com")[0], 250)
        plain_session = smtplib.SMTP("127.0.0.1", self.server.smtp_port,
                                     timeout=10)
        plain_session.ehlo("before.test")
        self.assertEqual(plain_session.mail("alice@example.com")[0], 250)
        keepalive = http.client.HTTPSConnection(
            "127.0.0.1", self.https_port, context=no_verify(), timeout=10)
        keepalive.request("GET", "/healthz")
        self.assertEqual(keepalive.getresponse().read(), b"ok\n")

        install(self.new[0], self.cert)
        install(self.new[1], self.key)
        log = self.hangup("SMTP STARTTLS: TLS certificate reloaded")
        self.assertIn("HTTPS: TLS certificate reloaded", log)

        self.assertEqual(self.https_cert(), der(self.new[0]))
        self.assertEqual(self.smtp_cert(), der(self.new[0]))
        # The sessions opened before finish their mail; the keep-alive
        # connection serves another request on the same socket.
        self.send_rest(tls_session, uuid.uuid4().hex)
        self.send_rest(plain_session, uuid.uuid4().hex)
        tls_session.quit()
        plain_session.quit()
        keepalive.request("GET", "/healthz")
        self.assertEqual(keepalive.getresponse().read(), b"ok\n")
        keepalive.close()

    def test_a_bad_certificate_is_refused_and_the_old_one_kept(self):
        # A certificate whose key is not the one beside it (half-renewed).
        install(self.new[0], self.cert)
        log = self.hangup("cannot load TLS key")
        self.assertIn("keeping the certificate in use", log)
        self.assertEqual(self.https_cert(), der(self.old[0]))
        self.assertEqual(self.smtp_cert(), der(self.old[0]))
        # Not a certificate at all.
        with open(self.cert, "w") as f:
            f.write("not a certificate\n")
        self.hangup("cannot load TLS certificate")
        self.assertEqual(self.https_cert(), der(self.old[0]))
        # Fixed: the next SIGHUP takes it.
        install(self.new[0], self.cert)
        install(self.new[1], self.key)
        self.hangup("HTTPS: TLS certificate reloaded")
        self.assertEqual(self.https_cert(), der(self.new[0]))

    def test_log_level_follows_the_config_file(self):
        def send(marker):
            with smtplib.SMTP("127.0.0.1", self.server.smtp_port,
                              timeout=10) as c:
                c.sendmail("alice@example.com", ["bob@example.com"],
                           ("Subject: " + marker + "\r\n\r\nx\r\n").encode())
        send("one")
        self.assertNotIn("smtp: queued", self.server.read_log())
        self.write_config("debug")
        self.hangup("log level debug")
        send("two")
        self.assertTrue(wait_for(
            lambda: "smtp: queued" in self.server.read_log(), 10),
            self.server.read_log())


if __name__ == "__main__":
    unittest.main(verbosity=2)
