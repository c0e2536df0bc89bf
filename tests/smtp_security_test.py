#!/usr/bin/env python3
"""The SMTP side of the security boundaries (issue 11, items 6 and 17),
attacked end to end with clients we did not write: raw sockets for what no
honest client sends, Python's smtplib (STARTTLS, AUTH) and swaks (--auth).
Each test names the boundary it proves in docs/security.md.
"""

import base64
import os
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smtp_testlib import (DevServer, DevServerCase, RawSmtp, SmtpSink,  # noqa: E402
                          wait_for)

# Loopback is outside the client networks: the test client is "the
# internet".
OUTSIDE = {"SEALPOST_SMTP_CLIENT_NETWORKS": "10.0.0.0/8"}
BARE_LF_REPLY = b"550 5.5.2 bare <LF> received; use <CR><LF> line endings"


def tag():
    return uuid.uuid4().hex[:12]


def read(path):
    with open(path, "rb") as f:
        return f.read()


def tls_context(server):
    ctx = ssl.create_default_context(cafile=server.ca_cert)
    ctx.check_hostname = False
    return ctx


class Raw(RawSmtp):
    """Replies as bytes, commands as bytes with their line end."""

    def __init__(self, port):
        super().__init__("127.0.0.1", port)
        self.greeting = self.reply()

    def reply(self):
        """One (possibly multiline) reply, b"" once the server closed."""
        return b"\r\n".join(self.reply_lines())

    def cmd(self, data):
        self.send(data)
        return self.reply()

    def closed(self):
        """True once the server has closed the connection."""
        try:
            self.s.settimeout(10)
            return self.s.recv(1) == b""
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def transaction(self, sender="carol@partner.test",
                    recipient="bob@example.com"):
        assert self.cmd(b"EHLO c.test\r\n").startswith(b"250")
        assert self.cmd(b"MAIL FROM:<%s>\r\n" % sender.encode()) \
            .startswith(b"250")
        assert self.cmd(b"RCPT TO:<%s>\r\n" % recipient.encode()) \
            .startswith(b"250")
        assert self.cmd(b"DATA\r\n").startswith(b"354")


def auth(c, user, password, mechanism="PLAIN"):
    """One AUTH attempt. smtplib's login() would try the next mechanism
    after a failure, which counts twice against the limits."""
    c.user, c.password = user, password
    method = c.auth_plain if mechanism == "PLAIN" else c.auth_login
    return c.auth(mechanism, method)


def mailbox_holds(server, needle):
    needle = needle.encode()
    return [p for p in server.mailbox_files() if needle in read(p)]


class ForgedInternalSenderTest(unittest.TestCase):
    """Item 6: from outside client_networks, without AUTH, an address of
    ours in MAIL FROM is refused (the default)."""

    @classmethod
    def setUpClass(cls):
        cls.server = DevServer(env=OUTSIDE)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_forged_internal_sender_is_refused_550_5_7_1(self):
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port) as c:
            c.ehlo()
            for forged in ("ceo@example.com", "CEO@EXAMPLE.COM"):
                code, msg = c.mail(forged)
                self.assertEqual(code, 550, msg)
                self.assertIn(b"5.7.1", msg)
            # Mail from outside still comes in.
            self.assertEqual(c.mail("carol@partner.test")[0], 250)
            self.assertEqual(c.rcpt("bob@example.com")[0], 250)


class RoutingLocalPartTest(unittest.TestCase):
    """An address of ours whose local part routes elsewhere ("x@y"@, %,
    !) is refused at RCPT, from outside and from our own network alike:
    a Postfix next hop with its defaults delivered
    "carol@gmail.test"@example.com to gmail.test, and the gateway took it
    as internal, so unprotected (and relayed it for anyone)."""

    def test_routing_local_parts_are_refused_553_5_1_3(self):
        for env in (OUTSIDE, None):
            server = DevServer(env=env)
            try:
                with smtplib.SMTP("127.0.0.1", server.smtp_port) as c:
                    c.ehlo()
                    code, msg = c.mail("partner@partner.example")
                    self.assertEqual(code, 250, msg)
                    for to in ('"carol@gmail.test"@example.com',
                               "carol%gmail.test@example.com",
                               "gmail.test!carol@example.com"):
                        code, msg = c.rcpt(to)
                        self.assertEqual(code, 553, (to, msg))
                        self.assertIn(b"5.1.3", msg)
                    code, msg = c.rcpt("bob@example.com")
                    self.assertEqual(code, 250, msg)
            finally:
                server.stop()


class ConnectionsPerClientTest(unittest.TestCase):
    """One client outside smtp.client_networks holds at most
    smtp.max_connections_per_client sessions (was: every one of the
    server's 1,000, for up to an hour each); the next gets 421 4.7.0 in
    place of the greeting, and a session that ends makes room."""

    def test_one_client_cannot_hold_every_session(self):
        # (Loopback is neither a client network nor a proxy here: a proxy
        # in smtp.xforward_hosts speaks for many clients, not counted.)
        server = DevServer(env=dict(
            OUTSIDE, SEALPOST_SMTP_MAX_CONNECTIONS_PER_CLIENT="3",
            SEALPOST_SMTP_XFORWARD_HOSTS="10.0.0.1"))
        held = []
        try:
            for _ in range(3):
                c = Raw(server.smtp_port)
                self.assertTrue(c.greeting.startswith(b"220"), c.greeting)
                held.append(c)
            extra = Raw(server.smtp_port)
            self.assertTrue(extra.greeting.startswith(b"421 4.7.0"),
                            extra.greeting)
            self.assertIn(b"from your address", extra.greeting)
            extra.close()
            self.assertTrue(held[0].cmd(b"QUIT\r\n").startswith(b"221"))
            held.pop(0).close()
            self.assertTrue(wait_for(lambda: greeted(server), timeout=10),
                            "no room after a session ended")
        finally:
            for c in held:
                c.close()
            server.stop()


