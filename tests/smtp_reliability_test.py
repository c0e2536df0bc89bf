#!/usr/bin/env python3
"""Reliability of the gateway (SPEC §2 "No accepted mail is lost", "No
silent downgrade"), with Postfix's smtp-source as the load and smtp-sink as
the next hop:

* kill -9 during a 20,000-message run: every message that got 250 reaches
  the sink after a restart;
* the next hop down for a while: everything is delivered once it is back;
* large messages: kill -9 in the middle of a spooled DATA leaves no spool
  file after the restart; a full disk while spooling gives 452 4.3.1;
* server.min_free_bytes: new mail gets 452 4.3.1 at MAIL (its SIZE counted)
  and a large `sealpost protect` upload 503 before the disk is full;
* a domain that requires TLS with a next hop that has none: deferred, never
  sent in clear; with `verify` against a real TLS next hop: delivered, and
  refused when the CA does not match.
"""

import contextlib
import os
import re
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smtp_testlib import DevServer, SmtpSink, wait_for  # noqa: E402

ACK_RE = re.compile(r"<<< 250 2\.0\.0 Ok: queued as (\w+)")
# Our Received header as the sink stores it.
HOP_RE = re.compile(r"\(Sealpost\) with \w+ id (\w+)")
FAST_RETRY = {"SEALPOST_QUEUE_RETRY_BASE_SECONDS": "1",
              "SEALPOST_QUEUE_RETRY_MAX_SECONDS": "2"}


def smtp_source(server, count, sessions, out_path, size=1024, to=None):
    """Starts smtp-source -v; its transcript (with every 250) goes to
    out_path."""
    out = open(out_path, "wb")
    p = subprocess.Popen(
        ["smtp-source", "-v", "-s", str(sessions), "-m", str(count),
         "-l", str(size), "-f", "alice@example.com", "-t",
         to or "bob@example.com",
         "%s:%d" % (server.smtp_host, server.smtp_port)],
        stdout=out, stderr=out)
    out.close()
    return p


