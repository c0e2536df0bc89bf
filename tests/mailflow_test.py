"""Message encryption in the mail flow, end to end: smtplib in, the dev
Maildir out, `sealpost open` to read (issue 5). Rules and branding are set
with the CLI; Python's email package reads the wrapper mails.
"""

import os
import smtplib
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import smtp_testlib as lib  # noqa: E402


unique = lib.unique


class MailFlowTest(lib.DevServerCase):
    def send_one(self, sender, to, subject, body, token):
        """Sends a plain message (`subject`, `body`) from `sender` to `to`
        and waits for the one mailbox file holding `token`: the message's
        bytes and that file's path."""
        raw = ("From: %s\r\nTo: %s\r\nSubject: %s\r\n\r\n%s\r\n" %
               (sender, to, subject, body)).encode()
        self.send(sender, [to], raw)
        [path] = self.delivered(token)
        return raw, path

    def test_subject_keyword_protects_for_external_with_branding(self):
        self.server.cli("branding", "set", "--email-text",
                        "Questions? Call the Contoso help desk.",
                        "--read-button-text", "Open the secure message",
                        check=True)
        tag = unique()
        raw = ("From: Alice <alice@example.com>\r\n"
               "To: carol@gmail.test\r\n"
               "Subject: Q3 numbers " + tag + " [encrypt]\r\n"
               "Message-ID: <" + tag + "@example.com>\r\n"
               "\r\nsecret-" + tag + " payload\r\n").encode()
        self.send("alice@example.com", ["carol@gmail.test"], raw)
        [path] = self.delivered("Q3 numbers " + tag)
        m = self.parse(path)
        protected = m["X-Sealpost-Protected"]
        self.assertIn("template=Encrypt", protected)
        self.assertEqual(m["Subject"], "Q3 numbers " + tag)  # keyword removed
        html = m.get_body(("html",)).get_content()
        self.assertIn("Open the secure message", html)
        self.assertIn("Contoso help desk", html)
        msg_id = protected.split("id=")[1].split(";")[0]
        self.assertIn(self.server.url + "/m/" + msg_id, html)
        self.assertNotIn(b"secret-" + tag.encode(), self.read(path))
        # Nothing in clear anywhere in the data directory.
        grep = subprocess.run(["grep", "-r", "secret-" + tag,
                               self.server.data_dir], capture_output=True)
        self.assertEqual(grep.returncode, 1, grep.stdout)
        # The sender (issuer) reads it back byte for byte.
        self.assertEqual(self.opened("alice@example.com", path), raw)

    def test_header_do_not_forward(self):
        tag = unique()
        raw = ("From: alice@example.com\r\nTo: dave@gmail.test\r\n"
               "Subject: dnf " + tag + "\r\n"
               "X-Sealpost-Template: Do Not Forward\r\n\r\nhello\r\n").encode()
        self.send("alice@example.com", ["dave@gmail.test"], raw)
        [path] = self.delivered("dnf " + tag)
        self.assertIn('template="Do Not Forward"',
                      self.parse(path)["X-Sealpost-Protected"])
        bob = self.open_as("bob@example.com", path)  # not a recipient
        self.assertEqual(bob.returncode, 2)
        self.assertIn(b"not a recipient", bob.stderr)
        self.assertEqual(self.open_as("alice@example.com", path).stdout, raw)

    def test_unknown_template_is_refused_not_sent_in_clear(self):
        tag = unique()
        raw = ("From: alice@example.com\r\nTo: eve@gmail.test\r\n"
               "Subject: " + tag + "\r\nX-Sealpost-Template: Nope\r\n\r\n"
               "x\r\n").encode()
        with self.assertRaises(smtplib.SMTPDataError) as ctx:
            self.send("alice@example.com", ["eve@gmail.test"], raw)
        self.assertEqual(ctx.exception.smtp_code, 550)
        self.assertIn(b"Nope", ctx.exception.smtp_error)
        for path in self.server.mailbox_files():
            self.assertNotIn(tag.encode(), self.read(path))

    def test_external_sender_choice_is_ignored(self):
        tag = unique()
        raw, path = self.send_one("mallory@gmail.test", "bob@example.com",
                                  "ext " + tag + " [encrypt]", "plain",
                                  "ext " + tag)
        data = self.read(path)
        self.assertNotIn(b"X-Sealpost-Protected", data)
        self.assertTrue(data.endswith(raw))

    def test_rule_with_exception_and_mixed_recipients(self):
        tag = unique()
        r = self.server.cli("rule", "new", "External " + tag,
                            "--if", "recipient-scope=NotInOrganization",
                            "--unless", "recipient-domain=partner.test",
                            "--apply-template", "Encrypt")
        self.assertEqual(r.returncode, 0, r.stderr)
        try:
            raw = ("From: alice@example.com\r\nTo: x@gmail.test, "
                   "p@partner.test, bob@example.com\r\nSubject: rule " + tag +
                   "\r\n\r\nbody " + tag + "\r\n").encode()
            self.send("alice@example.com",
                      ["x@gmail.test", "p@partner.test", "bob@example.com"],
                      raw)
            # The dev Maildir keeps one copy per recipient: three files, of
            # which only the external recipient's is protected.
            files = self.delivered("rule " + tag, count=3)
            self.assertEqual(len(files), 3)
            wrapped = [p for p in files if self.parse(p)["X-Sealpost-Protected"]]
            plain = [p for p in files if p not in wrapped]
            self.assertEqual(len(wrapped), 1)
            self.assertEqual(len(plain), 2)
            for p in plain:
                with open(p, "rb") as f:
                    self.assertTrue(f.read().endswith(raw))
            self.assertEqual(self.open_as("alice@example.com",
                                          wrapped[0]).stdout, raw)
        finally:
            self.server.cli("rule", "remove", "External " + tag)

    def test_mixed_internal_and_external_get_one_message_each(self):
        tag = unique()
        raw = ("From: alice@example.com\r\nTo: bob@example.com, "
               "zoe@gmail.test\r\nSubject: [encrypt] mixed " + tag +
               "\r\n\r\nshared " + tag + "\r\n").encode()
        self.send("alice@example.com", ["bob@example.com", "zoe@gmail.test"],
                  raw)
        files = self.delivered("mixed " + tag, count=2)
        self.assertEqual(len(files), 2)
        attached = {}
        for p in files:
            msg = self.parse(p)
            self.assertIsNotNone(msg["X-Sealpost-Protected"])
            names = [part.get_filename() for part in msg.iter_attachments()]
            attached[msg["Delivered-To"]] = "message.sealed" in names
        # Only the internal copy carries message.sealed; the external
        # recipient reads in the portal, which keeps the container.
        self.assertEqual(attached, {"bob@example.com": True,
                                    "zoe@gmail.test": False})
        # The internal copy opens for bob.
        opened = [self.open_as("bob@example.com", p) for p in files]
        self.assertEqual(sorted(r.returncode for r in opened), [0, 2])
        self.assertIn(raw, [r.stdout for r in opened])

    def test_audit_mode_changes_nothing(self):
        tag = unique()
        r = self.server.cli("rule", "new", "Audit " + tag, "--mode", "Audit",
                            "--if", "subject-contains=" + tag,
                            "--apply-template", "Encrypt")
        self.assertEqual(r.returncode, 0, r.stderr)
        try:
            raw, path = self.send_one("alice@example.com", "y@gmail.test",
                                      "audit " + tag, "body", "audit " + tag)
            self.assertTrue(self.read(path).endswith(raw))
            self.assertTrue(lib.wait_for(
                lambda: "rule audit: Audit " + tag in self.server.read_log(),
                timeout=10))
        finally:
            self.server.cli("rule", "remove", "Audit " + tag)

    def test_encodings_and_attachments_open_byte_identical(self):
        tag = unique()
        docx = bytes(range(256)) * 40
        pdf = b"%PDF-1.4\n" + bytes(range(200)) + b"\n%%EOF\n"
        import base64
        b64 = lambda b: base64.encodebytes(b).replace(b"\n", b"\r\n")
        rcpt = "u-" + tag + "@gmail.test"
        raw = (b"From: alice@example.com\r\nTo: " + rcpt.encode() + b"\r\n"
               b"Subject: =?UTF-8?B?" + base64.b64encode(
                   ("Größe " + tag).encode()) + b"?= [encrypt]\r\n"
               b"MIME-Version: 1.0\r\n"
               b"Content-Type: multipart/mixed; boundary=XYZ\r\n\r\n"
               b"--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\n"
               b"Content-Transfer-Encoding: 8bit\r\n\r\n"
               b"Gr\xc3\xbc\xc3\x9fe \xe2\x82\xac 8-bit\r\n"
               b"--XYZ\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
               b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
               b"caf=E9 =3D soft=\r\nbreak\r\n"
               b"--XYZ\r\nContent-Type: application/vnd.openxmlformats-"
               b"officedocument.wordprocessingml.document\r\n"
               b"Content-Disposition: attachment; filename=\"plan.docx\"\r\n"
               b"Content-Transfer-Encoding: base64\r\n\r\n" + b64(docx) +
               b"--XYZ\r\nContent-Type: application/pdf\r\n"
               b"Content-Disposition: attachment; filename=\"r.pdf\"\r\n"
               b"Content-Transfer-Encoding: base64\r\n\r\n" + b64(pdf) +
               b"--XYZ--\r\n")
        self.send("alice@example.com", [rcpt], raw)
        [path] = self.delivered(rcpt)
        self.assertEqual(self.opened("alice@example.com", path), raw)

    def test_protected_mail_is_not_sealed_twice(self):
        tag = unique()
        _, path = self.send_one("alice@example.com", "w@gmail.test",
                                "first " + tag + " [encrypt]", "x",
                                "first " + tag)
        wrapper = self.read(path)
        # Sent on as it is (the Maildir's Return-Path and Delivered-To are
        # trace fields outside the seal): still the same wrapper.
        before = set(self.server.mailbox_files())
        self.send("alice@example.com", ["w2@gmail.test"], wrapper)
        [path2] = self.arrivals(before, 1)
        again = self.read(path2)
        self.assertEqual(again.count(b"X-Sealpost-Protected:"), 1)
        self.assertEqual(self.parse(path2)["X-Sealpost-Protected"],
                         self.parse(path)["X-Sealpost-Protected"])

    def test_rule_protects_mail_from_outside_and_bounces(self):
        tag = unique()
        r = self.server.cli("rule", "new", "Inbound " + tag, "--if",
                            "subject-contains=inbound-" + tag,
                            "--apply-template", "Encrypt")
        self.assertEqual(r.returncode, 0, r.stderr)
        try:
            raw = ("From: ext@gmail.test\r\nTo: bob@example.com\r\n"
                   "Subject: inbound-" + tag + "\r\n\r\nhi\r\n").encode()
            self.send("ext@gmail.test", ["bob@example.com"], raw)
            self.send("", ["bob@example.com"], raw.replace(
                b"Subject: inbound", b"Subject: bounce inbound"))
            files = self.delivered("inbound-" + tag, count=2)
            for p in files:
                self.assertIsNotNone(self.parse(p)["X-Sealpost-Protected"])
                r = self.open_as("bob@example.com", p)
                self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            self.server.cli("rule", "remove", "Inbound " + tag)

    def test_remove_protection_rule_restores_the_original(self):
        # Our own wrapper, carrying its container, reaches a recipient the
        # license grants: a remove-protection rule gives them the original.
        # (Who else may and may not: tests/mailflow_security_test.py.)
        tag = unique()
        raw, path = self.send_one("alice@example.com", "bob@example.com",
                                  "[encrypt] rp " + tag, "orig " + tag,
                                  "rp " + tag)
        wrapper = self.read(path)
        self.assertNotIn(b"orig " + tag.encode(), wrapper)
        r = self.server.cli("rule", "new", "Unprotect " + tag, "--if",
                            "recipient=bob@example.com", "--remove-protection")
        self.assertEqual(r.returncode, 0, r.stderr)
        try:
            self.send("alice@example.com", ["bob@example.com"], wrapper)
            [out] = self.delivered("orig " + tag)
            with open(out, "rb") as f:
                self.assertTrue(f.read().endswith(raw))
        finally:
            self.server.cli("rule", "remove", "Unprotect " + tag)


if __name__ == "__main__":
    unittest.main(verbosity=2)