def greeted(server):
    """A new session's greeting is 220 (closed again at once)."""
    c = Raw(server.smtp_port)
    try:
        return c.greeting.startswith(b"220")
    finally:
        c.close()


class ForgedSenderAsExternalTest(unittest.TestCase):
    """Item 6 (a): smtp.forged_internal_sender = external lets such mail in,
    but as mail from outside: the sender's choice ([encrypt]) is not
    honoured, as for any outside sender."""

    @classmethod
    def setUpClass(cls):
        env = dict(OUTSIDE, SEALPOST_SMTP_FORGED_INTERNAL_SENDER="external")
        cls.server = DevServer(env=env)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_forged_sender_choice_is_not_honoured(self):
        # alice is a licensed user: from her, [encrypt] would protect.
        t = tag()
        raw = ("From: alice@example.com\r\nTo: bob@example.com\r\n"
               "Subject: forged " + t + " [encrypt]\r\n\r\nplain\r\n").encode()
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port) as c:
            c.sendmail("alice@example.com", ["bob@example.com"], raw)
        [path] = wait_for(lambda: mailbox_holds(self.server, "forged " + t))
        data = read(path)
        self.assertNotIn(b"X-Sealpost-Protected", data)
        self.assertTrue(data.endswith(raw), data[-300:])


