"""Journaling end to end (issue 15): journal rules made with the CLI, mail
sent with smtplib, envelope journal reports read from the dev Maildir with
Python's email package. Reports list every recipient (Bcc included), attach
the message, and carry the decrypted original of protected mail only when
JournalReportDecryptionEnabled is on; their bounces go to
JournalingReportNdrTo, never to the journaled sender.
"""

import email
import email.policy
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import smtp_testlib as lib  # noqa: E402


unique = lib.unique
DECRYPTED = "Decrypted copy of the protected message"
JOURNALED = "Journaled message"


def read(path):
    with open(path, "rb") as f:
        return f.read()


def body_lines(report):
    text = report.get_body(("plain",)).get_content()
    return [line for line in text.splitlines() if line]


def attached(path):
    """(Content-Description, raw bytes) of each message/rfc822 part, cut
    from the report's bytes (no re-serialisation)."""
    data = read(path)
    report = email.message_from_bytes(data, policy=email.policy.default)
    delimiter = b"\r\n--" + report.get_boundary().encode()
    out = []
    for segment in data.split(delimiter)[1:]:
        if segment.startswith(b"--"):
            break
        head, _, body = segment.partition(b"\r\n\r\n")
        part = email.message_from_bytes(head.split(b"\r\n", 1)[1] +
                                        b"\r\n\r\n",
                                        policy=email.policy.default)
        if part.get_content_type() == "message/rfc822":
            out.append((part["Content-Description"], body))
    return out


