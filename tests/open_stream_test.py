#!/usr/bin/env python3
"""`sealpost open` of a wrapper mail reads its message.sealed from the file
a slice at a time (issue 14): the original comes out byte for byte, and a
wrapper whose container was cut short or changed in a later segment fails
with "the protected content is damaged", leaving the file named by --out as
it was (the plaintext goes to a temporary file renamed only on success).
Against the real `sealpost server -dev`, smtplib and the dev Maildir.
"""

import base64
import hashlib
import os
import smtplib
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smtp_testlib import DevServer, wait_for, unique  # noqa: E402

BINARY = os.environ.get("SEALPOST_BINARY", "build/sealpost")


def message(tag, size):
    head = ("From: alice@example.com\r\nTo: bob@example.com\r\n"
            "Subject: [encrypt] open " + tag + "\r\nMIME-Version: 1.0\r\n"
            "Content-Type: application/octet-stream\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n").encode()
    return head + base64.encodebytes(os.urandom(size)).replace(b"\n", b"\r\n")


class OpenStreamTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = DevServer()
        cls.tmp = tempfile.TemporaryDirectory()
        cls.raw = message(unique(), 3 * 1024 * 1024)
        tag = cls.raw.split(b"open ", 1)[1].split(b"\r\n", 1)[0]
        with smtplib.SMTP(cls.server.smtp_host, cls.server.smtp_port,
                          timeout=120) as c:
            c.sendmail("alice@example.com", ["bob@example.com"], cls.raw)

        def wrapper():
            for p in cls.server.mailbox_files():
                with open(p, "rb") as f:
                    b = f.read()
                if tag in b[:8192] and b"message.sealed" in b:
                    return b
            return None
        cls.wrapper = wait_for(wrapper, timeout=120, interval=0.5)
        assert cls.wrapper, cls.server.read_log()[-3000:]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.tmp.cleanup()

    def open(self, mail, out):
        path = os.path.join(self.tmp.name, "in-%s.eml" % unique())
        with open(path, "wb") as f:
            f.write(mail)
        env = dict(os.environ, SEALPOST_ADDR=self.server.url,
                   SEALPOST_CACERT=self.server.ca_cert,
                   SEALPOST_USER="bob@example.com",
                   SEALPOST_PASSWORD=self.server.passwords()[
                       "bob@example.com"])
        env.pop("SEALPOST_TOKEN", None)
        return subprocess.run([BINARY, "open", path, "--out", out], env=env,
                              capture_output=True, text=True, timeout=120)

    def container_lines(self):
        """The first and last line indexes of message.sealed's base64."""
        lines = self.wrapper.split(b"\r\n")
        start = next(i for i, ln in enumerate(lines)
                     if b"application/vnd.sealpost.sealed" in ln)
        start = lines.index(b"", start) + 1
        end = start
        while lines[end] and not lines[end].startswith(b"--"):
            end += 1
        return lines, start, end

    def test_wrapper_opens_byte_for_byte(self):
        out = os.path.join(self.tmp.name, "ok.eml")
        r = self.open(self.wrapper, out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, "rb") as f:
            got = f.read()
        self.assertEqual(hashlib.sha256(got).hexdigest(),
                         hashlib.sha256(self.raw).hexdigest())

    def assert_damaged_and_untouched(self, mail):
        out = os.path.join(self.tmp.name, "keep-%s.eml" % unique())
        with open(out, "wb") as f:
            f.write(b"the real one")
        r = self.open(mail, out)
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertIn("the protected content is damaged", r.stderr)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), b"the real one")
        self.assertFalse(os.path.exists(out + ".sealpost-tmp"))

    def test_changed_late_segment_fails_and_keeps_the_output(self):
        lines, start, end = self.container_lines()
        at = start + (end - start) * 9 // 10  # a segment near the end
        line = bytearray(lines[at])
        line[10] = ord("A") if line[10] != ord("A") else ord("B")
        lines[at] = bytes(line)
        self.assert_damaged_and_untouched(b"\r\n".join(lines))

    def test_truncated_container_fails_and_keeps_the_output(self):
        lines, start, end = self.container_lines()
        cut = start + (end - start) * 2 // 3
        self.assert_damaged_and_untouched(
            b"\r\n".join(lines[:cut] + lines[end:]))


if __name__ == "__main__":
    unittest.main()