class SubmissionTest(unittest.TestCase):
    """Item 6 (c): the submission listener: AUTH PLAIN/LOGIN only after
    STARTTLS, required before MAIL, checked against the directory, the
    sender bound to the login."""

    @classmethod
    def setUpClass(cls):
        cls.server = DevServer(env=OUTSIDE)
        cls.users = cls.server.passwords()
        cls.port = cls.server.submission_port

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def connect(self, tls=True):
        self.assertIsNotNone(self.port, "dev.json has no submission listener")
        c = smtplib.SMTP("127.0.0.1", self.port, timeout=30)
        c.ehlo()
        if tls:
            c.starttls(context=tls_context(self.server))
            c.ehlo()
        return c

    def test_auth_is_neither_offered_nor_accepted_before_starttls(self):
        with self.connect(tls=False) as c:
            self.assertFalse(c.has_extn("auth"))
            plain = base64.b64encode(
                b"\0alice@example.com\0" +
                self.users["alice@example.com"].encode()).decode()
            code, msg = c.docmd("AUTH", "PLAIN " + plain)
            self.assertEqual(code, 538, msg)
            self.assertIn(b"5.7.11", msg)
            code, msg = c.mail("alice@example.com")
            self.assertEqual(code, 530, msg)
        with self.connect() as c:
            self.assertIn("PLAIN", c.esmtp_features.get("auth", ""))
            self.assertIn("LOGIN", c.esmtp_features.get("auth", ""))

    def test_mail_needs_auth(self):
        with self.connect() as c:
            code, msg = c.mail("alice@example.com")
            self.assertEqual(code, 530)
            self.assertIn(b"5.7.0 Authentication required", msg)

    def test_login_then_the_senders_choice_is_honoured(self):
        t = tag()
        raw = ("From: alice@example.com\r\nTo: bob@example.com\r\n"
               "Subject: submitted " + t + " [encrypt]\r\n\r\nsecret " + t +
               "\r\n").encode()
        with self.connect() as c:
            c.login("alice@example.com", self.users["alice@example.com"])
            c.sendmail("alice@example.com", ["bob@example.com"], raw)
        [path] = wait_for(lambda: mailbox_holds(self.server, "submitted " + t))
        data = read(path)
        self.assertIn(b"X-Sealpost-Protected", data)
        self.assertNotIn(b"secret " + t.encode(), data)
        # RFC 3848: authenticated over TLS.
        self.assertIn(b"with ESMTPSA", data)

    def test_a_null_sender_after_login_is_the_login_for_rules(self):
        """A logged-in user's MAIL FROM:<> is still their mail: a rule on
        the sender (here a group of theirs) protects it (was: no sender,
        so sender rules never matched and it went out in clear)."""
        t = tag()
        group = "Finance" + t
        self.server.cli("group", "add", group, check=True)
        self.server.cli("group", "member", "add", group,
                        "alice@example.com", check=True)
        # Membership grants rights (Administrators, eDiscovery): audited
        # (was: no record of who was added to which group).
        metrics = self.server.metrics()
        for action in ("group.add", "group.member_add"):
            self.assertIn('sealpost_audit_records_total{action="%s",'
                          'result="ok"}' % action, metrics)
        self.server.cli("rule", "new", "Finance " + t, "--if",
                        "sender-in-group=" + group, "--apply-template",
                        "Encrypt", check=True)
        try:
            raw = ("From: alice@example.com\r\nTo: zoe@gmail.test\r\n"
                   "Subject: null " + t + "\r\n\r\nsecret " + t +
                   "\r\n").encode()
            with self.connect() as c:
                c.login("alice@example.com", self.users["alice@example.com"])
                c.sendmail("", ["zoe@gmail.test"], raw)
            [path] = wait_for(lambda: mailbox_holds(self.server, "null " + t))
            data = read(path)
            self.assertIn(b"X-Sealpost-Protected", data)
            self.assertNotIn(b"secret " + t.encode(), data)
        finally:
            self.server.cli("rule", "remove", "Finance " + t)

    def test_login_mechanism(self):
        with self.connect() as c:
            code, msg = auth(c, "bob@example.com",
                             self.users["bob@example.com"], "LOGIN")
            self.assertEqual(code, 235, msg)

    def test_sender_is_bound_to_the_login(self):
        with self.connect() as c:
            c.login("alice@example.com", self.users["alice@example.com"])
            code, msg = c.mail("ceo@example.com")
            self.assertEqual(code, 553, msg)
            self.assertIn(b"5.7.1", msg)
            code, msg = c.mail("bob@example.com")
            self.assertEqual(code, 553, msg)
            self.assertEqual(c.mail("Alice@example.com")[0], 250)
            # Authenticated users may send anywhere (RFC 6409).
            self.assertEqual(c.rcpt("zoe@gmail.test")[0], 250)

    def test_wrong_password_three_times_closes(self):
        with self.connect() as c:
            for i in range(3):
                with self.assertRaises(smtplib.SMTPAuthenticationError) as e:
                    auth(c, "nobody%d@example.com" % i, "wrong-password")
                self.assertEqual(e.exception.smtp_code, 535)
            with self.assertRaises(smtplib.SMTPServerDisconnected):
                c.noop()
                c.noop()

    def test_swaks_auth_plain_and_login(self):
        for mech in ("PLAIN", "LOGIN"):
            t = tag()
            r = subprocess.run(
                ["swaks", "--server", "127.0.0.1", "--port", str(self.port),
                 "--tls", "--auth", mech, "--auth-user", "bob@example.com",
                 "--auth-password=" + self.users["bob@example.com"],
                 "--from", "bob@example.com", "--to", "carol@example.com",
                 "--header", "Subject: swaks " + t],
                capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("235 2.7.0", r.stdout)
            self.assertTrue(wait_for(
                lambda: mailbox_holds(self.server, "swaks " + t)))

    def test_passwords_never_reach_the_log(self):
        with self.connect() as c:
            c.login("alice@example.com", self.users["alice@example.com"])
        with self.connect() as c:
            with self.assertRaises(smtplib.SMTPAuthenticationError):
                auth(c, "alice@example.com", "Wr0ng-" + tag())
        time.sleep(0.5)
        # The log lines (the dev banner on stdout shows the passwords).
        log = "\n".join(line for line in self.server.read_log().splitlines()
                        if line[:4].isdigit())
        self.assertIn("AUTH as alice@example.com", log)
        self.assertNotIn(self.users["alice@example.com"], log)
        self.assertNotIn("Wr0ng-", log)


class AuthThrottleTest(unittest.TestCase):
    """Item 6 (c): failed logins are limited per client across connections
    (the directory's limit), so a good password then gets 454 too."""

    def test_per_client_limit(self):
        server = DevServer()
        try:
            users = server.passwords()
            ctx = tls_context(server)
            codes = []
            for i in range(5):  # different users: the client is counted
                with smtplib.SMTP("127.0.0.1", server.submission_port) as c:
                    c.starttls(context=ctx)
                    c.ehlo()
                    try:
                        auth(c, "user%d@example.com" % i, "wrong")
                    except smtplib.SMTPAuthenticationError as e:
                        codes.append(e.smtp_code)
            self.assertEqual(codes, [535] * 5)
            with smtplib.SMTP("127.0.0.1", server.submission_port) as c:
                c.starttls(context=ctx)
                c.ehlo()
                with self.assertRaises(smtplib.SMTPAuthenticationError) as e:
                    auth(c, "alice@example.com", users["alice@example.com"])
                self.assertEqual(e.exception.smtp_code, 454)
                self.assertIn(b"4.7.0", e.exception.smtp_error)
            self.assertGreaterEqual(
                server.metric("sealpost_smtp_auth_failures_total"), 6)
        finally:
            server.stop()


class BareNewlineTest(unittest.TestCase):
    """Item 17: bare LF / CR (RFC 5321 §2.3.8) and SMTP smuggling, against
    the real server, with Postfix's smtp-sink as the next hop."""

    @classmethod
    def setUpClass(cls):
        cls.sink = SmtpSink()
        cls.server = DevServer(env=OUTSIDE, args=[
            "--next-hop", "127.0.0.1:%d" % cls.sink.port])

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.sink.cleanup()

    def test_bare_lf_is_refused_naming_bare_lf(self):
        raw = Raw(self.server.smtp_port)
        raw.transaction()
        reply = raw.cmd(b"Subject: lf\r\n\r\none\ntwo\r\n.\r\n")
        self.assertEqual(reply, BARE_LF_REPLY)
        # The session goes on.
        self.assertTrue(raw.cmd(b"NOOP\r\n").startswith(b"250"))
        raw.close()

    def test_large_bare_lf_message_is_not_called_line_too_long(self):
        raw = Raw(self.server.smtp_port)
        raw.transaction()
        body = b"Subject: big\n\n" + b"x" * 70 + b"\n"
        body += (b"y" * 70 + b"\n") * 20000  # 1.4 MB, no CRLF at all
        self.assertEqual(raw.cmd(body + b"\r\n.\r\n"), BARE_LF_REPLY)
        raw.close()

    def test_smuggled_message_never_reaches_the_next_hop(self):
        for end in (b"\n.\n", b"\n.\r\n", b"\r\n.\n", b"\r.\r\n", b"\r.\n"):
            t = tag().encode()
            smuggled = (b"MAIL FROM:<ceo@example.com>\r\n"
                        b"RCPT TO:<victim@elsewhere.test>\r\nDATA\r\n"
                        b"Subject: smuggled " + t + b"\r\n\r\nevil\r\n.\r\n")
            raw = Raw(self.server.smtp_port)
            raw.transaction()
            reply = raw.cmd(b"Subject: cover " + t + b"\r\n\r\nhello" + end +
                            smuggled)
            self.assertTrue(reply.startswith(b"550 5.5.2 bare <"), (end, reply))
            self.assertTrue(raw.closed(), end)
            raw.close()
            time.sleep(1)
            self.assertEqual(self.sink.count(t.decode()), 0, end)


class BackscatterTest(unittest.TestCase):
    """A client from the internet names any MAIL FROM: when the next hop
    refuses the recipient, the bounce to that address carries the header
    section only, whatever RET asked (was: the whole message, so the
    gateway mailed an attacker's text to any third party)."""

    def test_a_bounce_to_an_unchecked_sender_carries_no_content(self):
        sink = SmtpSink(extra=["-f", "RCPT"])  # 5xx to every RCPT
        server = DevServer(env=dict(
            OUTSIDE, SEALPOST_SMTP_ACCEPTED_DOMAINS="example.com,corp.example",
            SEALPOST_SMTP_ROUTES="corp.example=127.0.0.1:%d" % sink.port))
        try:
            t = tag()
            victim = "victim-%s@third.test" % t
            with smtplib.SMTP(server.smtp_host, server.smtp_port,
                              timeout=30) as c:
                c.sendmail(victim, ["nouser@corp.example"],
                           ("From: %s\r\nTo: nouser@corp.example\r\n"
                            "Subject: offer %s\r\n\r\nbuy-now-%s "
                            "http://evil.test/\r\n" % (victim, t, t)),
                           mail_options=["RET=FULL"])
            path = wait_for(lambda: next(iter(mailbox_holds(
                server, "Delivered-To: " + victim)), None), 60)
            self.assertTrue(path, server.read_log()[-3000:])
            bounce = read(path)
            self.assertIn(b"multipart/report", bounce)
            self.assertIn(b"nouser@corp.example", bounce)
            self.assertNotIn(("buy-now-" + t).encode(), bounce)
        finally:
            server.stop()
            sink.cleanup()


class BareNewlineNormalizeTest(unittest.TestCase):
    """Item 17: smtp.bare_newline = normalize rewrites bare LF to CRLF
    before sealing; smuggling still closes the session."""

    @classmethod
    def setUpClass(cls):
        cls.server = DevServer(env={"SEALPOST_SMTP_BARE_NEWLINE": "normalize"})

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_bare_lf_becomes_crlf(self):
        t = tag()
        raw = Raw(self.server.smtp_port)
        raw.transaction(sender="alice@example.com")
        reply = raw.cmd(("Subject: norm %s\nX-A: b\n\nline1\nline2\r\n"
                         ".\r\n" % t).encode())
        self.assertTrue(reply.startswith(b"250"), reply)
        raw.close()
        [path] = wait_for(lambda: mailbox_holds(self.server, "norm " + t))
        self.assertTrue(read(path).endswith(
            ("Subject: norm %s\r\nX-A: b\r\n\r\nline1\r\nline2\r\n" % t)
            .encode()), read(path)[-200:])

    def test_smuggling_still_closes(self):
        raw = Raw(self.server.smtp_port)
        raw.transaction(sender="alice@example.com")
        reply = raw.cmd(b"a\n.\nMAIL FROM:<x@example.com>\r\n")
        self.assertEqual(reply, BARE_LF_REPLY)
        self.assertTrue(raw.closed())
        raw.close()


def header_of(size, subject):
    """A header section of `size` bytes (its empty line included): From,
    To, Subject, then fields of about 80 bytes, each folded once."""
    h = ("From: carol@partner.test\r\nTo: bob@example.com\r\n"
         "Subject: " + subject + "\r\n").encode()
    i = 0
    while len(h) + 80 + 2 <= size:
        h += b"X-Filler-%06d: %s\r\n %s\r\n" % (i, b"f" * 30, b"g" * 29)
        i += 1
    return h + b"X-Last: " + b"z" * (size - len(h) - 12) + b"\r\n\r\n"


class HeaderSizeLimitTest(unittest.TestCase):
    """Issue 14: smtp.max_header_bytes (256 KiB by default, Exchange's
    MaxHeaderSize): a header section over it is refused with 552 5.3.4 and
    never queued or spooled, on both listeners; the session goes on."""

    @classmethod
    def setUpClass(cls):
        cls.server = DevServer(env=OUTSIDE)
        cls.users = cls.server.passwords()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def spooled(self):
        """Spool files the server holds open: each is unlinked as it is
        made (issue 14), so the directory never lists one."""
        spool = os.path.join(self.server.data_dir, "spool") + "/"
        fd_dir = "/proc/%d/fd" % self.server.proc.pid
        held = []
        for fd in os.listdir(fd_dir):
            try:
                target = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if target.startswith(spool):
                held.append(target)
        return held

    def assert_peak_under_400_mb(self):
        """The server's peak resident memory (VmHWM) so far."""
        with open("/proc/%d/status" % self.server.proc.pid) as f:
            hwm = [l for l in f if l.startswith("VmHWM:")][0]
        self.assertLess(int(hwm.split()[1]), 400 * 1024, hwm)

    def send(self, message, sender="carol@partner.test"):
        """`message` from outside to bob: the reply to its DATA
        (smtplib)."""
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port,
                          timeout=60) as c:
            c.ehlo("client.test")
            self.assertEqual(c.mail(sender)[0], 250)
            self.assertEqual(c.rcpt("bob@example.com")[0], 250)
            return c.data(message)

    def test_over_the_limit_is_refused_and_nothing_is_queued(self):
        over, under = "over " + tag(), "under " + tag()
        big = header_of(300 * 1000, over) + b"body\r\n"
        fine = header_of(200 * 1000, under) + b"body\r\n"
        logged = len(self.server.read_log())
        accepted = self.server.metric("sealpost_queue_accepted_total") or 0
        rejected = self.server.metric(
            "sealpost_smtp_messages_rejected_total") or 0
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port,
                          timeout=60) as c:
            c.ehlo("client.test")
            self.assertEqual(c.mail("carol@partner.test")[0], 250)
            self.assertEqual(c.rcpt("bob@example.com")[0], 250)
            self.assertEqual(c.data(big), (552, b"5.3.4 Message header size "
                                           b"exceeds fixed maximum size"))
            # The same session: the next message goes through.
            self.assertEqual(c.mail("carol@partner.test")[0], 250)
            self.assertEqual(c.rcpt("bob@example.com")[0], 250)
            code, msg = c.data(fine)
            self.assertEqual(code, 250, msg)
        qid = msg.decode().rsplit(" ", 1)[-1]
        [path] = wait_for(lambda: mailbox_holds(self.server, under))
        self.assertIn(fine, read(path))

        def traced():
            r = self.server.cli("message", "trace", qid)
            return r.returncode == 0 and "delivered" in r.stdout and r
        self.assertTrue(wait_for(traced, 20),
                        self.server.cli("message", "trace", qid).stdout)
        # Only the second was queued; the first was counted as refused,
        # is in no mailbox and left no spool file.
        self.assertEqual(self.server.metric("sealpost_queue_accepted_total"),
                         accepted + 1)
        self.assertEqual(
            self.server.metric("sealpost_smtp_messages_rejected_total"),
            rejected + 1)
        self.assertEqual(mailbox_holds(self.server, over), [])
        self.assertEqual(self.spooled(), [])
        listed = self.server.cli("message", "list")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertEqual(listed.stdout.count("carol@partner.test"), 1,
                         listed.stdout)
        # One line, the client and the limit; nothing of the header.
        log = self.server.read_log()[logged:]
        self.assertEqual(log.count("smtp: header section over "
                                   "smtp.max_header_bytes (262144) from "
                                   "[127.0.0.1]: refused"), 1, log[-2000:])
        self.assertNotIn(over, log)
        self.assertNotIn("X-Filler", log)

    def test_fields_after_a_line_that_is_no_field_are_header(self):
        # GMime (the protection stage's parser) reads on past a line that
        # is no field, and past an mbox "From " line first: the fields
        # after them are its header, 300 KB of them over the limit.
        t = tag()
        fields = header_of(300 * 1000, "fields " + t)
        rejected = self.server.metric(
            "sealpost_smtp_messages_rejected_total") or 0
        for first in (b"From: x\r\njunk\r\n",
                      b"From carol@partner.test Mon Jan  1 00:00:00 2024\r\n"):
            self.assertEqual(
                self.send(first + fields + b"body\r\n"),
                (552, b"5.3.4 Message header size exceeds fixed maximum "
                      b"size"))
            self.assertEqual(self.spooled(), [])
        self.assertEqual(
            self.server.metric("sealpost_smtp_messages_rejected_total"),
            rejected + 2)
        # A first line GMime makes no message of: no header section held,
        # passed on (the rules read its first bytes as text).
        # (From another sender: the other test lists carol's messages.)
        code, msg = self.send(b"no field here\r\n" + fields + b"body\r\n",
                              "erin@partner.test")
        self.assertEqual(code, 250, msg)
        self.assertTrue(wait_for(
            lambda: mailbox_holds(self.server, "fields " + t), 30))

    def test_part_fields_over_the_budget_are_refused(self):
        # A 77-byte top-level header, then one part whose header is 30 MB
        # of small fields: under smtp.max_header_bytes (the top level
        # only), over the parse's budget for the fields of all parts
        # (mime::ParsedMessage, issue 14). Refused with the same 552 5.3.4
        # by the protection stage, before anything is queued; the session
        # goes on.
        over, under = "parts " + tag(), "fine parts " + tag()
        top = (b"Subject: " + over.encode() + b"\r\n"
               b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n")
        big = (top + b"X-A: 1\r\n" * (30 * 1000 * 1000 // 8) +
               b"\r\nbody\r\n--b--\r\n")
        fine = (b"Subject: " + under.encode() + b"\r\n"
                b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" +
                b"X-A: 1\r\n" * 20000 + b"\r\nbody\r\n--b--\r\n")
        logged = len(self.server.read_log())
        accepted = self.server.metric("sealpost_queue_accepted_total") or 0
        rejected = self.server.metric(
            "sealpost_smtp_messages_rejected_total") or 0
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port,
                          timeout=120) as c:
            c.ehlo("client.test")
            self.assertEqual(c.mail("frank@partner.test")[0], 250)
            self.assertEqual(c.rcpt("bob@example.com")[0], 250)
            self.assertEqual(c.data(big), (552, b"5.3.4 Message header size "
                                           b"exceeds fixed maximum size"))
            self.assertEqual(c.mail("frank@partner.test")[0], 250)
            self.assertEqual(c.rcpt("bob@example.com")[0], 250)
            code, msg = c.data(fine)
            self.assertEqual(code, 250, msg)
        self.assertTrue(wait_for(lambda: mailbox_holds(self.server, under),
                                 30))
        self.assertEqual(self.server.metric("sealpost_queue_accepted_total"),
                         accepted + 1)
        self.assertEqual(
            self.server.metric("sealpost_smtp_messages_rejected_total"),
            rejected + 1)
        self.assertEqual(mailbox_holds(self.server, over), [])
        self.assertEqual(self.spooled(), [])
        log = self.server.read_log()[logged:]
        self.assertEqual(log.count("header fields over the limit"), 1,
                         log[-2000:])
        self.assertNotIn(over, log)
        self.assertNotIn("X-A", log)

    def test_part_fields_over_the_budget_are_an_error_of_protect(self):
        # `sealpost protect` (the API's protect): a clear error, never a
        # message sealed from part of a parse.
        d = tempfile.mkdtemp(prefix="sealpost-parts-")
        self.addCleanup(shutil.rmtree, d, True)
        src = os.path.join(d, "m.eml")
        with open(src, "wb") as f:
            f.write(b"From: alice@example.com\r\nSubject: parts\r\n"
                    b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                    b"--b\r\n" + b"X-A: 1\r\n" * 50000 +
                    b"\r\nbody\r\n--b--\r\n")
        r = self.server.cli_as("alice@example.com", "protect", src,
                               "--template", "Encrypt", "--to",
                               "frank@gmail.test", "--out", src + ".out")
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("Message header size exceeds fixed maximum size",
                      r.stderr)
        self.assertFalse(os.path.exists(src + ".out"))

    def test_spooled_part_fields_over_the_budget_are_an_error_of_protect(self):
        # Over api.max_request_bytes (1 MiB), the upload is spooled and
        # sealed from its spool file: refused the same, never sealed.
        d = tempfile.mkdtemp(prefix="sealpost-parts-")
        self.addCleanup(shutil.rmtree, d, True)
        src = os.path.join(d, "m.eml")
        with open(src, "wb") as f:
            f.write(b"From: alice@example.com\r\nSubject: parts\r\n"
                    b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                    b"--b\r\n" + b"X-A: 1\r\n" * 150000 +
                    b"\r\nbody\r\n--b--\r\n")
        self.assertGreater(os.path.getsize(src), 1 << 20)
        r = self.server.cli_as("alice@example.com", "protect", src,
                               "--template", "Encrypt", "--to",
                               "frank@gmail.test", "--out", src + ".out")
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("Message header size exceeds fixed maximum size",
                      r.stderr)
        self.assertFalse(os.path.exists(src + ".out"))

    def test_protect_refuses_what_rcpt_refuses(self):
        # POST /api/v1/protect (sealpost protect) is a door to the same
        # recipients as RCPT: an address of ours routed elsewhere by its
        # local part would get the readers' passcode mails by example.com's
        # route. Refused as RCPT refuses it, in memory and spooled, and
        # nothing is sealed.
        d = tempfile.mkdtemp(prefix="sealpost-route-")
        self.addCleanup(shutil.rmtree, d, True)
        small = os.path.join(d, "small.eml")
        with open(small, "wb") as f:
            f.write(b"From: alice@example.com\r\nSubject: r\r\n\r\nbody\r\n")
        large = os.path.join(d, "large.eml")
        with open(large, "wb") as f:
            f.write(b"From: alice@example.com\r\nSubject: r\r\n\r\n" +
                    b"line of text\r\n" * 100000)
        self.assertGreater(os.path.getsize(large), 1 << 20)
        for src in (small, large):
            for to in ("x%competitor.test@example.com",
                       "competitor.test!x@example.com",
                       "ceo@[192.0.2.1]"):
                r = self.server.cli_as("alice@example.com", "protect", src,
                                       "--template", "Encrypt", "--to", to,
                                       "--out", src + ".out")
                self.assertNotEqual(r.returncode, 0, (to, r.stdout))
                self.assertIn("recipient " + to + " is refused", r.stderr)
                self.assertFalse(os.path.exists(src + ".out"))
        r = self.server.cli_as("alice@example.com", "protect", small,
                               "--template", "Encrypt", "--to",
                               "frank@gmail.test", "--out", small + ".out")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_every_refusal_at_the_end_of_data_is_counted(self):
        # A bare LF (550) and a data line over 1 MiB (500), answered at the
        # end of DATA: each counted once, as the header's 552 is.
        rejected = self.server.metric(
            "sealpost_smtp_messages_rejected_total") or 0
        c = Raw(self.server.smtp_port)
        c.transaction()
        self.assertEqual(c.cmd(b"Subject: bare\nx\r\n.\r\n"),
                         BARE_LF_REPLY)
        c.close()
        c = Raw(self.server.smtp_port)
        c.transaction()
        self.assertEqual(c.cmd(b"Subject: long\r\n\r\n" +
                               b"x" * (1100 * 1000) + b"\r\n.\r\n"),
                         b"500 5.5.2 Line too long")
        c.close()
        self.assertEqual(
            self.server.metric("sealpost_smtp_messages_rejected_total"),
            rejected + 2)

    def test_submission_listener_has_the_limit_too(self):
        t = tag()
        self.assertIsNotNone(self.server.submission_port)
        with smtplib.SMTP("127.0.0.1", self.server.submission_port,
                          timeout=60) as c:
            c.ehlo()
            c.starttls(context=tls_context(self.server))
            c.ehlo()
            c.login("alice@example.com", self.users["alice@example.com"])
            self.assertEqual(c.mail("alice@example.com")[0], 250)
            self.assertEqual(c.rcpt("bob@example.com")[0], 250)
            big = header_of(300 * 1000, "submitted " + t) + b"body\r\n"
            code, msg = c.data(big)
            self.assertEqual((code, msg[:5]), (552, b"5.3.4"), msg)
            self.assertEqual(c.noop()[0], 250)
        self.assertEqual(mailbox_holds(self.server, "submitted " + t), [])

    def test_structured_fields_cost_what_gmime_builds_of_them(self):
        # A message/rfc822 part whose To: holds 300,000 addresses (1.2 MB,
        # under the budget as text): GMime 3.2 builds an object per
        # address (87 MB of them). Each costs its share of the budget:
        # refused with the same 552 5.3.4, and the server does not grow
        # by what GMime would have built.
        t = tag()
        to = b"To: a@b" + b"".join(
            b",\r\n a@b" if i % 16 == 15 else b",a@b"
            for i in range(300000))
        m = (b"Subject: nested " + t.encode() + b"\r\n"
             b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
             b"Content-Type: message/rfc822\r\n\r\nFrom: x@y\r\n" + to +
             b"\r\n\r\ninner\r\n--b--\r\n")
        code, msg = self.send(m)
        self.assertEqual((code, msg[:5]), (552, b"5.3.4"), msg)
        self.assert_peak_under_400_mb()
        self.assertEqual(mailbox_holds(self.server, "nested " + t), [])

    def test_addresses_without_separators_cost_too(self):
        # The same To: with no ',' or '@': GMime 3.2 builds a mailbox per
        # "<x>" all the same (2,000,000 of them, 6 MB: 544 MB of objects
        # when only ',' and '@' were counted). Every byte of an address
        # field is priced: refused with the same 552 5.3.4.
        t = tag()
        to = b"To: " + b"".join(
            b"<x>\r\n " if i % 16 == 15 else b"<x>" for i in range(2000000))
        m = (b"Subject: unseparated " + t.encode() + b"\r\n"
             b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
             b"Content-Type: message/rfc822\r\n\r\nFrom: x@y\r\n" + to +
             b"\r\n\r\ninner\r\n--b--\r\n")
        code, msg = self.send(m)
        self.assertEqual((code, msg[:5]), (552, b"5.3.4"), msg)
        self.assert_peak_under_400_mb()
        self.assertEqual(mailbox_holds(self.server, "unseparated " + t), [])

    def test_parts_without_a_header_cost_too(self):
        # 2,000,000 header-less parts ("--b" and an empty line: 14 MB,
        # spooled): GMime 3.2 builds about 1.3 KB of objects for each,
        # 2.6 GB, when only header fields were priced. Each part costs its
        # share of the budget: refused with the same 552 5.3.4, spooled or
        # in memory (30,000 parts, 210 KB), and the server does not grow;
        # 2,000 parts are delivered.
        # A boundary ending in a blank ("b ", its lines "--b \r\n") too.
        for parts, b in ((30000, b"b"), (2000000, b"b"), (2000000, b"b ")):
            t = tag()
            m = (b"Subject: headerless " + t.encode() + b"\r\n"
                 b"Content-Type: multipart/mixed; boundary=\"" + b +
                 b"\"\r\n\r\n" + (b"--" + b + b"\r\n\r\n") * parts +
                 b"--" + b + b"--\r\n")
            code, msg = self.send(m)
            self.assertEqual((code, msg[:5]), (552, b"5.3.4"), msg)
            self.assertEqual(mailbox_holds(self.server, "headerless " + t),
                             [])
        self.assert_peak_under_400_mb()
        fine = "fine headerless " + tag()
        code, msg = self.send(
            b"Subject: " + fine.encode() + b"\r\n"
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" +
            b"--b\r\n\r\n" * 2000 + b"--b--\r\n")
        self.assertEqual(code, 250, msg)
        self.assertTrue(wait_for(lambda: mailbox_holds(self.server, fine),
                                 30))

    def test_raised_top_level_limit_still_has_the_field_count(self):
        # smtp.max_header_bytes raised to 4 MiB lets 45,000 tiny top-level
        # fields (360 KB) through SMTP's count; the parse's budget (40,000
        # fields over the whole message) refuses them, with the same 552.
        # 3.5 MB of 1 KB fields (3,500) are under both.
        env = dict(OUTSIDE)
        env["SEALPOST_SMTP_MAX_HEADER_BYTES"] = str(4 << 20)
        server = DevServer(env=env)
        self.addCleanup(server.stop)
        over, under = "tiny " + tag(), "wide " + tag()

        def send(message):
            with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=120) as c:
                c.ehlo("client.test")
                self.assertEqual(c.mail("carol@partner.test")[0], 250)
                self.assertEqual(c.rcpt("bob@example.com")[0], 250)
                return c.data(message)

        code, msg = send(b"Subject: " + over.encode() + b"\r\n" +
                         b"X-A: 1\r\n" * 45000 + b"\r\nbody\r\n")
        self.assertEqual((code, msg[:5]), (552, b"5.3.4"), msg)
        code, msg = send(b"Subject: " + under.encode() + b"\r\n" +
                         b"".join(b"X-B%05d: %s\r\n" % (i, b"w" * 1000)
                                  for i in range(3500)) + b"\r\nbody\r\n")
        self.assertEqual(code, 250, msg)
        self.assertTrue(wait_for(lambda: mailbox_holds(server, under), 60))
        self.assertEqual(mailbox_holds(server, over), [])

    def test_out_of_range_is_a_config_error(self):
        for bad in ("4095", "4194305"):
            try:
                started = DevServer(env={"SEALPOST_SMTP_MAX_HEADER_BYTES": bad})
            except RuntimeError as e:
                self.assertIn("smtp.max_header_bytes: expected 4096 to "
                              "4194304 (the header section the protection "
                              "stage holds in memory)", str(e))
            else:
                started.stop()
                self.fail("started with smtp.max_header_bytes = " + bad)


