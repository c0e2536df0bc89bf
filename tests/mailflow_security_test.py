"""Attacks on the mail flow, tried as an outsider or a sender would (issue
11, items 1, 2, 16): decrypting a message by naming its id, forging the
"already protected" marker to skip a mandatory rule, and mail with no header
section or broken MIME. smtplib in, the dev Maildir out, `sealpost open` to
read; each test asserts what an attacker must not get.
"""

import base64
import email
import email.policy
import os
import smtplib
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import smtp_testlib as lib  # noqa: E402


unique = lib.unique


class MailFlowAttackTest(lib.DevServerCase):
    # -- helpers ---------------------------------------------------------

    def assert_nowhere_in_mailbox(self, secret):
        for path in self.server.mailbox_files():
            self.assertNotIn(secret.encode(), self.read(path), path)

    def rule(self, name, *args):
        r = self.server.cli("rule", "new", name, *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.addCleanup(self.server.cli, "rule", "remove", name)

    def protect_for(self, recipients, tag, secret):
        """Alice protects `secret` for `recipients`; returns the wrapper
        bytes delivered to the first recipient and the message id."""
        raw = ("From: alice@example.com\r\nTo: " + ", ".join(recipients) +
               "\r\nSubject: [encrypt] orig " + tag + "\r\n\r\n" + secret +
               "\r\n").encode()
        self.send("alice@example.com", recipients, raw)
        files = self.delivered("orig " + tag, count=len(recipients))
        first = [p for p in files
                 if self.parse(p)["Delivered-To"] == recipients[0]][0]
        header = self.parse(first)["X-Sealpost-Protected"]
        msg_id = header.split("id=")[1].split(";")[0].strip()
        return self.read(first), msg_id, raw

    # -- item 1: decrypt by reference ------------------------------------

    def test_header_naming_an_id_decrypts_nothing(self):
        tag, secret = unique(), "secret-" + unique()
        _, msg_id, _ = self.protect_for(["carol-" + tag + "@gmail.test"],
                                        tag, secret)
        self.rule("Decrypt inbound " + tag, "--if",
                  "recipient-scope=InOrganization", "--remove-protection")
        attack = ("From: mallory@evil.test\r\nTo: bob@example.com\r\n"
                  "Subject: ref " + tag + "\r\n"
                  "X-Sealpost-Protected: v1; id=" + msg_id +
                  "; template=Encrypt\r\n\r\nhello\r\n").encode()
        self.send("mallory@evil.test", ["bob@example.com"], attack,
                  mail_options=["RET=FULL"])
        [path] = self.delivered("ref " + tag)
        data = self.read(path)
        self.assertNotIn(secret.encode(), data)
        # The forged marker does not even travel on.
        self.assertNotIn(b"X-Sealpost-Protected", data)
        self.assert_nowhere_in_mailbox(secret)

    def test_transport_decryption_only_for_granted_and_live(self):
        tag, secret = unique(), "secret-" + unique()
        wrapper, msg_id, raw = self.protect_for(["bob@example.com"], tag,
                                                secret)
        self.assertIn(b"message.sealed", wrapper)
        self.rule("Decrypt " + tag, "--if", "recipient-domain=example.com",
                  "--remove-protection")
        # bob is in the grants: he gets the original; eve is not.
        before = set(self.server.mailbox_files())
        self.send("mallory@evil.test", ["bob@example.com", "eve@example.com"],
                  wrapper)
        files = self.arrivals(before, 2)
        by_rcpt = {self.parse(p)["Delivered-To"]: self.read(p) for p in files}
        self.assertTrue(by_rcpt["bob@example.com"].endswith(raw))
        self.assertNotIn(secret.encode(), by_rcpt["eve@example.com"])
        self.assertIn(b"X-Sealpost-Protected", by_rcpt["eve@example.com"])
        # Revoked: nobody gets plaintext any more.
        r = self.server.cli("message", "revoke", msg_id)
        self.assertEqual(r.returncode, 0, r.stderr)
        before = set(self.server.mailbox_files())
        self.send("mallory@evil.test", ["bob@example.com"], wrapper)
        [path] = self.arrivals(before, 1)
        self.assertNotIn(secret.encode(), self.read(path))

    def test_remove_protection_needs_the_container_in_the_mail(self):
        # An external recipient's wrapper carries no container: the server
        # copy is never looked up, even for a granted recipient.
        tag, secret = unique(), "secret-" + unique()
        wrapper, _, _ = self.protect_for(["bob@example.com",
                                          "k-" + tag + "@gmail.test"],
                                         tag, secret)
        external = [p for p in self.server.mailbox_files()
                    if b"k-" + tag.encode() in self.read(p)
                    and self.parse(p)["Delivered-To"] != "bob@example.com"]
        self.assertEqual(len(external), 1)
        ext_wrapper = self.read(external[0])
        self.assertNotIn(b"message.sealed", ext_wrapper)
        self.rule("Unprotect " + tag, "--if", "recipient=bob@example.com",
                  "--remove-protection")
        self.send("alice@example.com", ["bob@example.com"],
                  ext_wrapper.replace(b"orig " + tag.encode(),
                                      b"ext " + tag.encode(), 1))
        [path] = self.delivered("ext " + tag)
        self.assertNotIn(secret.encode(), self.read(path))

    # -- item 2: forged "already protected" -------------------------------

    def encrypt_external_rule(self, tag):
        self.rule("Encrypt external " + tag, "--if",
                  "recipient-scope=NotInOrganization",
                  "--apply-template", "Encrypt")

    def assert_protected_for(self, token, secret):
        [path] = self.delivered(token)
        data = self.read(path)
        self.assertNotIn(secret.encode(), data)
        self.assertIn(b"X-Sealpost-Protected", data)
        self.assertIn(secret.encode(), self.opened("alice@example.com", path))

    def test_forged_header_does_not_skip_the_rule(self):
        tag, secret = unique(), "secret-" + unique()
        self.encrypt_external_rule(tag)
        raw = ("From: alice@example.com\r\nTo: x@gmail.test\r\n"
               "Subject: forged " + tag + "\r\n"
               "X-Sealpost-Protected: v1; id=0123; template=Encrypt\r\n\r\n" +
               secret + "\r\n").encode()
        self.send("alice@example.com", ["x@gmail.test"], raw)
        self.assert_protected_for("forged " + tag, secret)

    def test_forged_sealed_part_does_not_skip_the_rule(self):
        tag, secret = unique(), "secret-" + unique()
        self.encrypt_external_rule(tag)
        raw = ("From: alice@example.com\r\nTo: x@gmail.test\r\n"
               "Subject: part " + tag + "\r\nMIME-Version: 1.0\r\n"
               "Content-Type: multipart/mixed; boundary=B\r\n\r\n"
               "--B\r\nContent-Type: text/plain\r\n\r\n" + secret + "\r\n"
               "--B\r\nContent-Type: application/vnd.sealpost.sealed\r\n"
               "Content-Disposition: attachment; filename=message.sealed\r\n"
               "\r\nSEALPOST\x01 not really\r\n--B--\r\n").encode()
        self.send("alice@example.com", ["x@gmail.test"], raw)
        self.assert_protected_for("part " + tag, secret)

    def test_fake_smime_does_not_skip_the_rule(self):
        tag, secret = unique(), "secret-" + unique()
        self.encrypt_external_rule(tag)
        body = base64.encodebytes(secret.encode()).decode().replace(
            "\n", "\r\n")
        raw = ("From: alice@example.com\r\nTo: x@gmail.test\r\n"
               "Subject: smime " + tag + "\r\nMIME-Version: 1.0\r\n"
               "Content-Type: application/pkcs7-mime; "
               "smime-type=enveloped-data; name=smime.p7m\r\n"
               "Content-Transfer-Encoding: base64\r\n\r\n" + body).encode()
        self.send("alice@example.com", ["x@gmail.test"], raw)
        [path] = self.delivered("smime " + tag)
        self.assertIn(b"X-Sealpost-Protected", self.read(path))
        self.assertNotIn(body.strip().encode(), self.read(path))

    def test_real_container_beside_new_text_does_not_count(self):
        tag, secret = unique(), "secret-" + unique()
        wrapper, msg_id, _ = self.protect_for(["bob@example.com"], tag,
                                              "old " + unique())
        container = self.parse_container(wrapper)
        self.encrypt_external_rule(tag)
        raw = ("From: alice@example.com\r\nTo: x@gmail.test\r\n"
               "Subject: fwd " + tag + "\r\nMIME-Version: 1.0\r\n"
               "X-Sealpost-Protected: v1; id=" + msg_id +
               "; template=Encrypt\r\n"
               "Content-Type: multipart/mixed; boundary=B\r\n\r\n"
               "--B\r\nContent-Type: text/plain\r\n\r\n" + secret + "\r\n"
               "--B\r\nContent-Type: application/vnd.sealpost.sealed\r\n"
               "Content-Disposition: attachment; filename=message.sealed\r\n"
               "Content-Transfer-Encoding: base64\r\n\r\n" +
               base64.encodebytes(container).decode().replace("\n", "\r\n") +
               "--B--\r\n").encode()
        self.send("alice@example.com", ["x@gmail.test"], raw)
        self.assert_protected_for("fwd " + tag, secret)

    def parse_container(self, wrapper):
        m = email.message_from_bytes(wrapper, policy=email.policy.default)
        for part in m.iter_attachments():
            if part.get_filename() == "message.sealed":
                return part.get_content()
        self.fail("no message.sealed")

    def marker_id(self, data):
        m = email.message_from_bytes(data, policy=email.policy.default)
        return m["X-Sealpost-Protected"].split("id=")[1].split(";")[0]

    def test_unchanged_wrapper_is_not_sealed_twice(self):
        tag = unique()
        wrapper, msg_id, _ = self.protect_for(["bob@example.com"], tag,
                                              "s-" + unique())
        self.encrypt_external_rule(tag)
        # Redirected as is: the Maildir's Return-Path and Delivered-To are
        # trace fields outside the seal.
        before = set(self.server.mailbox_files())
        self.send("alice@example.com", ["y-" + tag + "@gmail.test"], wrapper)
        [path] = self.arrivals(before, 1)
        self.assertEqual(self.marker_id(self.read(path)), msg_id)

    def test_wrapper_with_a_new_subject_is_sealed_again(self):
        # Headers outside the body are a channel too: a real wrapper whose
        # Subject now carries data is not "already protected".
        tag, secret = unique(), "secret-" + unique()
        wrapper, msg_id, _ = self.protect_for(["bob@example.com"], tag,
                                              "s-" + unique())
        self.encrypt_external_rule(tag)
        leaked = wrapper.replace(b"Subject: orig " + tag.encode(),
                                 b"Subject: " + secret.encode(), 1)
        self.assertNotEqual(leaked, wrapper)
        before = set(self.server.mailbox_files())
        self.send("alice@example.com", ["z-" + tag + "@gmail.test"], leaked)
        [path] = self.arrivals(before, 1)
        self.assertNotEqual(self.marker_id(self.read(path)), msg_id)
        self.assertIn(secret.encode(), self.opened("alice@example.com", path))

    # -- item 16: mail nobody here wrote -----------------------------------

    def test_no_header_section_passes_through(self):
        tag = unique()
        body = ("------------------------------\r\n"
                "Message: 1\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
                "\r\ndigest body " + tag + "\r\n").encode()
        self.send("list@lists.test", ["bob@example.com"], body)
        [path] = self.delivered("digest body " + tag)
        self.assertTrue(self.read(path).endswith(body))

    def test_no_header_section_is_protected_when_a_rule_says_so(self):
        tag, secret = unique(), "secret-" + unique()
        self.encrypt_external_rule(tag)
        body = ("just text, no headers " + tag + "\r\n" + secret +
                "\r\n").encode()
        self.send("alice@example.com", ["nh-" + tag + "@gmail.test"], body)
        [path] = self.delivered("nh-" + tag)
        data = self.read(path)
        self.assertNotIn(secret.encode(), data)
        self.assertIn(b"X-Sealpost-Protected", data)
        self.assertEqual(self.opened("alice@example.com", path), body)

    def test_empty_and_broken_mime_are_answered(self):
        tag = unique()
        # A 0-byte body: DATA then the end mark at once (smtplib would add
        # a line).
        with smtplib.SMTP(self.server.smtp_host, self.server.smtp_port,
                          timeout=30) as s:
            s.ehlo("client.example.com")
            s.mail("alice@example.com")
            s.rcpt("empty-" + tag + "@example.com")
            s.putcmd("DATA")
            self.assertEqual(s.getreply()[0], 354)
            s.send(b".\r\n")
            code, text = s.getreply()
            self.assertEqual(code, 250, text)
        self.delivered("empty-" + tag)
        broken = ("From: alice@example.com\r\nTo: b@gmail.test\r\n"
                  "Subject: broken " + tag + " [encrypt]\r\n"
                  "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
                  "boundary=NEVER\r\n\r\n--WRONG\r\nno closing boundary\r\n")
        self.send("alice@example.com", ["b@gmail.test"], broken.encode())
        [path] = self.delivered("broken " + tag)
        self.assertEqual(self.opened("alice@example.com", path),
                         broken.encode())

    # -- transport decryption for inspection (issue 15) -------------------

    def transport_decryption(self, mode):
        r = self.server.cli("irm", "set", "--TransportDecryptionSetting", mode)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.addCleanup(self.server.cli, "irm", "set",
                        "--TransportDecryptionSetting", "Optional")

    def redirect(self, wrapper, recipient="bob@example.com"):
        """Sends `wrapper` as is from outside; the new file delivered."""
        before = set(self.server.mailbox_files())
        self.send("mallory@evil.test", [recipient], wrapper)
        [path] = self.arrivals(before, 1)
        return self.read(path)

    def assert_unchanged(self, data, wrapper, added=b""):
        """`data` is `wrapper` byte for byte behind the Maildir's and our
        trace fields (and the rule's added header)."""
        self.assertTrue(data.endswith(added + wrapper), data[:400])
        head = data[:len(data) - len(added + wrapper)]
        names = [line.split(b":")[0] for line in head.split(b"\r\n")
                 if line and not line[:1].isspace()]
        self.assertEqual(names, [b"Return-Path", b"Delivered-To",
                                 b"Received"])

    @staticmethod
    def tampered(wrapper):
        at = wrapper.index(b"\r\n\r\n",
                           wrapper.index(b"application/vnd.sealpost.sealed"))
        at += 40
        flipped = b"B" if wrapper[at:at + 1] == b"A" else b"A"
        return wrapper[:at] + flipped + wrapper[at + 1:]

    @staticmethod
    def unmarked(mail):
        head, sep, body = mail.partition(b"\r\n\r\n")
        kept, skipping = [], False
        for line in head.split(b"\r\n"):
            if line[:1] in (b" ", b"\t") and skipping:
                continue
            skipping = line.lower().startswith(b"x-sealpost-protected:")
            if not skipping:
                kept.append(line)
        return b"\r\n".join(kept) + sep + body

    def queue_id(self, data):
        received = email.message_from_bytes(data)["Received"]
        return received.split(" id ")[1].split()[0].rstrip(";")

    def test_rules_read_protected_mail_only_when_transport_decryption_allows(
            self):
        tag, word, rest = unique(), "word" + unique(), "rest" + unique()
        wrapper, _, _ = self.protect_for(["bob@example.com"], tag,
                                         "the " + word + " inside " + rest)
        self.assertIn(b"message.sealed", wrapper)
        self.assertNotIn(word.encode(), wrapper)
        self.rule("Flag " + tag, "--if", "subject-or-body-contains=" + word,
                  "--add-header", "X-Flag-" + tag + ": hit")
        added = ("X-Flag-" + tag + ": hit\r\n").encode()
        self.transport_decryption("Disabled")
        self.assert_unchanged(self.redirect(wrapper), wrapper)
        for mode in ("Optional", "Mandatory"):
            self.transport_decryption(mode)
            self.assert_unchanged(self.redirect(wrapper), wrapper, added)
        self.assert_nowhere_in_mailbox(word)
        # Inspected twice: no line of the log carries the content.
        self.assertNotIn(rest, self.server.read_log())

    def test_mandatory_rejects_a_tampered_container_optional_says_so(self):
        tag, secret = unique(), "secret-" + unique()
        wrapper, _, _ = self.protect_for(["bob@example.com"], tag, secret)
        bad = self.tampered(wrapper)
        self.transport_decryption("Mandatory")
        with self.assertRaises(smtplib.SMTPDataError) as refused:
            self.send("mallory@evil.test", ["bob@example.com"], bad)
        self.assertEqual(refused.exception.smtp_code, 554)
        text = refused.exception.smtp_error.decode()
        self.assertIn("5.7.5", text)
        self.assertIn("cannot be decrypted for inspection", text)
        self.assertIn("seal does not verify", text)
        self.transport_decryption("Optional")
        data = self.redirect(bad)
        # As it came, but for the marker whose seal fails (removed, as any
        # X-Sealpost-* field a client writes).
        self.assert_unchanged(data, self.unmarked(bad))
        trace = self.server.cli("message", "trace", self.queue_id(data))
        self.assertEqual(trace.returncode, 0, trace.stderr)
        self.assertIn("uninspected (its seal does not verify", trace.stdout)

    def test_forged_or_lifted_container_never_reaches_a_rule(self):
        # A content oracle: a rule's outcome must not tell whoever holds a
        # container what it says, unless it is the real wrapper sent to a
        # recipient its license grants.
        tag, secret = unique(), "secret" + unique()
        wrapper, msg_id, _ = self.protect_for(["bob@example.com"], tag,
                                              secret)
        container = self.parse_container(wrapper)
        self.rule("Stop " + tag, "--if", "subject-or-body-contains=" + secret,
                  "--reject", "caught " + tag)
        self.transport_decryption("Optional")
        lifted = ("From: mallory@evil.test\r\nTo: bob@example.com\r\n"
                  "Subject: lifted " + tag + "\r\nMIME-Version: 1.0\r\n"
                  "X-Sealpost-Protected: v1; id=" + msg_id +
                  "; template=Encrypt; k=1; seal=AAAA\r\n"
                  "Content-Type: multipart/mixed; boundary=B\r\n\r\n"
                  "--B\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
                  "--B\r\nContent-Type: application/vnd.sealpost.sealed\r\n"
                  "Content-Disposition: attachment; "
                  "filename=message.sealed\r\n"
                  "Content-Transfer-Encoding: base64\r\n\r\n" +
                  base64.encodebytes(container).decode().replace(
                      "\n", "\r\n") + "--B--\r\n").encode()
        for mail, to in ((lifted, "bob@example.com"),
                         (self.tampered(wrapper), "bob@example.com"),
                         (wrapper, "eve@example.com")):
            data = self.redirect(mail, to)
            self.assertNotIn(b"caught", data)
        # The real wrapper to bob: the rule does read it.
        with self.assertRaises(smtplib.SMTPDataError) as caught:
            self.send("mallory@evil.test", ["bob@example.com"], wrapper)
        self.assertEqual(caught.exception.smtp_code, 550)
        self.assertIn(b"caught " + tag.encode(), caught.exception.smtp_error)
        self.assert_nowhere_in_mailbox(secret)

    def test_body_rules_read_every_text_a_reader_sees(self):
        # "body contains" read only the first text/plain part: the same
        # words in HTML, in a second text part, in UTF-16 or in a multipart
        # whose boundary never comes reached the recipient unprotected.
        tag, word = unique(), "hush" + unique()
        self.rule("Stop " + tag, "--if", "subject-or-body-contains=" + word,
                  "--reject", "caught " + tag)
        head = ("From: alice@example.com\r\nTo: x@gmail.test\r\n"
                "MIME-Version: 1.0\r\nSubject: shape " + tag + "\r\n")
        half = len(word) // 2
        html = ("<html><body><p>see <b>" + word[:half] + "</b>" + word[half:] +
                " &amp; more</p></body></html>")
        utf16 = base64.b64encode(("the " + word).encode("utf-16")).decode()
        big = base64.encodebytes(os.urandom(300 * 1024)).decode().replace(
            "\n", "\r\n")
        shapes = {
            "html only": "Content-Type: text/html\r\n\r\n" + html,
            "alternative": (
                "Content-Type: multipart/alternative; boundary=A\r\n\r\n"
                "--A\r\nContent-Type: text/plain\r\n\r\nsee the HTML\r\n"
                "--A\r\nContent-Type: text/html\r\n\r\n" + html +
                "\r\n--A--\r\n"),
            "second text part": (
                "Content-Type: multipart/mixed; boundary=M\r\n\r\n"
                "--M\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
                "--M\r\nContent-Type: image/png\r\n"
                "Content-Disposition: inline\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\niVBORw0K\r\n"
                "--M\r\nContent-Type: text/plain\r\n\r\nthe " + word +
                "\r\n--M--\r\n"),
            "utf-16": ("Content-Type: text/plain; charset=utf-16\r\n"
                       "Content-Transfer-Encoding: base64\r\n\r\n" + utf16 +
                       "\r\n"),
            "no boundary line": (
                "Content-Type: multipart/mixed; boundary=never\r\n\r\n"
                "the " + word + "\r\n"),
            # Past 256 KiB: the facts come from the parse over the spool.
            "html only, spooled": (
                "Content-Type: multipart/mixed; boundary=S\r\n\r\n"
                "--S\r\nContent-Type: text/html\r\n\r\n" + html +
                "\r\n--S\r\nContent-Type: application/octet-stream\r\n"
                "Content-Disposition: attachment; filename=a.bin\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n" + big +
                "--S--\r\n"),
        }
        for shape, body in shapes.items():
            with self.subTest(shape=shape):
                with self.assertRaises(smtplib.SMTPDataError) as caught:
                    self.send("alice@example.com", ["x@gmail.test"],
                              (head + body).encode())
                self.assertEqual(caught.exception.smtp_code, 550)
                self.assertIn(b"caught " + tag.encode(),
                              caught.exception.smtp_error)
        self.assert_nowhere_in_mailbox(word)

    def test_subject_rules_read_every_subject_a_reader_may_see(self):
        # Rules read GMime's subject, the last Subject field, and as it came:
        # with the word in the first of two fields (the one the wrapper and
        # most readers show), or split by a zero-width space or joined by a
        # no-break space, mail reached the recipient unprotected. So did a
        # Sensitivity field followed by a second one.
        tag, word = unique(), "hush" + unique()
        self.rule("Stop subject " + tag, "--if",
                  "subject-contains=" + word + " now", "--reject",
                  "caught " + tag)
        self.rule("Stop sensitivity " + tag, "--if",
                  "subject-contains=sens" + tag, "--if",
                  "sensitivity=Confidential", "--reject", "caught " + tag)
        # "^" and "$" keep their meaning for each field; a rule on a lower
        # sensitivity still sees it beside a higher one.
        self.rule("Stop anchored " + tag, "--if",
                  "subject-matches=^anchored" + tag + "$", "--reject",
                  "caught " + tag)
        self.rule("Stop private " + tag, "--if",
                  "subject-contains=sens-private" + tag, "--if",
                  "sensitivity=Private", "--reject", "caught " + tag)
        half = len(word) // 2
        zwsp = "=?utf-8?Q?" + word[:half] + "=E2=80=8B" + word[half:] + \
            "_now?="
        shapes = {
            "first of two": "Subject: %s now\r\nSubject: hello\r\n" % word,
            "second of two": "Subject: hello\r\nSubject: %s now\r\n" % word,
            "zero-width space": "Subject: %s\r\n" % zwsp,
            "no-break space": "Subject: =?utf-8?Q?%s=C2=A0now?=\r\n" % word,
            "narrow no-break space":
                "Subject: =?utf-8?Q?%s=E2=80=AFnow?=\r\n" % word,
            "ideographic space":
                "Subject: =?utf-8?Q?%s=E3=80=80now?=\r\n" % word,
            "anchored, first of two": "Subject: hi\r\nSubject: anchored%s\r\n"
                                      % tag,
            "private beside confidential": (
                "Subject: sens-private%s\r\nSensitivity: Private\r\n"
                "Sensitivity: Company-Confidential\r\n" % tag),
            "two sensitivities": ("Subject: sens%s\r\nSensitivity: "
                                  "Company-Confidential\r\nSensitivity: "
                                  "Normal\r\n" % tag),
        }
        for shape, fields in shapes.items():
            with self.subTest(shape=shape):
                raw = ("From: alice@example.com\r\nTo: x@gmail.test\r\n" +
                       fields + "\r\nbody " + tag + "\r\n").encode()
                with self.assertRaises(smtplib.SMTPDataError) as caught:
                    self.send("alice@example.com", ["x@gmail.test"], raw)
                self.assertEqual(caught.exception.smtp_code, 550)
                self.assertIn(b"caught " + tag.encode(),
                              caught.exception.smtp_error)
        self.assert_nowhere_in_mailbox("body " + tag)

    def test_attachment_rules_see_every_attachment_a_reader_sees(self):
        # Attachments were the parts marked "Content-Disposition:
        # attachment" only: Apple Mail's inline PDF, a file with no
        # disposition, and a forwarded message passed "has-attachment" and
        # "attachment-name" rules.
        tag, secret = unique(), "secret-" + unique()
        self.rule("Stop pdf " + tag, "--if", "attachment-name=*.pdf",
                  "--if", "subject-contains=" + tag,
                  "--reject", "caught pdf " + tag)
        self.rule("Stop any " + tag, "--if", "has-attachment",
                  "--if", "subject-contains=any" + tag,
                  "--reject", "caught any " + tag)
        pdf = base64.b64encode(b"%PDF-1.4 " + secret.encode()).decode()
        shapes = {
            "inline pdf": (tag, "application/pdf; name=report.pdf",
                           "Content-Disposition: inline; filename=report.pdf"
                           "\r\n", pdf),
            "no disposition": (tag, "application/pdf; name=\"report.pdf\"",
                               "", pdf),
            "inline picture": ("any" + tag, "image/png", "", "iVBORw0K"),
            "forwarded message": (
                "any" + tag, "message/rfc822",
                "Content-Disposition: inline\r\n",
                "Subject: fwd\r\n\r\n" + secret),
        }
        for shape, (subject, ctype, disposition, content) in shapes.items():
            encoding = ("" if ctype == "message/rfc822" else
                        "Content-Transfer-Encoding: base64\r\n")
            raw = ("From: alice@example.com\r\nTo: x@gmail.test\r\n"
                   "MIME-Version: 1.0\r\nSubject: " + subject + "\r\n"
                   "Content-Type: multipart/mixed; boundary=B\r\n\r\n"
                   "--B\r\nContent-Type: text/plain\r\n\r\nsee it\r\n"
                   "--B\r\nContent-Type: " + ctype + "\r\n" + disposition +
                   encoding + "\r\n" + content + "\r\n--B--\r\n").encode()
            with self.subTest(shape=shape):
                with self.assertRaises(smtplib.SMTPDataError) as caught:
                    self.send("alice@example.com", ["x@gmail.test"], raw)
                self.assertEqual(caught.exception.smtp_code, 550)
                rule = "pdf " if subject == tag else "any "
                self.assertIn(("caught " + rule + tag).encode(),
                              caught.exception.smtp_error)
        self.assert_nowhere_in_mailbox(secret)


    def test_rules_see_files_and_text_readers_unwrap(self):
        # A uuencoded .exe in the text (Thunderbird shows it as a file), a
        # part named evil.exe in Content-Type but evil.txt as its filename,
        # "evil.exe." (Windows saves evil.exe) and text in a base64
        # attached message all reached the recipient.
        tag, word = unique(), "hush" + unique()
        self.rule("Stop exe " + tag, "--if", "attachment-name=*.exe",
                  "--if", "subject-contains=" + tag, "--reject", "exe " + tag)
        self.rule("Stop word " + tag, "--if", "body-matches=" + word,
                  "--reject", "word " + tag)
        uu = "see file\r\nbegin 644 evil.exe\r\n)35J0 &AE;&QO\r\n`\r\nend\r\n"
        filler = ("x" * 76 + "\r\n") * 4000  # past 256 KiB: spooled
        attach = ("--B\r\nContent-Type: %s\r\n%s"
                  "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--B--\r\n")
        inner = base64.encodebytes(("Subject: in\r\n\r\nthe " + word +
                                    "\r\n").encode()).decode().strip()
        shapes = {
            "uuencode": ("", "Content-Type: text/plain\r\n\r\n" + uu),
            "uuencode, spooled": ("", "Content-Type: text/plain\r\n\r\n" +
                                  filler + uu),
            "both names": ("multi", attach % (
                "application/x-msdownload; name=\"evil.exe\"",
                "Content-Disposition: attachment; filename=\"evil.txt\""
                "\r\n", "TVqQAA==")),
            "trailing dot": ("multi", attach % (
                "application/octet-stream",
                "Content-Disposition: attachment; filename=\"evil.exe.\""
                "\r\n", "TVqQAA==")),
            "base64 message": ("multi", attach % ("message/rfc822", "",
                                                  inner)),
        }
        for shape, (kind, body) in shapes.items():
            if kind:
                body = ("Content-Type: multipart/mixed; boundary=B\r\n\r\n"
                        "--B\r\nContent-Type: text/plain\r\n\r\nsee it\r\n" +
                        body)
            raw = ("From: alice@example.com\r\nTo: x@gmail.test\r\n"
                   "MIME-Version: 1.0\r\nSubject: " + tag + "\r\n" +
                   body).encode()
            with self.subTest(shape=shape):
                why = "word " if shape == "base64 message" else "exe "
                self.assert_refused_by(raw, why + tag)
        self.assert_nowhere_in_mailbox(tag)

    def assert_refused_by(self, raw, reason):
        """alice's `raw` to x@gmail.test gets 550 with a rule's `reason`."""
        with self.assertRaises(smtplib.SMTPDataError) as caught:
            self.send("alice@example.com", ["x@gmail.test"], raw)
        self.assertEqual(caught.exception.smtp_code, 550)
        self.assertIn(reason.encode(), caught.exception.smtp_error)

    def test_file_rules_fail_closed_past_the_caps(self):
        # Past a cap on what is read of a message's files the list is
        # incomplete and a file rule fires: 1000 harmless uuencoded files
        # first, or 4 MiB of harmless base64 attached message, hid an
        # evil.exe after them and the mail reached the recipient.
        tag = unique()
        self.rule("Stop exe " + tag, "--if", "attachment-name=*.exe",
                  "--if", "subject-contains=" + tag, "--reject", "exe " + tag)
        blocks = "begin 644 a\r\n`\r\nend\r\n" * 1000
        evil = "begin 644 evil.exe\r\n`\r\nend\r\n"

        def message(inner):
            return ("--B\r\nContent-Type: message/rfc822\r\n"
                    "Content-Transfer-Encoding: base64\r\n\r\n" +
                    base64.encodebytes(inner.encode()).decode()
                    .replace("\n", "\r\n"))
        harmless = "Subject: big\r\n\r\n" + ("x" * 76 + "\r\n") * 56000
        with_exe = ("Subject: in\r\nContent-Type: application/octet-stream;"
                    " name=evil.exe\r\n\r\nMZ\r\n")
        shapes = {
            "1001 files": "Content-Type: text/plain\r\n\r\n" + blocks + evil,
            "4 MiB message first": (
                "Content-Type: multipart/mixed; boundary=B\r\n\r\n" +
                message(harmless) + message(with_exe) + "--B--\r\n"),
        }
        for shape, body in shapes.items():
            raw = ("From: alice@example.com\r\nTo: x@gmail.test\r\n"
                   "MIME-Version: 1.0\r\nSubject: " + tag + "\r\n" +
                   body).encode()
            with self.subTest(shape=shape):
                self.assert_refused_by(raw, "exe " + tag)
        self.assert_nowhere_in_mailbox(tag)


if __name__ == "__main__":
    unittest.main(verbosity=2)
