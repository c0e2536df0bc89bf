#!/usr/bin/env python3
"""Reads streamed from a container (issue 14), against the real `sealpost
server -dev`, smtplib and the dev Maildir, with one 3 MB message for an
internal and an external recipient:

- `sealpost protect` of a 12 MB message (spooled by the server as it
  arrives, the wrapper sent back as it is made) and `sealpost open` of the
  result give the original back byte for byte, from files and from pipes;
  the gateway recognises the streamed wrapper's seal (it is not protected a
  second time); a refused protection or a cut answer leaves --out as it
  was; a large upload without a valid token is refused from its header
  before any byte of its body is read.
- `sealpost open` of the external wrapper (no message.sealed) downloads the
  server's copy a slice at a time and opens it byte for byte.

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

import base64
import glob
import hashlib
import json
import os
import re
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import large_message_test as lm  # noqa: E402
from smtp_testlib import DevServer, wait_for, unique  # noqa: E402

BINARY = os.environ.get("SEALPOST_BINARY", "build/sealpost")
MB = 1024 * 1024


def sha(b):
    return hashlib.sha256(b).hexdigest()


class StreamedReadsTest(unittest.TestCase):
    @classmethod
    def server_args(cls):
        """The dev server's arguments (a subclass's store)."""
        return ()

    @classmethod
    def setUpClass(cls):
        cls.server = DevServer(args=cls.server_args())
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

    def env_of(self, user):
        env = dict(os.environ, SEALPOST_ADDR=self.server.url,
                   SEALPOST_CACERT=self.server.ca_cert, SEALPOST_USER=user,
                   SEALPOST_PASSWORD=self.server.passwords()[user])
        env.pop("SEALPOST_TOKEN", None)
        return env

    def run_as(self, user, *args, stdin=None):
        """`sealpost ARGS` as the dev user `user`; bytes in and out."""
        return subprocess.run([BINARY] + list(args), env=self.env_of(user),
                              input=stdin, capture_output=True, timeout=300)

    def path(self, name):
        return os.path.join(self.tmp.name, "%s-%s" % (unique(), name))

    def protected_large(self):
        """A 12 MB message protected once for the class by `sealpost
        protect` (file to file): (original, wrapper path)."""
        if not hasattr(type(self), "_protected"):
            raw = lm.large_message(unique(), 12 * MB)
            src, out = self.path("big.eml"), self.path("wrapper.eml")
            with open(src, "wb") as f:
                f.write(raw)
            r = self.run_as("alice@example.com", "protect", src,
                            "--template", "Encrypt", "--to",
                            "bob@example.com", "--out", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(b"Protected as ", r.stderr)
            type(self)._protected = (raw, out)
        return type(self)._protected

    def test_protect_then_open_byte_for_byte(self):
        raw, wrapper = self.protected_large()
        self.assertEqual(glob.glob(glob.escape(wrapper) + ".sealpost-*"), [])
        with open(wrapper, "rb") as f:
            head = f.read(65536)
        self.assertRegex(head, rb"X-Sealpost-Protected: v1; id=[0-9a-f]{32}; "
                               rb"template=Encrypt; k=\d+; seal=")
        out = self.path("opened.eml")
        r = self.run_as("bob@example.com", "open", wrapper, "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, "rb") as f:
            self.assertEqual(sha(f.read()), sha(raw))
        # The same wrapper from a pipe, and the original to stdout.
        with open(wrapper, "rb") as f:
            r = self.run_as("bob@example.com", "open", "-", stdin=f.read())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sha(r.stdout), sha(raw))

    def test_protect_from_a_pipe_to_stdout(self):
        raw = lm.large_message(unique(), 3 * MB)
        r = self.run_as("alice@example.com", "protect", "-", "--template",
                        "Do Not Forward", "--to", "bob@example.com",
                        stdin=raw)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"template=\"Do Not Forward\"", r.stdout[:65536])
        wrapper = self.path("piped.eml")
        with open(wrapper, "wb") as f:
            f.write(r.stdout)
        r = self.run_as("bob@example.com", "open", wrapper)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sha(r.stdout), sha(raw))

    def test_streamed_wrapper_is_sealed(self):
        """The gateway takes a wrapper for its own only when its seal
        verifies: sent again through SMTP, the API's wrapper keeps its
        id instead of being protected a second time."""
        tag = unique()
        raw = lm.large_message(tag, 2 * MB).replace(
            b", carol@partner.example", b"")
        r = self.run_as("alice@example.com", "protect", "-", "--template",
                        "Encrypt", "--to", "bob@example.com", stdin=raw)
        self.assertEqual(r.returncode, 0, r.stderr)
        msg_id = re.search(rb"X-Sealpost-Protected: v1; id=([0-9a-f]{32})",
                           r.stdout[:65536]).group(1)
        with smtplib.SMTP(self.server.smtp_host, self.server.smtp_port,
                          timeout=120) as c:
            c.sendmail("alice@example.com", ["bob@example.com"], r.stdout)

        def delivered():
            for p in self.server.mailbox_files():
                h = lm.head_of(p)
                if tag.encode() in h and b"X-Sealpost-Protected" in h:
                    return h
            return None
        head = wait_for(delivered, timeout=120, interval=0.5)
        self.assertTrue(head, self.server.read_log()[-3000:])
        ids = re.findall(rb"X-Sealpost-Protected: v1; id=([0-9a-f]{32})",
                         head)
        self.assertEqual(ids, [msg_id])

    def test_protect_as_json_answers_the_wrapper_in_base64(self):
        """The JSON form of POST /api/v1/protect (a body under the 1 MiB
        that is read whole): {id, template, mail} with the protected mail
        in base64, whole, which opens to the message byte for byte."""
        user = "alice@example.com"
        ctx = ssl.create_default_context(cafile=self.server.ca_cert)

        def post(path, body, token=None):
            headers = {"Content-Type": "application/json"}
            if token:
                headers["Authorization"] = "Bearer " + token
            req = urllib.request.Request(
                self.server.api_url + path, method="POST",
                data=json.dumps(body).encode(), headers=headers)
            with urllib.request.urlopen(req, context=ctx, timeout=120) as r:
                return r.status, json.loads(r.read().decode("utf-8"))

        _, login = post("/api/v1/auth/token", {
            "email": user, "password": self.server.passwords()[user]})
        raw = lm.large_message(unique(), 600 * 1024).replace(
            b", carol@partner.example", b"")
        code, answer = post("/api/v1/protect", {
            "template": "Encrypt", "recipients": ["bob@example.com"],
            "message": base64.b64encode(raw).decode()}, login["token"])
        self.assertEqual(code, 201)
        self.assertEqual(sorted(answer), ["id", "mail", "template"])
        self.assertEqual(answer["template"], "Encrypt")
        mail = base64.b64decode(answer["mail"], validate=True)
        self.assertGreater(len(mail), len(raw))
        self.assertIn(("X-Sealpost-Protected: v1; id=%s; template=Encrypt"
                       % answer["id"]).encode(), mail[:65536])
        r = self.run_as("bob@example.com", "open", "-", stdin=mail)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sha(r.stdout), sha(raw))

    def test_refused_protect_leaves_out_untouched(self):
        src, out = self.path("m.eml"), self.path("keep.eml")
        with open(src, "wb") as f:
            f.write(lm.large_message(unique(), 2 * MB))
        with open(out, "wb") as f:
            f.write(b"the real one")
        r = self.run_as("alice@example.com", "protect", src, "--template",
                        "No Such Template", "--to", "bob@example.com",
                        "--out", out)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(b"server refused", r.stderr)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), b"the real one")
        self.assertEqual(glob.glob(glob.escape(out) + ".sealpost-*"), [])

    def test_damaged_protected_output_fails_and_keeps_the_output(self):
        raw, wrapper = self.protected_large()
        with open(wrapper, "rb") as f:
            mail = f.read()
        lines, start, end = self.container_lines(mail)
        cut = start + (end - start) // 2
        self.assert_damaged_and_untouched(
            b"\r\n".join(lines[:cut] + lines[end:]))

    def tls_request(self, head, body=b""):
        """Sends `head` (and `body`) on a new TLS connection; the answer's
        status line and how long it took, or None if the server closed."""
        ctx = ssl.create_default_context(cafile=self.server.ca_cert)
        host, port = self.server.url[len("https://"):].rsplit(":", 1)
        started = time.time()
        with socket.create_connection((host, int(port)), timeout=30) as raw:
            with ctx.wrap_socket(raw, server_hostname=host) as s:
                s.sendall(head + body)
                got = b""
                while b"\r\n\r\n" not in got:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    got += chunk
        return got.split(b"\r\n", 1)[0], time.time() - started, got

    # The routes whose raw message is spooled: protection with the
    # wrapper, and S/MIME, and opening S/MIME.
    SPOOLED_ROUTES = (b"/api/v1/protect?template=Encrypt&to=bob@example.com",
                      b"/api/v1/smime/protect?to=bob@example.com",
                      b"/api/v1/smime/open")

    def test_unauthenticated_large_upload_is_refused_before_its_body(self):
        host = self.server.url[len("https://"):]
        for route in self.SPOOLED_ROUTES:
            for auth in (b"", b"Authorization: Bearer not-a-token\r\n"):
                # 100 MB announced, not one byte of it sent: the answer
                # comes from the header alone.
                status, _, got = self.tls_request(
                    b"POST " + route + b" HTTP/1.1\r\nHost: " +
                    host.encode() + b"\r\n" + auth +
                    b"Content-Type: message/rfc822\r\n"
                    b"Content-Length: 104857600\r\n\r\n")
                self.assertIn(b" 413 ", status, (route, got))
                self.assertIn(b"limit before sign-in", got)
        # Chunked (no length): read only up to the limit before sign-in.
        status, _, got = self.tls_request(
            b"POST /api/v1/protect?template=Encrypt&to=bob@example.com "
            b"HTTP/1.1\r\nHost: " + host.encode() + b"\r\n"
            b"Content-Type: message/rfc822\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n",
            # One byte past the limit, all of it sent before the server
            # answers (it closes the connection after the answer).
            b"10000\r\n" + b"x" * 0x10000 + b"\r\n" + b"1\r\nx\r\n")
        self.assertIn(b" 413 ", status, got)

    def test_portal_reader_cannot_spool_an_upload(self):
        # A reader signed in to the portal is signed in, but not to the
        # API: /api/v1/protect would refuse them after reading the body,
        # so the body must not be read (spooled to disk) at all.
        _, s = self.carol()
        cookie = "; ".join("%s=%s" % (c.name, c.value) for c in s.cookies)
        self.assertTrue(cookie)
        host = self.server.url[len("https://"):]
        for route in self.SPOOLED_ROUTES:
            status, _, got = self.tls_request(
                b"POST " + route + b" HTTP/1.1\r\nHost: " +
                host.encode() + b"\r\n"
                b"Cookie: " + cookie.encode() + b"\r\n"
                b"Content-Type: message/rfc822\r\n"
                b"Content-Length: 104857600\r\n\r\n")
            self.assertIn(b" 413 ", status, (route, got))
            self.assertIn(b"limit before sign-in", got)

    def test_external_wrapper_opens_from_the_server_copy(self):
        out = self.path("external.eml")
        src = self.path("external-in.eml")
        with open(src, "wb") as f:
            f.write(self.external)
        r = self.run_as("alice@example.com", "open", src, "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, "rb") as f:
            self.assertEqual(sha(f.read()), sha(self.raw))

    def container_lines(self, mail=None):
        """The lines of `mail` (default: the wrapper), and the first and
        last line indexes of message.sealed's base64 in them."""
        lines = (self.wrapper if mail is None else mail).split(b"\r\n")
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
        self.assertEqual(glob.glob(glob.escape(out) + ".sealpost-*"), [])

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

    def carol(self):
        """The external message's id, and a portal session of its reader
        carol@partner.example signed in with a passcode: made once per
        class, since a second passcode for the same reader and message
        waits for the resend delay."""
        cls = type(self)
        if getattr(cls, "_carol", None) is None:
            msg_id = re.search(r"/m/([0-9a-f]{32})",
                               lm.text_of(self.external[:65536])).group(1)
            cls._carol = (msg_id, lm.portal_reader(
                self.server, msg_id, "carol@partner.example"))
        return cls._carol

    def test_portal_download_streams_and_refuses_a_damaged_copy(self):
        msg_id, s = self.carol()
        page = s.get(self.server.url + "/m/" + msg_id, timeout=60)
        link = re.search(r'href="(/m/%s/part/\d+)"' % msg_id, page.text)
        self.assertTrue(link, page.text[:2000])
        url = self.server.url + link.group(1)
        want = lm.attachment_of(self.raw)
        r = s.get(url, timeout=120)
        self.assertEqual(r.status_code, 200, r.text[:500])
        self.assertEqual(int(r.headers["Content-Length"]), len(want))
        self.assertEqual(r.content, want)
        flip = self.copy_byte_flipper(msg_id)
        flip()
        try:
            r = s.get(url, timeout=120)
            self.assertEqual(r.status_code, 500)
            self.assertIn("This message is damaged", r.text)
            self.assertNotIn("Content-Disposition", r.headers)
        finally:
            flip()  # back as it was
        r = s.get(url, timeout=120)
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.content, want)

    def copy_byte_flipper(self, msg_id):
        """A function that flips one bit near the end of the message's
        portal copy where the store keeps it (here its body file, named by
        its id); called twice, the copy is as it was."""
        files = glob.glob(os.path.join(self.server.data_dir, "*-bodies",
                                       "p-" + msg_id.encode().hex()))
        self.assertEqual(len(files), 1, files)
        at = os.path.getsize(files[0]) * 9 // 10

        def flip():
            with open(files[0], "r+b") as f:
                f.seek(at)
                byte = f.read(1)
                f.seek(at)
                f.write(bytes([byte[0] ^ 0x01]))
        return flip


class StreamedReadsPostgresTest(StreamedReadsTest):
    """The same on PostgreSQL (a server of the test's own), where the
    portal copy is chunks of 1 MiB that the portal, the API and `sealpost
    open` read a chunk at a time (docs/architecture.md "Store")."""

    @classmethod
    def server_args(cls):
        from pg_testlib import PostgresServer
        cls.pg = PostgresServer()
        return ("--store-url", cls.pg.create_database("sealpost"))

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.pg.stop()

    def copy_byte_flipper(self, msg_id):
        size, chunk = self.pg.psql(
            "sealpost", "SELECT size || ' ' || chunk_bytes FROM bodies WHERE "
            "kind = 'p' AND id = '%s'" % msg_id).split()
        at = int(size) * 9 // 10
        seq, off = divmod(at, int(chunk))

        def flip():
            self.pg.psql(
                "sealpost", "UPDATE body_chunks SET data = set_byte(data, %d, "
                "get_byte(data, %d) # 1) WHERE kind = 'p' AND id = '%s' AND "
                "seq = %d" % (off, off, msg_id, seq))
        return flip


if __name__ == "__main__":
    unittest.main()
