"""What `sealpost` prints of text from outside, on an admin's terminal.

A Message-ID, a subject, a remote server's reply, a certificate's subject
or a label a mail client sent reach the CLI's output through the API. The
CLI's human output shows every character that acts on a terminal (C0
controls, DEL, C1 controls, bidirectional overrides) and every byte that is
no UTF-8 as a visible escape (`\\x1b`, `\\n`, `\\u009b`); `--json` stays the
same JSON value with those characters as JSON escapes.

PoisonedAnswersTest runs the real binary against a stand-in API (Python's
http.server behind TLS, a certificate made with openssl) whose every string
carries such text, so each printer is checked whatever the server stores.
GatewayTextTest sends the text through the real gateway with smtplib and
reads it back with `sealpost message list|trace|status` and `search`.
"""
import base64
import json
import os
import re
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import unittest
from email.header import Header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

sys.path.insert(0, os.path.dirname(__file__))
import smtp_testlib as lib  # noqa: E402

BINARY = lib.BINARY

# Clear the screen, home the cursor, retitle the window, rub out the line
# and write a fake one, a C1 CSI (U+009B), a right-to-left override, DEL.
POISON = ("\x1b[2J\x1b[H\x1b]0;owned\x07\x1b[2K\r  license.acquire "
          "ceo@example.com granted\n\u009b31m\u202efdp.exe\x7f")

ACTING = re.compile(
    rb"[\x00-\x09\x0b-\x1f\x7f]"         # C0 but the line feed, DEL
    rb"|\xc2[\x80-\x9f]"                  # C1 as UTF-8
    rb"|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")  # bidi overrides, isolates


def acting_bytes(out):
    """What in `out` (bytes) a terminal acts on: C0 (but line feeds), DEL,
    C1, bidi overrides and isolates, and bytes that are no UTF-8."""
    found = [m.group() for m in ACTING.finditer(out)]
    try:
        out.decode("utf-8")
    except UnicodeDecodeError as e:
        found.append(out[e.start:e.end])
    return found


def poisoned(text):
    return text + POISON


