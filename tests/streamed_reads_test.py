#!/usr/bin/env python3
"""Reads streamed from a container (issue 14), against the real `sealpost
server -dev`, smtplib and the dev Maildir, with one 3 MB message for an
internal and an external recipient:

- `sealpost open` of the internal wrapper reads its message.sealed from the
  file a slice at a time: the original comes out byte for byte, and a
  wrapper whose container was cut short or changed in a later segment fails
  with "the protected content is damaged", leaving the file named by --out
  as it was (the plaintext goes to a temporary file renamed on success).
- The external recipient, signed in with a passcode, downloads the
  attachment from the portal (streamed from the portal copy's body file):
  byte for byte with its Content-Length; with one byte of that file changed
  near its end the download is refused as "This message is damaged" before
  any byte of it is sent, and works again once the byte is put back.
"""

import glob
import hashlib
import os
import re
import smtplib
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import large_message_test as lm  # noqa: E402
from smtp_testlib import DevServer, wait_for, unique  # noqa: E402

BINARY = os.environ.get("SEALPOST_BINARY", "build/sealpost")


class StreamedReadsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = DevServer()
        cls.tmp = tempfile.TemporaryDirectory()
        cls.server.cli("irm", "set", "--DecryptAttachmentForEncryptOnly",
                       "True", check=True)
        tag = unique()
        cls.raw = lm.large_message(tag, 3 * 1024 * 1024)
        with smtplib.SMTP(cls.server.smtp_host, cls.server.smtp_port,
                          timeout=120) as c:
            c.sendmail("alice@example.com",
                       ["bob@example.com", "carol@partner.example"], cls.raw)

        def wrappers():
            found = {}
            for p in cls.server.mailbox_files():
                with open(p, "rb") as f:
                    b = f.read()
                if tag.encode() not in b[:8192]:
                    continue
                if b"Delivered-To: carol@partner.example" in b[:8192]:
                    found["external"] = b
                elif b"message.sealed" in b:
                    found["internal"] = b
            return found if len(found) == 2 else None
        found = wait_for(wrappers, timeout=120, interval=0.5)
        assert found, cls.server.read_log()[-3000:]
        cls.wrapper = found["internal"]
        cls.external = found["external"]

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

    def test_portal_download_streams_and_refuses_a_damaged_copy(self):
        msg_id = re.search(r"/m/([0-9a-f]{32})",
                           lm.text_of(self.external[:65536])).group(1)
        s = lm.portal_reader(self.server, msg_id, "carol@partner.example")
        page = s.get(self.server.url + "/m/" + msg_id, timeout=60)
        link = re.search(r'href="(/m/%s/part/\d+)"' % msg_id, page.text)
        self.assertTrue(link, page.text[:2000])
        url = self.server.url + link.group(1)
        want = lm.attachment_of(self.raw)
        r = s.get(url, timeout=120)
        self.assertEqual(r.status_code, 200, r.text[:500])
        self.assertEqual(int(r.headers["Content-Length"]), len(want))
        self.assertEqual(r.content, want)
        # This message's portal copy: its body file is named by its id.
        files = glob.glob(os.path.join(self.server.data_dir, "*-bodies",
                                       "p-" + msg_id.encode().hex()))
        self.assertEqual(len(files), 1, files)
        size = os.path.getsize(files[0])
        at = size * 9 // 10
        with open(files[0], "r+b") as f:
            f.seek(at)
            byte = f.read(1)
            f.seek(at)
            f.write(bytes([byte[0] ^ 0x01]))
        try:
            r = s.get(url, timeout=120)
            self.assertEqual(r.status_code, 500)
            self.assertIn("This message is damaged", r.text)
            self.assertNotIn("Content-Disposition", r.headers)
        finally:
            with open(files[0], "r+b") as f:
                f.seek(at)
                f.write(byte)
        r = s.get(url, timeout=120)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.content, want)


if __name__ == "__main__":
    unittest.main()