def swaks_send(server, to, subject):
    """One message through the gateway with swaks; its queue id."""
    r = subprocess.run(
        ["swaks", "--server", server.smtp_host, "--port",
         str(server.smtp_port), "--from", "alice@example.com", "--to", to,
         "--header", "Subject: " + subject],
        capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("swaks failed: " + r.stdout)
    return re.search(r"queued as (\w+)", r.stdout).group(1)


def send_one(server, body, timeout):
    """One message from alice to bob in a session of its own: the DATA
    reply's (code, text)."""
    with smtplib.SMTP(server.smtp_host, server.smtp_port,
                      timeout=timeout) as c:
        c.ehlo()
        c.mail("alice@example.com")
        c.rcpt("bob@example.com")
        return c.data(body)


def acked_ids(path):
    with open(path, errors="replace") as f:
        return set(ACK_RE.findall(f.read()))


class KillNineTest(unittest.TestCase):
    def test_no_acknowledged_message_is_lost(self):
        sink = SmtpSink()
        server = DevServer(args=["--next-hop", "127.0.0.1:%d" % sink.port],
                           env=FAST_RETRY)
        work = server.data_dir + ".work"
        os.makedirs(work, exist_ok=True)
        try:
            first = os.path.join(work, "source1.log")
            src = smtp_source(server, 20000, 20, first)
            # Kill the server in the middle of the run.
            self.assertTrue(wait_for(lambda: len(acked_ids(first)) >= 6000,
                                     120), server.read_log()[-2000:])
            server.kill9()
            try:
                src.wait(60)
            except subprocess.TimeoutExpired:
                src.kill()
                src.wait()
            acked = acked_ids(first)
            # Restart on the same data directory, send the rest.
            server.start()
            second = os.path.join(work, "source2.log")
            rest = 20000 - len(acked)
            src2 = smtp_source(server, rest, 20, second)
            src2.wait(300)
            acked2 = acked_ids(second)
            self.assertEqual(len(acked2), rest)
            acked |= acked2

            def delivered():
                return set(HOP_RE.findall(sink.text()))
            ok = wait_for(lambda: acked <= delivered(), 240, interval=1)
            got = delivered()
            missing = acked - got
            self.assertTrue(ok, "%d acknowledged messages never reached the "
                            "sink, e.g. %s" % (len(missing),
                                               sorted(missing)[:5]))
            self.assertGreaterEqual(len(acked), 20000 - 20)
            # Count the Message-IDs too: one per acknowledged message at
            # least (a message in flight at the kill may arrive twice).
            msgids = set(re.findall(r"(?im)^Message-Id: (<[^>]+>)",
                                    sink.text()))
            self.assertGreaterEqual(len(msgids), len(acked))
            print("kill -9: %d acknowledged, %d delivered (%d Message-IDs)"
                  % (len(acked), len(got), len(msgids)), file=sys.stderr)
        finally:
            server.stop()
            sink.cleanup()


class NextHopOutageTest(unittest.TestCase):
    def test_everything_is_delivered_after_the_next_hop_returns(self):
        sink = SmtpSink()
        sink.stop()
        server = DevServer(args=["--next-hop", "127.0.0.1:%d" % sink.port],
                           env=FAST_RETRY)
        try:
            log = server.data_dir + ".source.log"
            src = smtp_source(server, 500, 10, log)
            self.assertEqual(src.wait(120), 0)
            acked = acked_ids(log)
            self.assertEqual(len(acked), 500)
            self.assertTrue(wait_for(
                lambda: (server.metric("sealpost_queue_deferred_total") or 0)
                >= 500, 30))
            time.sleep(3)  # down for a while: several retry rounds
            self.assertEqual(server.metric("sealpost_queue_delivered_total"),
                             0)
            sink.start()
            self.assertTrue(
                wait_for(lambda: acked <= set(HOP_RE.findall(sink.text())),
                         60, interval=0.5),
                server.read_log()[-2000:])
            self.assertTrue(wait_for(
                lambda: server.metric("sealpost_queue_depth") == 0, 20))
        finally:
            server.stop()
            sink.cleanup()


class QueueRetryTest(unittest.TestCase):
    def test_queue_retry_delivers_now_and_is_traced(self):
        sink = SmtpSink()
        sink.stop()
        # The default retry interval (a minute and more): only `queue
        # retry` can deliver within the test's wait.
        server = DevServer(args=["--next-hop", "127.0.0.1:%d" % sink.port])
        try:
            qid = swaks_send(server, "bob@example.com", "retry me")
            self.assertTrue(wait_for(
                lambda: (server.metric("sealpost_queue_deferred_total") or 0)
                >= 1, 30))
            sink.start()
            time.sleep(1)
            self.assertEqual(sink.count(qid), 0)
            r = server.cli("queue", "retry", qid)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertTrue(wait_for(lambda: sink.count(qid) >= 1, 20),
                            server.read_log()[-2000:])
            trace = server.cli("message", "trace", qid, check=True).stdout
            self.assertIn("retry requested by admin", trace)
            # Nothing left to retry: a clear error, not a silent success.
            self.assertTrue(wait_for(
                lambda: server.metric("sealpost_queue_depth") == 0, 20))
            again = server.cli("queue", "retry", qid)
            self.assertNotEqual(again.returncode, 0)
            self.assertIn("is done", again.stderr)
            self.assertIn("nothing left to retry", again.stderr)
            unknown = server.cli("queue", "retry", "NOSUCHID")
            self.assertNotEqual(unknown.returncode, 0)
            self.assertIn("no message NOSUCHID", unknown.stderr)
        finally:
            server.stop()
            sink.cleanup()


class TlsPolicyTest(unittest.TestCase):
    def start_with_sink(self):
        """A gateway whose next hop is a fresh smtp-sink (no STARTTLS),
        both stopped when the test ends."""
        sink = SmtpSink()
        self.addCleanup(sink.cleanup)
        server = DevServer(args=["--next-hop", "127.0.0.1:%d" % sink.port],
                           env=FAST_RETRY)
        self.addCleanup(server.stop)
        return server, sink

    def send_to_bob_and_carol(self, server, sink):
        """Mail to bob@partner.example and carol@other.example; returns
        (marker, queue id) once carol's copy reached the sink."""
        marker = uuid.uuid4().hex
        qid = swaks_send(
            server, "bob@partner.example,carol@other.example", marker)
        self.assertTrue(wait_for(
            lambda: "<carol@other.example>" in sink.text(), 20))
        return marker, qid

    def test_forced_tls_with_plain_next_hop_is_deferred_never_sent(self):
        server, sink = self.start_with_sink()  # smtp-sink offers no STARTTLS
        self.assertEqual(server.cli("tls", "policy", "set",
                                    "partner.example", "encrypt")
                         .returncode, 0)
        # The `may` recipient is delivered; the `encrypt` one is not.
        marker, qid = self.send_to_bob_and_carol(server, sink)

        def deferred_twice():
            t = server.cli("message", "trace", qid).stdout
            return t.count("4.7.4") >= 2 and t
        trace = wait_for(deferred_twice, 30)
        self.assertTrue(trace, server.cli("message", "trace", qid).stdout)
        self.assertIn("does not offer STARTTLS", trace)
        self.assertNotIn("X-Rcpt-Args: <bob@partner.example>",
                         sink.text())
        self.assertEqual(sink.count(marker), 1)

    def test_rule_require_tls_defers_its_recipients_never_sent(self):
        # A mail flow rule (not a domain policy) requires TLS for one
        # recipient domain; the next hop offers no STARTTLS.
        server, sink = self.start_with_sink()
        r = server.cli("rule", "new", "TLS to partners", "--if",
                       "recipient-domain=partner.example",
                       "--require-tls")
        self.assertEqual(r.returncode, 0, r.stderr)
        # carol's copy goes out; bob's is deferred for want of TLS.
        marker, qid = self.send_to_bob_and_carol(server, sink)

        # The recipients got one outgoing copy each (qid, qid-2).
        def deferred_twice():
            out = "".join(server.cli("message", "trace", q).stdout
                          for q in (qid, qid + "-2"))
            return out.count("4.7.4") >= 2 and out
        trace = wait_for(deferred_twice, 30)
        self.assertTrue(trace, server.read_log()[-2000:])
        self.assertIn("does not offer STARTTLS", trace)
        self.assertNotIn("<bob@partner.example>", sink.text())
        self.assertEqual(sink.count(marker), 1)

    def test_verify_policy_against_a_real_tls_next_hop(self):
        # The next hop is a second gateway: STARTTLS with its dev CA.
        hop = DevServer()
        server = DevServer(
            args=["--next-hop", "%s:%d" % (hop.smtp_host, hop.smtp_port)],
            env=FAST_RETRY)
        try:
            self.assertEqual(server.cli("tls", "policy", "set", "example.com",
                                        "verify", "--ca-file", hop.ca_cert)
                             .returncode, 0)
            self.assertEqual(server.cli("tls", "policy", "set", "example.org",
                                        "verify", "--ca-file",
                                        server.ca_cert).returncode, 0)
            marker = uuid.uuid4().hex
            qid = swaks_send(server, "bob@example.com,eve@example.org",
                             marker)

            def arrived():
                for p in hop.mailbox_files():
                    with open(p, "rb") as f:
                        data = f.read()
                    if marker.encode() in data:
                        return data
                return None
            data = wait_for(arrived, 20)
            self.assertTrue(data, server.cli("message", "trace", qid).stdout)
            # The next hop's Received header shows the TLS leg.
            self.assertIn(b"with ESMTPS id", data)
            self.assertIn(b"Delivered-To: bob@example.com", data)
            trace = wait_for(lambda: "4.7.5" in server.cli(
                "message", "trace", qid).stdout and server.cli(
                "message", "trace", qid).stdout, 20)
            self.assertTrue(trace)
            self.assertIn("certificate", trace)
            for p in hop.mailbox_files():
                with open(p, "rb") as f:
                    self.assertNotIn(b"Delivered-To: eve@example.org",
                                     f.read())
        finally:
            server.stop()
            hop.stop()

class KillNineLargeTest(unittest.TestCase):
    """Large bodies are files beside the database (docs/architecture.md
    "Store"): kill -9 while large messages arrive and are committed loses
    nothing acknowledged, and after the restart no body file is left that
    no message needs."""

    def test_large_messages_survive_kill9_and_leave_no_orphan_files(self):
        sink = SmtpSink()
        sink.stop()  # everything stays queued (in body files) at the kill
        server = DevServer(args=["--next-hop", "127.0.0.1:%d" % sink.port],
                           env=FAST_RETRY)
        bodies = os.path.join(server.data_dir, "sealpost.db-bodies")
        try:
            line = b"z" * 998 + b"\r\n"
            acked = []
            for i in range(3):
                body = (b"Subject: large %d\r\n\r\n" % i) + line * 2048
                code, resp = send_one(server, body, 60)
                self.assertEqual(code, 250, resp)
                acked.append(resp.decode().rsplit(" ", 1)[-1])
            self.assertEqual(len(os.listdir(bodies)), 3)
            # A fourth one killed half-way through its DATA: never
            # acknowledged, so it may be lost, but must leave nothing.
            c = smtplib.SMTP(server.smtp_host, server.smtp_port, timeout=60)
            c.ehlo()
            c.mail("alice@example.com")
            c.rcpt("bob@example.com")
            c.putcmd("data")
            self.assertEqual(c.getreply()[0], 354)
            c.send(line * 1024)
            # Past 256 KiB it arrives into a spool file with no name (issue
            # 14): the server holds it open, the directory shows nothing.
            spool = os.path.join(server.data_dir, "spool")
            self.assertTrue(wait_for(
                lambda: any(t.startswith(spool + "/")
                            for t in _open_files(server.proc.pid)), 20,
                interval=0.1), _open_files(server.proc.pid))
            self.assertEqual(os.listdir(spool), [])
            server.kill9()
            c.close()
            # What a crash between a spool file's creation and its unlink
            # (where O_TMPFILE is missing) would leave.
            with open(os.path.join(spool, "spool-leftover"), "wb") as f:
                f.write(b"x" * 1024)
            # A crash between a body file and its commit leaves a file no
            # row names.
            with open(os.path.join(bodies, "q-" + b"orphan".hex()),
                      "wb") as f:
                f.write(b"x" * 1024)
            server.start()
            self.assertEqual(len(os.listdir(bodies)), 3,
                             sorted(os.listdir(bodies)))
            self.assertEqual(os.listdir(spool), [])
            sink.start()
            for qid in acked:
                server.cli("queue", "retry", qid)
            self.assertTrue(wait_for(
                lambda: sink.text().count("Subject: large") >= 3, 60,
                interval=0.5), server.read_log()[-2000:])
            for i in range(3):
                self.assertIn("Subject: large %d" % i, sink.text())
            # Delivered: their files go with the commit that ends them.
            self.assertTrue(wait_for(lambda: os.listdir(bodies) == [], 20,
                                     interval=0.5), os.listdir(bodies))
        finally:
            server.stop()
            sink.cleanup()


def _open_files(pid):
    """What the process's descriptors point to (readlink of /proc/PID/fd)."""
    out = []
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            out.append(os.readlink(os.path.join(fd_dir, fd)))
        except OSError:
            pass
    return out


def _mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + size,
                        "tmpfs", path], capture_output=True)
    return r.returncode == 0