class StandIn(BaseHTTPRequestHandler):
    """Answers the API calls the CLI makes with poisoned strings."""
    routes = {}

    def log_message(self, *args):
        pass

    def answer(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        path = self.path.split("?", 1)[0]
        for (m, prefix), (status, body) in self.routes.items():
            if m == method and (path == prefix or (prefix.endswith("/") and
                                                   path.startswith(prefix))):
                break
        else:
            status, body = 404, {"error": {"code": "not_found",
                                           "message": poisoned("no ")}}
        raw = body if isinstance(body, bytes) else json.dumps(
            body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self):
        self.answer("GET")

    def do_POST(self):
        self.answer("POST")

    def do_DELETE(self):
        self.answer("DELETE")


def queue_message():
    return {"id": "Q1", "received_ms": 1767225600000,
            "from": poisoned("a@"), "message_id": poisoned("<m@"),
            "size": 10, "state": "queued",
            "recipients": [{"address": poisoned("b@"), "state": "queued",
                            "attempts": 1, "next_attempt_ms": 1767225600000,
                            "last_reply": poisoned("451 ")}]}


def protected_message():
    return {"id": "M1", "owner": poisoned("a@"), "template_id": "encrypt",
            "recipients": [poisoned("b@")], "created_at": 1767225600,
            "expires_at": 0, "revoked_at": 0, "revoked_by": poisoned(""),
            "state": "active", "subject": poisoned("Q3 ")}


def certificate():
    return {"id": "c1" * 32, "kind": "user", "emails": [poisoned("b@")],
            "subject": poisoned("CN="), "issuer": poisoned("CN="),
            "serial": "01", "not_before": 1767225600,
            "not_after": 1798761600, "key_type": "RSA-2048",
            "has_private_key": False, "status": poisoned("untrusted "),
            "reason": poisoned(""), "source": "harvest",
            "refused_at": 1767225600}


ROUTES = {
    ("GET", "/api/v1/queue/messages"): (200, {"messages": [queue_message()]}),
    ("GET", "/api/v1/queue/messages/Q1"): (200, {
        "message": queue_message(),
        "events": [{"at_ms": 1767225600000, "recipient": poisoned("b@"),
                    "event": poisoned("deferred "),
                    "detail": poisoned("451 ")}]}),
    ("GET", "/api/v1/protected/M1"): (200, dict(protected_message(), events=[
        {"at": 1767225600, "actor": poisoned("b@"), "action":
         "license.acquire", "result": "granted",
         "detail": poisoned("api: sealpost open")}])),
    ("GET", "/api/v1/protected"): (200, {"messages": [protected_message()]}),
    ("POST", "/api/v1/auth/token"): (200, {"token": "user-token"}),
    ("POST", "/api/v1/search"): (200, {"messages": [protected_message()]}),
    ("GET", "/api/v1/smime/certs"): (200, {"certificates": [certificate()]}),
    ("GET", "/api/v1/smime/certs/C1"): (200, certificate()),
    ("GET", "/api/v1/smime/refused"): (200, {"refused": [certificate()]}),
    ("GET", "/api/v1/smime/crls"): (200, {"crls": [{
        "issuer": poisoned("CN="), "crl_number": poisoned("7"),
        "this_update": 1767225600, "next_update": 1767830400,
        "fetched_at": 1767225600, "refetch_at": 1767312000}]}),
    ("DELETE", "/api/v1/smime/crls/"): (200, {"removed": poisoned("CN=")}),
    ("DELETE", "/api/v1/smime/certs/"): (200, {"removed": poisoned("c1")}),
    ("POST", "/api/v1/irm/test"): (200, {"pass": False, "checks": [
        {"step": poisoned("Open "), "pass": False,
         "detail": poisoned("refused: ")}]}),
    ("GET", "/api/v1/users"): (200, {"users": [{
        "email": poisoned("u@"), "display_name": poisoned("U "),
        "created_at": 1767225600}]}),
    ("GET", "/api/v1/groups"): (200, {"groups": {
        poisoned("G "): [poisoned("u@")]}}),
    ("GET", "/api/v1/license-assignments"): (200, {
        "users": [poisoned("u@")], "groups": [poisoned("G ")]}),
    ("GET", "/api/v1/rules"): (200, {"rules": [{
        "id": "r1", "name": poisoned("R "), "priority": 0, "enabled": True,
        "mode": "enforce", "stop_processing": False,
        "conditions": [{"kind": "subject_contains",
                        "values": [poisoned("x")]}],
        "exceptions": [], "actions": [{"kind": "reject",
                                       "text": poisoned("no ")}],
        "comments": poisoned("c ")}]}),
    ("GET", "/api/v1/templates"): (200, {"templates": [{
        "name": poisoned("T "), "id": "t1", "description": poisoned("d "),
        "archived": False, "org_only": False, "expiry_days": 0,
        "offline_days": 0, "extend_to_forwardees": False,
        "grants": [{"principal": poisoned("p"), "rights": "VIEW"}]}]}),
    ("GET", "/api/v1/tls/policies"): (200, {"policies": [{
        "domain": poisoned("d."), "policy": "verify",
        "ca_file": poisoned("/x"), "updated_at": 1767225600}]}),
    ("GET", "/api/v1/journal/rules"): (200, {"rules": [{
        "name": poisoned("J "), "id": "j1", "scope": "Global",
        "recipient": poisoned("r@"), "journal_address": poisoned("j@"),
        "enabled": True, "created_at": 1767225600}]}),
    ("GET", "/api/v1/sys/status"): (200, {
        "version": poisoned("1."), "uptime_seconds": 5,
        "started_at": 1767225600, "store_engine": "sqlite",
        "schema_version": 30, "dev_mode": True, "node_id": poisoned("n"),
        "nodes": [{"node_id": poisoned("n"), "hostname": poisoned("h"),
                   "version": poisoned("1.")}]}),
    ("POST", "/api/v1/queue/messages/Q1/retry"): (409, {"error": {
        "code": "failed_precondition", "message": poisoned("done: ")}}),
}

# Each command and a text of the poisoned field that it must show,
# escaped.
COMMANDS = [
    (["message", "list"], "<m@\\x1b[2J"),
    (["message", "trace", "Q1"], "451 \\x1b[2J"),
    (["message", "status", "M1"], "api: sealpost open\\x1b[2J"),
    (["message", "list", "--protected"], "Q3 \\x1b[2J"),
    (["search", "figures", "--user", "u@example.com"], "Q3 \\x1b[2J"),
    (["cert", "list"], "b@\\x1b[2J"),
    (["cert", "get", "C1"], "CN=\\x1b[2J"),
    (["cert", "list", "--refused"], "CN=\\x1b[2J"),
    (["cert", "crl", "list"], "CN=\\x1b[2J"),
    (["cert", "crl", "remove", "CN=x"], "CN=\\x1b[2J"),
    (["cert", "remove", "c1c1c1c1"], "c1\\x1b[2J"),
    (["irm", "test", "--sender", "a@example.com"], "refused: \\x1b[2J"),
    (["user", "list"], "U \\x1b[2J"),
    (["group", "list"], "G \\x1b[2J"),
    (["license", "list"], "G \\x1b[2J"),
    (["rule", "list"], "no \\x1b[2J"),
    (["template", "list"], "Rights[p\\x1b[2J"),
    (["tls", "policy", "list"], "/x\\x1b[2J"),
    (["journal", "rule", "list"], "j@\\x1b[2J"),
    (["status"], "h\\x1b[2J"),
    # The server's refusals, on stderr.
    (["message", "trace", "NOPE"], "no \\x1b[2J"),
    (["queue", "retry", "Q1"], "done: \\x1b[2J"),
]


class PoisonedAnswersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sealpost-cli-out-")
        cls.cert = os.path.join(cls.dir, "cert.pem")
        key = os.path.join(cls.dir, "key.pem")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj",
             "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", key, "-out", cls.cert],
            check=True, capture_output=True)
        StandIn.routes = ROUTES
        cls.httpd = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cls.cert, key)
        cls.httpd.socket = ctx.wrap_socket(cls.httpd.socket,
                                           server_side=True)
        threading.Thread(target=cls.httpd.serve_forever, daemon=True).start()
        cls.env = dict(os.environ,
                       SEALPOST_ADDR="https://127.0.0.1:%d"
                       % cls.httpd.server_address[1],
                       SEALPOST_TOKEN="admin-token", SEALPOST_CACERT=cls.cert,
                       SEALPOST_PASSWORD="pw")
        cls.env.pop("SEALPOST_CONFIG", None)

    @classmethod
    def tearDownClass(cls):
        cls.httpd.shutdown()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def cli(self, *args):
        return subprocess.run([BINARY] + list(args), env=self.env,
                              capture_output=True, timeout=60)

    def test_every_printer_shows_controls_as_escapes(self):
        for args, shown in COMMANDS:
            with self.subTest(command=" ".join(args)):
                r = self.cli(*args)
                out = r.stdout + r.stderr
                self.assertNotIn(b"terminate called", out)
                self.assertIn(r.returncode, (0, 2), out[-500:])
                self.assertEqual(acting_bytes(out), [], out[-2000:])
                # Shown, not dropped: the admin sees what was tried.
                self.assertIn(shown.encode(), out)

    def test_json_is_the_same_value_without_raw_controls(self):
        for args, route in [
                (["message", "list"], ("GET", "/api/v1/queue/messages")),
                (["message", "trace", "Q1"],
                 ("GET", "/api/v1/queue/messages/Q1")),
                (["message", "status", "M1"], ("GET", "/api/v1/protected/M1")),
                (["search", "figures", "--user", "u@example.com"],
                 ("POST", "/api/v1/search")),
                (["cert", "list"], ("GET", "/api/v1/smime/certs")),
                (["irm", "test", "--sender", "a@example.com"],
                 ("POST", "/api/v1/irm/test"))]:
            with self.subTest(command=" ".join(args)):
                r = self.cli("--json", *args)
                self.assertEqual(acting_bytes(r.stdout), [], r.stdout)
                self.assertEqual(json.loads(r.stdout), ROUTES[route][1])

    def test_search_export_writes_nothing_outside_its_directory(self):
        """The ids the server answers name the export's files: one that is
        no id ("../x", an absolute path, export.mbox's name) is refused,
        and nothing is written outside DIR."""
        out_dir = os.path.join(self.dir, "export")
        for bad in ["../escaped", "/tmp/escaped-abs", "export.mbox", ""]:
            with self.subTest(id=bad):
                hit = dict(protected_message(), id=bad)
                StandIn.routes = dict(ROUTES)
                StandIn.routes[("POST", "/api/v1/search")] = (
                    200, {"messages": [hit]})
                StandIn.routes[("GET", "/api/v1/search/messages/")] = (
                    200, {"x": 1})
                try:
                    r = self.cli("search", "export", "figures", "--user",
                                 "u@example.com", "--out", out_dir)
                finally:
                    StandIn.routes = ROUTES
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(b"not an id", r.stderr)
                self.assertFalse(os.path.exists(
                    os.path.join(self.dir, "escaped.eml")))
                self.assertFalse(os.path.exists("/tmp/escaped-abs.eml"))
                self.assertEqual(os.listdir(out_dir), [])

    def test_bytes_that_are_no_utf8_are_shown_not_fatal(self):
        """An answer holding a Message-ID's 8-bit bytes as they came (a
        server before the fix): escaped, where the CLI used to abort."""
        body = json.dumps({"messages": [queue_message()]},
                          ensure_ascii=False).encode()
        body = body.replace(b"<m@", b"<m\xff\x9b@")
        StandIn.routes = dict(ROUTES)
        StandIn.routes[("GET", "/api/v1/queue/messages")] = (200, body)
        try:
            r = self.cli("message", "list")
            out = r.stdout + r.stderr
            self.assertEqual(r.returncode, 0, out)
            self.assertEqual(acting_bytes(out), [], out)
            self.assertIn(b"<m\\xff\\x9b@", out)
            r = self.cli("--json", "message", "list")
            self.assertEqual(acting_bytes(r.stdout), [], r.stdout)
            self.assertIn("<m\ufffd\ufffd@",
                          json.loads(r.stdout)["messages"][0]["message_id"])
        finally:
            StandIn.routes = ROUTES