def after_our_fields(delivered, raw):
    """What follows our Received field (and the fields a rule added) in
    `delivered`, once `raw` (the client's bytes) is found in it: the bytes
    between, which must be b"" (they join the client's header) or b"\r\n"
    (an empty line: all the client sent is body)."""
    at = delivered.index(b"Received: from ")
    end = delivered.index(raw, at)
    return delivered[at:end]


class FirstLineIsNoFieldTest(unittest.TestCase):
    """Issue 14: a message whose first line is no field makes GMime (the
    protection stage's parser) give up: no header section measured, no
    X-Sealpost-* field stripped, no Subject for the rules. With our
    Received field in front, GMime readers after us (the dev mailbox, the
    next hop) would read past that line and take the client's later lines
    for fields, a forged X-Sealpost-Protected among them. Now an empty
    line ends the header at our fields: what is delivered reads as we read
    it. The subject rule does not fire (it saw no Subject), and none is
    delivered as a field: the Subject is in the body, where we read it."""

    @classmethod
    def setUpClass(cls):
        cls.server = DevServer(env=OUTSIDE)
        cls.tag = tag()
        for args in (("Confidential " + cls.tag, "--if",
                      "subject-contains=confidential",
                      "--apply-template", "Encrypt"),
                     ("Flag " + cls.tag, "--if", "sender-domain=partner.test",
                      "--add-header", "X-Flag: seen")):
            r = cls.server.cli("rule", "new", *args)
            assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def deliver(self, sender, raw, marker):
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port,
                          timeout=60) as c:
            c.ehlo("client.test")
            self.assertEqual(c.mail(sender)[0], 250)
            self.assertEqual(c.rcpt("bob@example.com")[0], 250)
            code, msg = c.data(raw)
            self.assertEqual(code, 250, msg)
        [path] = wait_for(lambda: mailbox_holds(self.server, marker), 30)
        return read(path)

    def test_forged_fields_after_a_first_line_that_is_no_field_stay_body(self):
        import email
        import email.policy
        big = b"".join(b"a line of a large body %06d\r\n" % i
                       for i in range(40000))  # ~1.2 MB: spooled
        for first in (b"junk\r\n", b" continuation\r\n", b"\tcontinuation\r\n",
                      b":x\r\n", b"From carol x\r\njunk\r\n"):
            for sender, added in (("erin@elsewhere.test", b""),
                                  ("carol@partner.test", b"X-Flag: seen\r\n")):
                for body in (b"", big):
                    t = tag()
                    raw = (first + b"Subject: confidential " + t.encode() +
                           b"\r\nX-Sealpost-Protected: v1; id=forged; "
                           b"template=Encrypt; k=1; seal=QUJDRA==\r\n\r\n"
                           b"body " + t.encode() + b"\r\n" + body)
                    with self.subTest(first=first, sender=sender,
                                      size=len(raw)):
                        delivered = self.deliver(sender, raw, t)
                        between = after_our_fields(delivered, raw)
                        # Our Received field, the rule's field, then the
                        # empty line: the header section ends there.
                        self.assertTrue(
                            between.endswith(b"\r\n" + added + b"\r\n"),
                            between)
                        self.assertTrue(delivered.endswith(raw))
                        m = email.message_from_bytes(
                            delivered, policy=email.policy.compat32)
                        self.assertIsNone(m["X-Sealpost-Protected"])
                        self.assertIsNone(m["Subject"])
                        self.assertEqual(m["X-Flag"],
                                         "seen" if added else None)
                        self.assertEqual(len(m.defects), 0, m.defects)
                        self.assertIn(b"Subject: confidential " +
                                      t.encode(), m.get_payload(
                                          decode=False).encode(
                                              "latin-1", "replace"))

    def test_a_message_with_a_header_is_delivered_as_before(self):
        t = tag()
        raw = (b"From: erin@elsewhere.test\r\nSubject: plain " + t.encode() +
               b"\r\n\r\nbody\r\n")
        delivered = self.deliver("erin@elsewhere.test", raw, t)
        # Our Received field, then the client's bytes: nothing between.
        between = after_our_fields(delivered, raw)
        self.assertFalse(between.endswith(b"\r\n\r\n"), between)
        self.assertTrue(delivered.endswith(b"\r\n" + raw))
        # The subject rule reads a header's Subject: protected.
        t = tag()
        raw = (b"From: erin@elsewhere.test\r\nSubject: confidential " +
               t.encode() + b"\r\n\r\nbody\r\n")
        delivered = self.deliver("erin@elsewhere.test", raw, t)
        self.assertIn(b"X-Sealpost-Protected: v1", delivered)


