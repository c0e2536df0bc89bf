#!/usr/bin/env python3
"""Mail nobody here wrote, through the real gateway: the 47 messages of
CPython's own e-mail test corpus (Debian's libpython3.11-testsuite:
delivery reports, digests, signed mail, nested messages, broken
boundaries, headers only, RFC 2231 parameters, a body with no header).

Each is sent as an MTA would hand it over (CRLF lines) from an internal
sender to an internal and an external recipient, with a rule protecting
both. Then, for every message:

- the gateway accepts it (`250`) and the internal recipient's wrapper,
  opened with `sealpost open`, gives back the bytes sent, byte for byte;
- the external recipient reads it in the portal: the page answers `200`
  with the subject as Python's e-mail package decodes it and the name of
  every attachment it finds, and each download link answers `200`;
- the server's log holds no error for it.
"""

import email
import email.policy
import glob
import html
import os
import re
import smtplib
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smtp_testlib import DevServerCase, wait_for  # noqa: E402
import portal_security_test as ps  # noqa: E402

CORPUS = sorted(glob.glob("/usr/lib/python3*/test/test_email/data/msg_*.txt"))
INTERNAL = "bob@example.com"
EXTERNAL = "reader@partner.example"

PREFIX_RE = re.compile(
    rb"\AReturn-Path: <[^>]*>\r\nDelivered-To: ([^\r]*)\r\n")


def crlf(raw):
    """Lines as an MTA hands them on: CRLF, ending in one."""
    raw = re.sub(rb"\r?\n", b"\r\n", raw)
    return raw if raw.endswith(b"\r\n") else raw + b"\r\n"


def words(text):
    return " ".join(text.split())


class RealMailTest(DevServerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server.cli("rule", "new", "Protect every message",
                       "--if", "recipient-domain=example.com,partner.example",
                       "--apply-template", "Encrypt", check=True)

    def setUp(self):
        self.assertGreaterEqual(
            len(CORPUS), 40, "CPython's e-mail corpus is missing: "
            "apt-get install libpython3.11-testsuite")

    def send_one(self, raw):
        """Sends `raw`; (internal wrapper, external wrapper)."""
        before = set(self.server.mailbox_files())
        with smtplib.SMTP(self.server.smtp_host, self.server.smtp_port,
                          timeout=30) as s:
            refused = s.sendmail("alice@example.com", [INTERNAL, EXTERNAL],
                                 raw)
        self.assertEqual(refused, {})
        files = self.arrivals(before, 2)
        got = {}
        for path in files:
            m = PREFIX_RE.match(self.read(path))
            self.assertTrue(m, path)
            got[m.group(1).decode()] = path
        self.assertEqual(sorted(got), sorted([INTERNAL, EXTERNAL]), files)
        return got[INTERNAL], got[EXTERNAL]

    def test_every_message_is_protected_opened_and_read(self):
        reader = None
        for path in CORPUS:
            name = os.path.basename(path)
            with open(path, "rb") as f:
                raw = crlf(f.read())
            with self.subTest(message=name):
                internal, external = self.send_one(raw)
                wrapper = self.read(internal)
                self.assertIn(b"X-Sealpost-Protected: v1;", wrapper[:65536])
                opened = self.opened(INTERNAL, internal)
                self.assertEqual(opened, raw)

                link = re.search(r"/m/([0-9a-f]{32})",
                                 ps.text_of(self.read(external)))
                self.assertTrue(link, name)
                msg_id = link.group(1)
                if reader is None:
                    reader = ps.browser(self.server)
                    code = ps.PortalSecurityTest.ask_otp(self, reader, msg_id,
                                                         EXTERNAL)
                    r = ps.PortalSecurityTest.verify_otp(self, reader, msg_id,
                                                         EXTERNAL, code)
                    self.assertEqual(r.status_code, 303, r.text[:500])
                page = reader.get(self.server.url + "/m/" + msg_id,
                                  timeout=30)
                self.assertEqual(page.status_code, 200, page.text[:500])
                shown = words(html.unescape(page.text))
                self.assertNotIn("damaged", shown)
                parsed = email.message_from_bytes(raw,
                                                  policy=email.policy.default)
                subject = words(str(parsed.get("Subject", "") or ""))
                if subject:
                    self.assertIn(subject, shown)
                for part in parsed.walk():
                    filename = part.get_filename()
                    if filename:
                        self.assertIn(words(filename), shown)
                links = set(re.findall(r'href="(/m/%s/part/\d+)"' % msg_id,
                                       page.text))
                # (Named inline text may be shown as text, as mail
                # readers do; a part marked attachment is always a link.)
                if any(p.get_content_disposition() == "attachment"
                       for p in parsed.walk()):
                    self.assertTrue(links, name)
                for href in links:
                    r = reader.get(self.server.url + href, timeout=30)
                    self.assertEqual(r.status_code, 200, href)
                    self.assertNotIn(b"damaged", r.content[:4096])

    # A portal page helper borrowed from the portal tests needs these.
    def wait_mail(self, pred, what, skip=()):
        return ps.PortalSecurityTest.wait_mail(self, pred, what, skip)


if __name__ == "__main__":
    unittest.main()