class GatewayTextTest(unittest.TestCase):
    """Outsiders' text through the real gateway and API."""

    @classmethod
    def setUpClass(cls):
        cls.server = lib.DevServer()
        cls.server.cli("group", "add", "eDiscovery Manager", check=True)
        cls.server.cli("group", "member", "add", "eDiscovery Manager",
                       "bob@example.com", check=True)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def cli_bytes(self, *args):
        env = dict(os.environ, SEALPOST_ADDR=self.server.api_url,
                   SEALPOST_TOKEN=self.server.token,
                   SEALPOST_CACERT=self.server.ca_cert)
        return subprocess.run([BINARY] + list(args), env=env,
                              capture_output=True, timeout=60)

    def queued(self, needle):
        """The `--json message list` entry whose Message-ID holds
        `needle`."""
        r = self.cli_bytes("--json", "message", "list")
        self.assertEqual(r.returncode, 0, r.stderr)
        for m in json.loads(r.stdout)["messages"]:
            if needle in m["message_id"]:
                return m
        self.fail("no message with %r in %r" % (needle, r.stdout[:2000]))

    def test_message_id_with_escapes_is_shown_escaped(self):
        tag = lib.unique()
        raw = ("From: a@example.com\r\nTo: b@example.net\r\nSubject: hi\r\n"
               "Message-ID: <%s\x1b[2J\x1b[1;31mALL CLEAR\x1b[0m\t\x7f"
               "\u009b@evil.test>\r\n\r\nbody\r\n" % tag).encode()
        qid = self.server.submit("x@evil.test", "b@example.net", raw)
        # Kept with its controls as visible escapes (the trace still shows
        # which message it was), none of them raw.
        stored = self.queued(tag)["message_id"]
        self.assertEqual(stored, "<%s\\x1b[2J\\x1b[1;31mALL CLEAR\\x1b[0m"
                         "\\t\\x7f\\u009b@evil.test>" % tag)
        for args in (["message", "list"], ["message", "trace", qid]):
            r = self.cli_bytes(*args)
            out = r.stdout + r.stderr
            self.assertEqual(r.returncode, 0, out)
            self.assertEqual(acting_bytes(out), [], out)
            self.assertIn(("<%s\\x1b[2J" % tag).encode(), out)

    def test_message_id_that_is_no_utf8_leaves_the_list_readable(self):
        """8-bit bytes in a stranger's Message-ID made every `message
        list` abort (the API's JSON was no UTF-8) for as long as the
        message stayed in the history."""
        tag = lib.unique()
        raw = (b"From: a@example.com\r\nTo: b@example.net\r\nSubject: hi\r\n"
               b"Message-ID: <" + tag.encode() + b"\xff\x9b@evil.test>\r\n"
               b"\r\nbody\r\n")
        self.server.submit("x@evil.test", "b@example.net", raw)
        r = self.cli_bytes("message", "list")
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 0, out[-2000:])
        self.assertEqual(acting_bytes(out), [], out[-2000:])
        self.assertEqual(self.queued(tag)["message_id"],
                         "<%s\\xff\\x9b@evil.test>" % tag)

    def test_subject_with_escapes_is_shown_escaped_by_search(self):
        word = "esc" + lib.unique()
        subject = Header("[encrypt] %s \x1b[2J\x1b[HALL CLEAR\u009b0m"
                         % word, "utf-8").encode()
        raw = ("From: alice@example.com\r\nTo: carol@gmail.test\r\n"
               "Subject: %s\r\nMessage-ID: <%s@example.com>\r\n\r\n"
               "Quarterly figures.\r\n" % (subject, word)).encode()
        with smtplib.SMTP(self.server.smtp_host, self.server.smtp_port) as c:
            c.sendmail("alice@example.com", ["carol@gmail.test"], raw)
        bob = self.server.passwords()["bob@example.com"]
        env = dict(os.environ, SEALPOST_ADDR=self.server.url,
                   SEALPOST_CACERT=self.server.ca_cert,
                   SEALPOST_USER="bob@example.com", SEALPOST_PASSWORD=bob)
        env.pop("SEALPOST_TOKEN", None)

        def found():
            r = subprocess.run([BINARY, "search", word], env=env,
                               capture_output=True, timeout=60)
            return r if word.encode() in r.stdout else None
        r = lib.wait_for(found, timeout=30)
        self.assertTrue(r, "never found")
        out = r.stdout + r.stderr
        self.assertEqual(acting_bytes(out), [], out)
        self.assertIn(b"\\x1b[2J\\x1b[HALL CLEAR\\u009b0m", out)
        # Its sender's own list shows the subject too.
        alice = self.server.passwords()["alice@example.com"]
        r = subprocess.run(
            [BINARY, "message", "list", "--protected", "--user",
             "alice@example.com"],
            env=dict(env, SEALPOST_USER="alice@example.com",
                     SEALPOST_PASSWORD=alice),
            capture_output=True, timeout=60)
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 0, out)
        self.assertIn(word.encode(), out)
        self.assertEqual(acting_bytes(out), [], out)

    def test_a_client_label_cannot_write_an_audit_line(self):
        """`client` of POST /api/v1/licenses goes into the audit record
        that `message status` shows: a label with a control character is
        refused, so no fake line can be written there."""
        word = "lbl" + lib.unique()
        raw = ("From: alice@example.com\r\nTo: bob@example.com\r\n"
               "Subject: [encrypt] %s\r\n\r\nhello\r\n" % word).encode()
        with smtplib.SMTP(self.server.smtp_host, self.server.smtp_port) as c:
            c.sendmail("alice@example.com", ["bob@example.com"], raw)
        token = requests.post(
            self.server.url + "/api/v1/auth/token",
            json={"email": "bob@example.com",
                  "password": self.server.passwords()["bob@example.com"]},
            verify=self.server.ca_cert, timeout=30).json()["token"]

        def sent():
            r = self.cli_bytes("--json", "message", "list", "--protected")
            for m in json.loads(r.stdout)["messages"]:
                if "bob@example.com" in m["recipients"]:
                    return m["id"]
            return None
        msg_id = lib.wait_for(sent, timeout=30)
        self.assertTrue(msg_id)
        container = requests.get(
            self.server.url + "/api/v1/protected/%s/sealed" % msg_id,
            headers={"Authorization": "Bearer " + token},
            verify=self.server.ca_cert, timeout=30)
        self.assertEqual(container.status_code, 200, container.text[:200])
        header = base64.b64encode(container.content).decode()
        fake = ("sealpost open\x1b[2K\r  2026-01-01T00:00:00Z  "
                "license.acquire  ceo@example.com  granted")
        r = requests.post(
            self.server.url + "/api/v1/licenses",
            headers={"Authorization": "Bearer " + token},
            json={"header": header, "client": fake},
            verify=self.server.ca_cert, timeout=30)
        self.assertEqual(r.status_code, 400, r.text[:300])
        status = self.cli_bytes("message", "status", msg_id)
        out = status.stdout + status.stderr
        self.assertEqual(status.returncode, 0, out)
        self.assertEqual(acting_bytes(out), [], out)
        self.assertNotIn(b"ceo@example.com", out)