class XforwardTest(DevServerCase):
    """XFORWARD (Postfix's XFORWARD_README) only from smtp.xforward_hosts
    (default 127.0.0.1 and ::1): the forwarded client, not the proxy, is
    in our Received field; anyone else neither sees it offered nor may use
    it (550 5.7.0), so no client can fake its own address."""

    def test_proxy_names_the_original_client(self):
        t = tag()
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port) as c:
            code, ehlo = c.ehlo("relay.test")
            self.assertIn(b"XFORWARD NAME ADDR PROTO HELO IDENT SOURCE PORT",
                          ehlo)
            self.assertEqual(c.docmd(
                "XFORWARD NAME=mail.origin.test ADDR=192.0.2.7 PORT=4711"),
                (250, b"2.0.0 Ok"))
            self.assertEqual(c.docmd(
                "XFORWARD HELO=origin.test PROTO=ESMTP SOURCE=REMOTE "
                "IDENT=[UNAVAILABLE]"), (250, b"2.0.0 Ok"))
            c.sendmail("carol@partner.test", ["bob@example.com"],
                       ("Subject: xf " + t + "\r\n\r\nx\r\n").encode())
        self.assertTrue(wait_for(lambda: mailbox_holds(self.server, t), 20))
        raw = read(mailbox_holds(self.server, t)[0])
        self.assertIn(b"Received: from origin.test (mail.origin.test "
                      b"[192.0.2.7])", raw)
        self.assertNotIn(b"[127.0.0.1]", raw)

    def test_other_clients_may_not_use_it(self):
        with smtplib.SMTP("127.0.0.1", self.server.smtp_port,
                          source_address=("127.0.0.2", 0)) as c:
            code, ehlo = c.ehlo("relay.test")
            self.assertEqual(code, 250)
            self.assertNotIn(b"XFORWARD", ehlo)
            self.assertEqual(c.docmd("XFORWARD ADDR=192.0.2.7"),
                             (550, b"5.7.0 Error: insufficient authorization"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