class DiskFullTest(unittest.TestCase):
    """SPEC §5: a full disk gives 452, not loss."""

    @contextlib.contextmanager
    def server_on_tmpfs(self, size, min_free_bytes):
        """A dev server whose data directory is on a tmpfs of `size`, with
        server.min_free_bytes set, its next hop (an SmtpSink) stopped so
        everything stays queued: (server, sink, mount point)."""
        mnt = tempfile.mkdtemp(prefix="sealpost-full-")
        if os.geteuid() != 0 or not _mount_tmpfs(mnt, size):
            os.rmdir(mnt)
            self.skipTest("needs root to mount a small tmpfs")
        sink = SmtpSink()
        sink.stop()
        server = None
        try:
            server = DevServer(data_dir=os.path.join(mnt, "data"),
                               args=["--next-hop",
                                     "127.0.0.1:%d" % sink.port],
                               env=dict(FAST_RETRY,
                                        SEALPOST_SERVER_MIN_FREE_BYTES=str(
                                            min_free_bytes)))
            yield server, sink, mnt
        finally:
            if server:
                server.stop()
            sink.cleanup()
            subprocess.run(["umount", mnt])
            shutil.rmtree(mnt, ignore_errors=True)

    def assert_all_delivered_once_the_hop_is_back(self, server, sink, acked):
        self.assertIsNone(server.proc.poll(), "server died")
        sink.start()
        for qid in acked:
            server.cli("queue", "retry", qid)
        self.assertTrue(
            wait_for(lambda: set(acked) <= set(HOP_RE.findall(sink.text())),
                     60, interval=0.5),
            server.read_log()[-2000:])

    def test_full_disk_is_452_and_nothing_acknowledged_is_lost(self):
        # No floor: this is about the disk really filling up.
        with self.server_on_tmpfs("8m", 0) as (server, sink, _):
            body = ("Subject: fill\r\n\r\n" +
                    ("y" * 998 + "\r\n") * 512).encode()
            acked, refused = [], None
            for _ in range(40):
                code, resp = send_one(server, body, 30)
                if code == 250:
                    acked.append(resp.decode().rsplit(" ", 1)[-1])
                else:
                    refused = (code, resp)
                    break
            self.assertIsNotNone(refused, "the disk never filled")
            self.assertEqual(refused[0], 452, refused)
            self.assertIn(b"4.3.1", refused[1])
            self.assertGreater(len(acked), 0)
            self.assertIsNone(server.proc.poll(), "server died")
            # A message larger than what is left of the disk fills it while
            # it is spooled (issue 14): 452 at the end of its DATA, the
            # spool's space given back, and the session goes on.
            with smtplib.SMTP(server.smtp_host, server.smtp_port,
                              timeout=60) as c:
                c.ehlo()
                c.mail("alice@example.com")
                c.rcpt("bob@example.com")
                code, resp = c.data(("Subject: too big\r\n\r\n" + (
                    "w" * 998 + "\r\n") * 9000).encode())
                self.assertEqual(code, 452, resp)
                self.assertIn(b"4.3.1", resp)
                self.assertEqual(c.noop()[0], 250)
            self.assertEqual(os.listdir(os.path.join(server.data_dir,
                                                     "spool")), [])
            # The next hop comes back: every acknowledged message arrives.
            self.assert_all_delivered_once_the_hop_is_back(server, sink,
                                                           acked)

    def test_free_space_floor_refuses_new_mail_before_the_disk_fills(self):
        floor = 6 * 1024 * 1024
        with self.server_on_tmpfs("12m", floor) as (server, sink, mnt):
            def free():
                st = os.statvfs(mnt)
                return st.f_bavail * st.f_frsize
            self.assertGreater(free(), floor + 2 * 1024 * 1024)
            with smtplib.SMTP(server.smtp_host, server.smtp_port,
                              timeout=30) as c:
                c.ehlo()
                self.assertTrue(c.has_extn("size"))
                # A declared SIZE larger than what is free above the floor:
                # 452 at MAIL, before any of the message is sent.
                code, resp = c.mail("alice@example.com",
                                    ["SIZE=%d" % (free() - floor + 1)])
                self.assertEqual(code, 452, resp)
                self.assertIn(b"4.3.1", resp)
                # A small one still fits.
                self.assertEqual(c.mail("alice@example.com",
                                        ["SIZE=1000"])[0], 250)
                c.rset()
            # A large upload to the API (`sealpost protect`, spooled when
            # over 1 MiB) that would eat into the floor: 503 from its
            # header, its --out never written.
            src = os.path.join(tempfile.gettempdir(),
                               "sealpost-floor-%s.eml" % uuid.uuid4().hex)
            with open(src, "wb") as f:
                f.write(b"Subject: big\r\n\r\n" +
                        (b"z" * 998 + b"\r\n") * (8 * 1024))
            out = src + ".out"
            try:
                r = server.cli_as("alice@example.com", "protect", src,
                                  "--template", "Encrypt", "--to",
                                  "bob@example.com", "--out", out)
                self.assertNotEqual(r.returncode, 0, r.stderr)
                self.assertIn("not enough free disk space", r.stderr)
                self.assertFalse(os.path.exists(out))
            finally:
                os.unlink(src)
            # 512 KB messages until one is refused: the refusal comes at
            # MAIL, while the floor (less what one message may take past
            # it) is still free, and the server stays up.
            body = ("Subject: fill\r\n\r\n" +
                    ("y" * 998 + "\r\n") * 512).encode()
            acked, refused = [], None
            for _ in range(40):
                with smtplib.SMTP(server.smtp_host, server.smtp_port,
                                  timeout=30) as c:
                    c.ehlo()
                    code, resp = c.mail("alice@example.com")
                    if code != 250:
                        refused = (code, resp)
                        break
                    c.rcpt("bob@example.com")
                    code, resp = c.data(body)
                    self.assertEqual(code, 250, resp)
                    acked.append(resp.decode().rsplit(" ", 1)[-1])
            self.assertIsNotNone(refused, "the floor never refused mail")
            self.assertEqual(refused[0], 452, refused)
            self.assertIn(b"4.3.1", refused[1])
            self.assertGreater(len(acked), 0)
            self.assertGreater(free(), floor - 2 * 1024 * 1024)
            self.assertIn("server.min_free_bytes", server.read_log())
            self.assert_all_delivered_once_the_hop_is_back(server, sink,
                                                           acked)


if __name__ == "__main__":
    unittest.main(verbosity=2)