class HostileNextHop:
    """A next hop that answers every RCPT with `reply` (bytes): 8-bit
    bytes and escapes, as any MX the organisation mails may."""

    def __init__(self, reply):
        self.reply = reply
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.session, args=(conn,),
                             daemon=True).start()

    def session(self, conn):
        with conn, conn.makefile("rb") as lines:
            conn.sendall(b"220 hop.test ESMTP\r\n")
            for line in lines:
                verb = line[:4].upper()
                if verb == b"RCPT":
                    conn.sendall(self.reply + b"\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 hop.test\r\n")

    def close(self):
        self.sock.close()


class RemoteReplyTest(unittest.TestCase):
    """A remote server's reply is kept as it came for the trace."""

    @classmethod
    def setUpClass(cls):
        cls.hop = HostileNextHop(b"451 4.3.0 busy \xff\x9b\x1b[2J now")
        cls.server = lib.DevServer(
            args=["--next-hop", "127.0.0.1:%d" % cls.hop.port])

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.hop.close()

    def test_a_reply_that_is_no_utf8_leaves_the_queue_readable(self):
        """The API's JSON held the reply's 8-bit bytes as they came, so
        it was no JSON (RFC 8259 §8.1) and every `message list` of the
        queue aborted while the message stayed in it."""
        qid = self.server.submit("a@example.com", "b@example.net",
                                 b"From: a@example.com\r\nSubject: x\r\n"
                                 b"\r\nhi\r\n")
        env = dict(os.environ, SEALPOST_ADDR=self.server.api_url,
                   SEALPOST_TOKEN=self.server.token,
                   SEALPOST_CACERT=self.server.ca_cert)

        def deferred():
            r = subprocess.run([BINARY, "--json", "message", "trace", qid],
                               env=env, capture_output=True, timeout=60)
            return r if b"busy" in r.stdout else None
        r = lib.wait_for(deferred, timeout=30)
        self.assertTrue(r, "never deferred")
        reply = json.loads(r.stdout)["message"]["recipients"][0]["last_reply"]
        self.assertEqual(reply, "451 4.3.0 busy \ufffd\ufffd\x1b[2J now")
        # The API itself, to a client we did not write.
        api = requests.get(self.server.api_url + "/api/v1/queue/messages",
                           headers={"Authorization": "Bearer " +
                                    self.server.token},
                           verify=self.server.ca_cert, timeout=30)
        api.content.decode("utf-8")  # strict: raises on bytes not UTF-8
        self.assertIn(qid, [m["id"] for m in api.json()["messages"]])
        for args in (["message", "list"], ["message", "trace", qid]):
            r = subprocess.run([BINARY] + args, env=env,
                               capture_output=True, timeout=60)
            out = r.stdout + r.stderr
            self.assertEqual(r.returncode, 0, out)
            self.assertEqual(acting_bytes(out), [], out)


if __name__ == "__main__":
    unittest.main()