class JournalTest(lib.DevServerCase):
    def journal_rule(self, name, *args):
        r = self.server.cli("journal", "rule", "new", name, *args)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.addCleanup(self.server.cli, "journal", "rule", "remove", name)
        return r

    def reports_now(self, address, token):
        """Report files delivered to `address` so far that hold `token`."""
        out = []
        for p in self.server.mailbox_files():
            data = read(p)
            if (("Delivered-To: " + address + "\r\n").encode() in data and
                    token.encode() in data):
                out.append(p)
        return out

    def report_to(self, address, token):
        """The one report to `address` holding `token`, once it arrived."""
        files = lib.wait_for(lambda: self.reports_now(address, token), 30)
        self.assertTrue(files, "no report to %s holding %s:\n%s" % (
            address, token, self.server.read_log()[-3000:]))
        self.assertEqual(len(files), 1, files)
        return files[0]

    def set_decryption(self, on):
        r = self.server.cli("irm", "set", "--JournalReportDecryptionEnabled",
                            "True" if on else "False")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_cli_rules_and_refused_journal_addresses(self):
        tag = unique()
        # Outside the organisation without TLS policy verify: refused.
        r = self.server.cli("journal", "rule", "new", "Out " + tag,
                            "--journal-address", "archive@vault" + tag +
                            ".test")
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertIn("verify", r.stderr)
        listed = self.server.cli("journal", "rule", "list", "--json")
        self.assertNotIn("Out " + tag, listed.stdout)
        # With verified TLS to that domain it is accepted.
        self.server.cli("tls", "policy", "set", "vault" + tag + ".test",
                        "verify", check=True)
        self.journal_rule("Out " + tag, "--journal-address",
                          "archive@vault" + tag + ".test")
        r = self.server.cli("journal", "rule", "new", "Bad " + tag,
                            "--scope", "Everywhere", "--journal-address",
                            "j@example.com")
        self.assertEqual(r.returncode, 2)
        self.assertIn("Global, Internal or External", r.stderr)

        self.journal_rule("Legal " + tag, "--scope", "internal",
                          "--recipient", "Bob@Example.com",
                          "--journal-address", "legal@example.com")
        got = self.server.cli("journal", "rule", "get", "legal " + tag)
        self.assertEqual(got.returncode, 0, got.stderr)
        self.assertRegex(got.stdout, r"Scope\s+: Internal")
        self.assertRegex(got.stdout, r"Recipient\s+: bob@example.com")
        self.assertRegex(got.stdout, r"JournalEmailAddress\s+: "
                                     r"legal@example.com")
        self.assertRegex(got.stdout, r"Enabled\s+: True")
        off = self.server.cli("journal", "rule", "disable", "Legal " + tag)
        self.assertRegex(off.stdout, r"Enabled\s+: False")
        dup = self.server.cli("journal", "rule", "new", "LEGAL " + tag,
                              "--journal-address", "legal@example.com")
        self.assertEqual(dup.returncode, 2)

        # A routing local part would leave for another domain (was:
        # accepted as ours); so would an outside --ndr-to, which gets the
        # bounces of reports and so the header of the mail (was: any).
        for addr in ("archive%evil" + tag + ".test@example.com",
                     "evil" + tag + ".test!archive@example.com"):
            r = self.server.cli("journal", "rule", "new", "Route " + tag,
                                "--journal-address", addr)
            self.assertEqual(r.returncode, 2, r.stdout)
            self.assertIn("routing character", r.stderr)
            r = self.server.cli("journal", "set", "--ndr-to", addr)
            self.assertEqual(r.returncode, 2, r.stdout)
        r = self.server.cli("journal", "set", "--ndr-to",
                            "ops@elsewhere" + tag + ".test")
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertIn("verify", r.stderr)
        self.server.cli("journal", "set", "--ndr-to", "ops@example.com",
                        check=True)
        self.addCleanup(self.server.cli, "journal", "set", "--ndr-to", "")
        shown = self.server.cli("journal", "get")
        self.assertRegex(shown.stdout,
                         r"JournalingReportNdrTo\s+: ops@example.com")

    def test_plain_message_report_lists_bcc_and_attaches_original(self):
        tag = unique()
        hidden = "hidden-" + tag + "@example.com"
        journal = "journal-" + tag + "@example.com"
        self.journal_rule("Plain " + tag, "--recipient", hidden,
                          "--journal-address", journal)
        raw = ("From: Alice <alice@example.com>\r\n"
               "To: bob@example.com\r\n"
               "Cc: carol@partner.test\r\n"
               "Subject: plain " + tag + "\r\n"
               "Message-ID: <" + tag + "@example.com>\r\n"
               "\r\nbody " + tag + "\r\n").encode()
        self.send("alice@example.com",
                  ["bob@example.com", "carol@partner.test", hidden], raw)
        path = self.report_to(journal, tag)
        data = read(path)
        report = self.parse(path)
        self.assertEqual(report["X-Sealpost-Journal-Report"], "envelope")
        self.assertEqual(report["To"], journal)
        # No NDR address set: the report's reverse-path is empty, never the
        # journaled sender.
        self.assertTrue(data.startswith(b"Return-Path: <>\r\n"), data[:80])
        lines = body_lines(report)
        self.assertEqual(lines, [
            "Sender: alice@example.com",
            "Subject: plain " + tag,
            "Message-Id: <" + tag + "@example.com>",
            "To: bob@example.com",
            "Cc: carol@partner.test",
            "Bcc: " + hidden,
        ])
        parts = attached(path)
        self.assertEqual([d for d, _ in parts], [JOURNALED])
        self.assertEqual(parts[0][1], raw)
        self.assertIn(raw, data)  # byte for byte inside the report
        # Nobody else got a report, and only one went to the journal.
        time.sleep(1)
        self.assertEqual(len(self.reports_now(journal, tag)), 1)
        for p in self.server.mailbox_files():
            if b"X-Sealpost-Journal-Report" in read(p):
                self.assertNotIn(b"Delivered-To: alice@example.com", read(p))

    def protected_report(self, tag, journal, recipient):
        secret = "secret-" + tag
        raw = ("From: alice@example.com\r\n"
               "To: " + recipient + "\r\n"
               "Subject: sealed " + tag + " [encrypt]\r\n"
               "Message-ID: <" + tag + "@example.com>\r\n"
               "\r\n" + secret + " payload\r\n").encode()
        self.send("alice@example.com", [recipient], raw)
        path = self.report_to(journal, tag)
        return raw, secret, path

    def test_protected_message_decrypted_copy_only_when_enabled(self):
        tag = unique()
        recipient = "enc-" + tag + "@gmail.test"
        journal = "journal-" + tag + "@example.com"
        self.journal_rule("Sealed " + tag, "--scope", "External",
                          "--recipient", recipient,
                          "--journal-address", journal)
        self.addCleanup(self.set_decryption, True)

        self.set_decryption(False)
        raw, secret, path = self.protected_report(tag + "a", journal,
                                                  recipient)
        report = self.parse(path)
        parts = attached(path)
        self.assertEqual([d for d, _ in parts], [JOURNALED])
        journaled = email.message_from_bytes(parts[0][1],
                                             policy=email.policy.default)
        self.assertIn("template=Encrypt", journaled["X-Sealpost-Protected"])
        self.assertNotIn(secret.encode(), read(path))
        self.assertIn("Decrypted-Copy: no", body_lines(report))

        self.set_decryption(True)
        raw, secret, path = self.protected_report(tag + "b", journal,
                                                  recipient)
        report = self.parse(path)
        parts = attached(path)
        self.assertEqual([d for d, _ in parts], [JOURNALED, DECRYPTED])
        journaled = email.message_from_bytes(parts[0][1],
                                             policy=email.policy.default)
        self.assertIn("template=Encrypt", journaled["X-Sealpost-Protected"])
        self.assertEqual(parts[1][1], raw)  # the original, byte-identical
        self.assertIn(raw, read(path))
        lines = body_lines(report)
        self.assertIn("To: " + recipient, lines)
        protected = [x for x in lines if x.startswith("Protected: ")]
        self.assertEqual(len(protected), 1, lines)
        message_id = protected[0].split(": ", 1)[1]
        # The release of the decrypted copy is on the message's record.
        status = self.server.cli("message", "status", message_id)
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertIn("journal.decrypt", status.stdout)
        self.assertIn(journal, status.stdout)

    def test_large_messages_reports_streamed_byte_for_byte(self):
        # Issue 14: a large message (spooled, its copies staged to their
        # body files as they are made) is journaled from its spool and the
        # staged copies: the report holds the message as received, or the
        # protected copy the recipient got and the original, byte for byte.
        tag = unique()
        journal = "journal-" + tag + "@example.com"
        self.journal_rule("Large " + tag, "--journal-address", journal)
        self.addCleanup(self.set_decryption, True)
        self.set_decryption(True)
        line = ("large line " + tag + " 0123456789abcdef\r\n").encode()
        body = line * ((3 << 20) // len(line))

        def message(subject):
            return ("From: alice@example.com\r\nTo: bob-" + tag +
                    "@example.com\r\nSubject: " + subject + "\r\n"
                    "Message-ID: <" + subject.replace(" ", ".") +
                    "@example.com>\r\n\r\n").encode() + body

        plain = message("plain " + tag)
        self.send("alice@example.com", ["bob-" + tag + "@example.com"], plain)
        path = self.report_to(journal, "plain " + tag)
        parts = attached(path)
        self.assertEqual([d for d, _ in parts], [JOURNALED])
        self.assertTrue(parts[0][1] == plain, "the original, byte for byte")

        sealed = message("sealed " + tag + " [encrypt]")
        self.send("alice@example.com", ["bob-" + tag + "@example.com"], sealed)
        path = self.report_to(journal, "sealed " + tag)
        parts = attached(path)
        self.assertEqual([d for d, _ in parts], [JOURNALED, DECRYPTED])
        self.assertTrue(parts[1][1] == sealed, "the original, byte for byte")
        journaled = parts[0][1]
        self.assertIn(b"X-Sealpost-Protected", journaled[:20000])
        # The wrapper Bob got (after the fields delivery puts in front).
        got = [p for p in self.server.mailbox_files()
               if ("Delivered-To: bob-" + tag).encode() in read(p)[:4096] and
               b"X-Sealpost-Protected" in read(p)[:20000]]
        self.assertEqual(len(got), 1, got)
        self.assertTrue(read(got[0]).endswith(journaled),
                        "the staged wrapper, byte for byte")

    def test_scopes_and_disabled_rules(self):
        tag = unique()
        who = "scope-" + tag + "@example.com"
        internal = "ji-" + tag + "@example.com"
        external = "je-" + tag + "@example.com"
        self.journal_rule("In " + tag, "--scope", "Internal", "--recipient",
                          who, "--journal-address", internal)
        self.journal_rule("Ex " + tag, "--scope", "External", "--recipient",
                          who, "--journal-address", external)

        def send(subject, recipients):
            raw = ("From: alice@example.com\r\nTo: " + who + "\r\n"
                   "Subject: " + subject + "\r\n\r\nx\r\n").encode()
            self.send("alice@example.com", recipients, raw)

        send("inside " + tag, [who])
        send("outside " + tag, [who, "x@gmail.test"])
        self.report_to(internal, "inside " + tag)
        outside = self.report_to(external, "outside " + tag)
        self.assertIn("Bcc: x@gmail.test", body_lines(self.parse(outside)))
        self.assertEqual(self.reports_now(internal, "outside " + tag), [])
        self.assertEqual(self.reports_now(external, "inside " + tag), [])

        self.server.cli("journal", "rule", "disable", "In " + tag, check=True)
        send("later " + tag, [who])
        self.delivered("Subject: later " + tag)
        time.sleep(1.5)  # the report would be queued with the message
        self.assertEqual(self.reports_now(internal, "later " + tag), [])

    def test_arriving_protected_mail_journals_a_decrypted_copy(self):
        # Protected here first, then sent again from outside as it was
        # delivered: it arrives already protected, with its container.
        tag = unique()
        reader = "reader-" + tag + "@example.com"
        journal = "journal-" + tag + "@example.com"
        raw = ("From: alice@example.com\r\nTo: " + reader + "\r\n"
               "Subject: arrive " + tag + " [encrypt]\r\n"
               "Message-ID: <" + tag + "@example.com>\r\n"
               "\r\nsecret-" + tag + " payload\r\n").encode()
        self.send("alice@example.com", [reader], raw)
        [path] = self.delivered("arrive " + tag)
        wrapper = read(path)
        self.assertIn(b"message.sealed", wrapper)
        self.assertNotIn(b"secret-" + tag.encode(), wrapper)
        self.journal_rule("Arrive " + tag, "--recipient", reader,
                          "--journal-address", journal)
        self.send("mallory@evil.test", [reader], wrapper)
        path = self.report_to(journal, tag)
        parts = attached(path)
        self.assertEqual([d for d, _ in parts], [JOURNALED, DECRYPTED])
        self.assertEqual(parts[0][1], wrapper)  # as it arrived
        self.assertEqual(parts[1][1], raw)  # the original, byte-identical
        decrypted = email.message_from_bytes(parts[1][1],
                                             policy=email.policy.default)
        self.assertEqual(decrypted["Subject"], "arrive " + tag + " [encrypt]")
        self.assertIn("secret-" + tag + " payload", decrypted.get_content())
        lines = body_lines(self.parse(path))
        self.assertIn("Decrypted-Copy: attached", lines)
        [protected] = [x for x in lines if x.startswith("Protected: ")]
        status = self.server.cli("message", "status",
                                 protected.split(": ", 1)[1])
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertIn("license.transport_inspect", status.stdout)
        self.assertIn("journal.decrypt", status.stdout)

        # Transport decryption Disabled: nothing opens it, for the journal
        # either.
        r = self.server.cli("irm", "set", "--TransportDecryptionSetting",
                            "Disabled")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.addCleanup(self.server.cli, "irm", "set",
                        "--TransportDecryptionSetting", "Optional")
        self.send("mallory@evil.test", [reader], wrapper)
        reports = lib.wait_for(
            lambda: (lambda f: f if len(f) == 2 else None)(
                self.reports_now(journal, tag)), 30)
        self.assertTrue(reports)
        [latest] = [p for p in reports if p != path]
        self.assertEqual([d for d, _ in attached(latest)], [JOURNALED])
        self.assertNotIn(b"secret-" + tag.encode(), read(latest))


class JournalNdrTest(unittest.TestCase):
    """The journal mailbox refuses mail: the NDR goes to the --ndr-to
    address, never to the sender of the journaled message."""

    def test_ndr_to(self):
        sink = lib.SmtpSink(extra=["-f", "RCPT"])  # 5xx to every RCPT
        server = lib.DevServer(env={
            "SEALPOST_SMTP_ACCEPTED_DOMAINS": "example.com,archive.example",
            "SEALPOST_SMTP_ROUTES": "archive.example=127.0.0.1:%d" %
                                    sink.port})
        try:
            tag = unique()
            r = server.cli("journal", "rule", "new", "All", "--journal-address",
                           "vault@archive.example")
            self.assertEqual(r.returncode, 0, r.stderr)
            server.cli("journal", "set", "--ndr-to", "compliance@example.com",
                       check=True)
            import smtplib
            with smtplib.SMTP(server.smtp_host, server.smtp_port) as c:
                c.sendmail("alice@example.com", ["bob@example.com"],
                           ("From: alice@example.com\r\nTo: bob@example.com"
                            "\r\nSubject: ndr " + tag + "\r\n\r\nhi\r\n"))

            def ndr():
                for p in server.mailbox_files():
                    data = read(p)
                    if (b"Delivered-To: compliance@example.com" in data and
                            b"vault@archive.example" in data):
                        return p
                return None
            path = lib.wait_for(ndr, 60)
            self.assertTrue(path, server.read_log()[-3000:])
            dsn = email.message_from_bytes(read(path),
                                           policy=email.policy.default)
            self.assertEqual(dsn.get_content_type(), "multipart/report")
            # RET=HDRS: the bounce names the report but does not carry it.
            self.assertNotIn(b"\r\nhi\r\n", read(path))
            time.sleep(1)
            for p in server.mailbox_files():
                self.assertNotIn(b"Delivered-To: alice@example.com", read(p))
        finally:
            server.stop()
            sink.cleanup()


if __name__ == "__main__":
    unittest.main()
