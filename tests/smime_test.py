"""S/MIME end to end (issue 12): certificates made by the openssl command
line are imported with `sealpost cert`, mail goes in with smtplib, and what
the dev Maildir receives is decrypted by `openssl cms` and by `gpgsm` (in a
throw-away GnuPG home) and read by Python's email package. Mixed recipients,
unusable certificates (expired, revoked by a CRL, from an untrusted CA) and
a rule that requires S/MIME are checked from the outside.
"""

import email
import http.server
import email.policy
import json
import os
import re
import shutil
import smtplib
import sqlite3
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import smtp_testlib as lib  # noqa: E402
from portal_security_test import browser, csrf_of, text_of  # noqa: E402


unique = lib.unique
PKCS12_PASSWORD = "p12-pass-word"


def run(cmd, cwd, **kw):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=120, **kw)
    if r.returncode != 0:
        raise AssertionError("%s: %s %s" % (cmd, r.stdout, r.stderr))
    return r


def head_of_mail(body):
    """`body` under the framed mail's multipart/signed header section
    (boundary "abc"), for Python's own MIME reader."""
    return (b"MIME-Version: 1.0\r\nContent-Type: multipart/signed; "
            b"protocol=\"application/pkcs7-signature\"; boundary=\"abc\""
            b"\r\n\r\n" + body)


def gpgsm_encrypt(pki, certs, recipient, path):
    """`path` encrypted by gpgsm to `recipient`, in a throw-away GnuPG home
    that imports `certs` (file names in `pki`, the CA first) and trusts the
    CA: the DER EnvelopedData."""
    home = tempfile.mkdtemp(prefix="sealpost-gnupg-")
    env = dict(os.environ, GNUPGHOME=home)
    try:
        for cert in certs:
            run(["gpgsm", "--batch", "--import", pki.path(cert)], home,
                env=env)
        fpr = subprocess.run(
            ["openssl", "x509", "-in", pki.path(certs[0]), "-noout",
             "-fingerprint", "-sha1"], capture_output=True, text=True,
            check=True).stdout.split("=")[1].strip()
        with open(os.path.join(home, "trustlist.txt"), "w") as f:
            f.write(fpr + " S relax\n")
        return run(["gpgsm", "--batch", "--disable-crl-checks", "--encrypt",
                    "-r", recipient, path], home, env=env).stdout
    finally:
        subprocess.run(["gpgconf", "--kill", "all"], env=env,
                       capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def gpgsm_decrypt(pki, name, p7m):
    """The DER EnvelopedData `p7m` decrypted by gpgsm with `name`'s key, in
    a throw-away GnuPG home: gpgsm's answer (returncode, stdout, stderr).

    gpgsm 2.2 imports keys only from PKCS#12 in the older 3DES encryption,
    and fails to parse about one such file in fifty, depending on its
    random salt alone ("error parsing or decrypting the PKCS#12 file", the
    same file every time). The file is made again, with a new salt, until
    gpgsm takes it, five times at most."""
    home = tempfile.mkdtemp(prefix="sealpost-gnupg-")
    env = dict(os.environ, GNUPGHOME=home)
    password = PKCS12_PASSWORD.encode() + b"\n"
    gpgsm = ["gpgsm", "--batch", "--pinentry-mode", "loopback",
             "--passphrase-fd", "0"]
    p12 = pki.path(name + "-3des.p12")
    try:
        with open(os.path.join(home, "gpg-agent.conf"), "w") as f:
            f.write("allow-loopback-pinentry\n")
        for _ in range(5):
            run(["openssl", "pkcs12", "-export", "-in", name + ".pem",
                 "-inkey", name + ".key", "-certfile", "ca.pem", "-out", p12,
                 "-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES",
                 "-macalg", "sha1", "-passout", "pass:" + PKCS12_PASSWORD],
                pki.dir)
            r = subprocess.run(gpgsm + ["--import", p12], env=env,
                               capture_output=True, input=password,
                               timeout=60)
            if b"error parsing or decrypting" not in r.stderr:
                break
        if r.returncode != 0:
            raise AssertionError("gpgsm --import %s: %s" % (p12, r.stderr))
        path = os.path.join(home, "msg.p7m")
        with open(path, "wb") as f:
            f.write(p7m)
        return subprocess.run(gpgsm + ["--decrypt", path], env=env,
                              capture_output=True, input=password,
                              timeout=60)
    finally:
        subprocess.run(["gpgconf", "--kill", "all"], env=env,
                       capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


# A CRL distribution point for the revocation tests: serves `served`
# (path -> DER) and records every path asked, in order.
class CrlHandler(http.server.BaseHTTPRequestHandler):
    served = {}  # path -> bytes
    asked = []   # paths asked, in order

    def do_GET(self):  # noqa: N802 (http.server's name)
        CrlHandler.asked.append(self.path)
        body = CrlHandler.served.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/pkix-crl")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Pki:
    """A throw-away CA and people's certificates, by `openssl req/x509`."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sealpost-smime-pki-")
        with open(self.path("ca.cnf"), "w") as f:
            f.write("[req]\ndistinguished_name=dn\n[dn]\n[ca]\n"
                    "basicConstraints=critical,CA:TRUE\n"
                    "keyUsage=keyCertSign,cRLSign\n"
                    "[crl]\ndatabase=%s\ncrlnumber=%s\ndefault_md=sha256\n"
                    "default_crl_days=30\n" % (self.path("index.txt"),
                                               self.path("crlnumber")))
        open(self.path("index.txt"), "w").close()
        with open(self.path("crlnumber"), "w") as f:
            f.write("01\n")
        self.ca("ca", "Sealpost Test CA")

    def path(self, name):
        return os.path.join(self.dir, name)

    def ca(self, name, cn):
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-keyout", name + ".key", "-out", name + ".pem", "-days", "3650",
             "-subj", "/CN=" + cn, "-config", "ca.cnf", "-extensions", "ca"],
            self.dir)

    def leaf(self, name, address, days=365, ca="ca"):
        with open(self.path(name + ".ext"), "w") as f:
            f.write("basicConstraints=CA:FALSE\n"
                    "keyUsage=digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=emailProtection\n"
                    "subjectAltName=email:%s\n" % address)
        run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes",
             "-keyout", name + ".key", "-out", name + ".csr",
             "-subj", "/CN=" + name], self.dir)
        run(["openssl", "x509", "-req", "-in", name + ".csr", "-CA",
             ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial",
             "-days", str(days), "-out", name + ".pem",
             "-extfile", name + ".ext"], self.dir)

    def pkcs12(self, name):
        run(["openssl", "pkcs12", "-export", "-in", name + ".pem", "-inkey",
             name + ".key", "-certfile", "ca.pem", "-out", name + ".p12",
             "-passout", "pass:" + PKCS12_PASSWORD], self.dir)

    def load(self, cli, partners):
        """Trusts the CA, imports `partners`' certificates, Alice's PKCS#12
        (made by pkcs12("alice")) and the CRL, with the CLI."""
        with open(self.path("p12.pass"), "w") as f:
            f.write(PKCS12_PASSWORD + "\n")
        cli("cert", "trust", "import", self.path("ca.pem"), check=True)
        for name in partners:
            cli("cert", "import", self.path(name + ".pem"), check=True)
        cli("cert", "import", self.path("alice.p12"), "--password-file",
            self.path("p12.pass"), check=True)
        cli("cert", "crl", "import", self.path("crl.pem"), check=True)

    def revoke(self, name):
        run(["openssl", "ca", "-config", "ca.cnf", "-name", "crl", "-keyfile",
             "ca.key", "-cert", "ca.pem", "-revoke", name + ".pem"], self.dir)
        run(["openssl", "ca", "-config", "ca.cnf", "-name", "crl", "-keyfile",
             "ca.key", "-cert", "ca.pem", "-gencrl", "-out", "crl.pem"],
            self.dir)


class PkiCase(lib.DevServerCase):
    """A dev server and a test PKI of the class's own (`cls.pki`, made by
    `pki_class` once the server runs), whose files go with the server."""
    pki_class = Pki

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pki = cls.pki_class()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.pki.dir, ignore_errors=True)


class SmimeTest(PkiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        pki = cls.pki
        pki.leaf("bob", "bob@partner.test")
        pki.leaf("old", "old@partner.test", days=-1)  # expired
        pki.leaf("carol", "carol@partner.test")
        pki.leaf("grace", "grace@strict.test")
        pki.leaf("henry", "henry@signed.test")
        pki.ca("other", "Unknown CA")
        pki.leaf("eve", "eve@partner.test", ca="other")
        pki.leaf("alice", "alice@example.com")
        pki.pkcs12("alice")
        pki.pkcs12("bob")
        pki.revoke("carol")
        pki.load(cls.server.cli,
                 ("bob", "old", "carol", "grace", "eve", "henry"))

    def deliver(self, rcpts, raw, count):
        """Sends `raw` from alice to `rcpts` and waits for `count` new
        mailbox files: the files, by Delivered-To."""
        before = self.server.mailbox_files()
        self.send("alice@example.com", rcpts, raw)
        return self.by_recipient(self.arrivals(before, count))

    def by_recipient(self, files):
        out = {}
        for p in files:
            out[self.parse(p)["Delivered-To"]] = p
        return out

    def verify_openssl(self, path):
        """`openssl cms -verify` of the mail at `path` against the test CA:
        its result (the caller asserts)."""
        return subprocess.run(["openssl", "cms", "-verify", "-in", path,
                               "-CAfile", self.pki.path("ca.pem")],
                              capture_output=True, timeout=60)

    def decrypt_openssl(self, path, who):
        r = subprocess.run(
            ["openssl", "cms", "-decrypt", "-in", path, "-recip",
             self.pki.path(who + ".pem"), "-inkey",
             self.pki.path(who + ".key")], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_cert_list_says_why(self):
        r = self.server.cli("cert", "list")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = {}
        for line in r.stdout.splitlines():
            for who in ("bob@", "old@", "carol@", "eve@", "alice@"):
                if who in line:
                    lines[who] = line
        self.assertIn("valid", lines["bob@"])
        self.assertIn("expired", lines["old@"])
        self.assertIn("revoked", lines["carol@"])
        self.assertIn("untrusted", lines["eve@"])
        self.assertIn("Unknown CA", lines["eve@"])  # the reason
        self.assertIn("valid", lines["alice@"])
        r = self.server.cli("cert", "list", "--email", "carol@partner.test")
        self.assertEqual(len([ln for ln in r.stdout.splitlines()
                              if "@" in ln]), 1, r.stdout)
        alice_id = lines["alice@"].split()[0]
        r = self.server.cli("cert", "get", alice_id)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"HasPrivateKey\s*: True")
        # Untrusted input gets a clear answer and exit 2.
        junk = self.pki.path("junk.bin")
        with open(junk, "wb") as f:
            f.write(b"\x30\x82\x01\x00not a certificate")
        r = self.server.cli("cert", "import", junk)
        self.assertEqual(r.returncode, 2)
        self.assertIn("not a certificate file", r.stderr)
        r = self.server.cli("cert", "import", self.pki.path("bob.p12"),
                            "--password-file", self.pki.path("p12.pass"))
        self.assertEqual(r.returncode, 2)  # a partner's key is not kept
        self.assertIn("only for this organisation", r.stderr)

    def test_private_key_is_not_in_clear_at_rest(self):
        key = subprocess.run(["openssl", "pkey", "-in",
                              self.pki.path("alice.key"), "-outform", "DER"],
                             capture_output=True, check=True).stdout
        probe = key[-64:]  # the end of the private exponent and primes
        for root, _, names in os.walk(self.server.data_dir):
            for n in names:
                with open(os.path.join(root, n), "rb") as f:
                    self.assertNotIn(probe, f.read(), n)
        db = sqlite3.connect(os.path.join(self.server.data_dir,
                                          "sealpost.db"))
        [(wrapped,)] = db.execute(
            "SELECT wrapped_key FROM smime_certs c JOIN smime_cert_emails e "
            "ON e.cert_id = c.id WHERE e.email = 'alice@example.com'")
        self.assertGreater(len(wrapped), 100)

    def test_outbound_decrypts_with_openssl_and_gpgsm(self):
        tag = unique()
        attachment = bytes(range(256)) * 40
        original = email.message.EmailMessage()
        original["From"] = "Alice <alice@example.com>"
        original["To"] = "bob@partner.test"
        original["Subject"] = "Vertrag %s [encrypt]" % tag
        original["Message-ID"] = "<%s@example.com>" % tag
        original.set_content("Grüße, the numbers are in: secret-%s\n" % tag,
                             cte="8bit")
        original.add_attachment(attachment, maintype="application",
                                subtype="pdf", filename="report.pdf")
        raw = original.as_bytes(policy=email.policy.SMTP)
        self.send("alice@example.com", ["bob@partner.test"], raw)
        [path] = self.delivered(tag)
        m = self.parse(path)
        self.assertEqual(m.get_content_type(), "application/pkcs7-mime")
        self.assertEqual(m.get_param("smime-type"), "enveloped-data")
        self.assertEqual(m["Subject"], "Vertrag %s" % tag)  # keyword out
        self.assertEqual(m["Message-ID"], "<%s@example.com>" % tag)
        self.assertIsNone(m["X-Sealpost-Protected"])
        with open(path, "rb") as f:
            self.assertNotIn(("secret-" + tag).encode(), f.read())

        for who in ("bob", "alice"):  # the sender's certificate is on it
            inner = self.decrypt_openssl(path, who)
            part = email.message_from_bytes(inner, policy=email.policy.default)
            self.assertEqual(part.get_content_type(), "multipart/mixed")
            body = part.get_body(("plain",)).get_content()
            self.assertIn("Grüße, the numbers are in: secret-" + tag, body)
            [att] = list(part.iter_attachments())
            self.assertEqual(att.get_filename(), "report.pdf")
            self.assertEqual(att.get_content(), attachment)
            # The entity inside is the original's, byte for byte.
            self.assertTrue(raw.endswith(inner.split(b"\r\n\r\n", 1)[1]))

        # gpgsm, with bob's PKCS#12 in a throw-away GnuPG home.
        if shutil.which("gpgsm") is None:
            self.skipTest("gpgsm is not installed (scripts/install-test-deps)")
        r = gpgsm_decrypt(self.pki, "bob",
                          m.get_payload(decode=True) if not m.is_multipart()
                          else b"")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, self.decrypt_openssl(path, "bob"))

    def test_mixed_recipients_each_get_their_treatment(self):
        tag = unique()
        rcpts = ["bob@partner.test", "dave@gmail.test", "bob@example.com"]
        raw = ("From: alice@example.com\r\nTo: " + ", ".join(rcpts) + "\r\n"
               "Subject: mixed " + tag + " [encrypt]\r\n"
               "Message-ID: <" + tag + "@example.com>\r\n"
               "\r\nsecret-" + tag + "\r\n").encode()
        got = self.deliver(rcpts, raw, 3)
        self.assertEqual(sorted(got), sorted(rcpts))
        smime = self.parse(got["bob@partner.test"])
        self.assertEqual(smime.get_content_type(), "application/pkcs7-mime")
        inner = self.decrypt_openssl(got["bob@partner.test"], "bob")
        self.assertIn(("secret-" + tag).encode(), inner)
        for portal in ("dave@gmail.test", "bob@example.com"):
            m = self.parse(got[portal])
            self.assertIn("template=Encrypt", m["X-Sealpost-Protected"])
            with open(got[portal], "rb") as f:
                self.assertNotIn(("secret-" + tag).encode(), f.read())
        # The internal recipient's wrapper carries the container and opens.
        self.assertIn(("secret-" + tag).encode(),
                      self.opened("bob@example.com", got["bob@example.com"]))
        # The trace says which copy went as S/MIME, and to whom.
        r = self.server.cli("--json", "message", "list", check=True)
        messages = json.loads(r.stdout)["messages"]
        # The S/MIME copy keeps the original's Message-ID; its queue id is
        # the accepted message's plus "-N", as are the wrappers'.
        [smime_id] = [m["id"] for m in messages if tag in m["message_id"]]
        base = smime_id.rsplit("-", 1)[0]
        copies = {}
        for m in messages:
            if m["id"] == base or m["id"].startswith(base + "-"):
                for rc in m["recipients"]:
                    copies[rc["address"]] = m["id"]
        self.assertEqual(sorted(copies), sorted(rcpts))
        for address, queue_id in copies.items():
            trace = self.server.cli("message", "trace", queue_id,
                                    check=True).stdout
            want = {"bob@partner.test": "treatment=smime certificate=",
                    "dave@gmail.test": "treatment=portal Encrypt as ",
                    "bob@example.com": "treatment=sealed Encrypt as "}
            self.assertIn(want[address], trace)

    def test_unusable_certificates_fall_back_to_the_portal(self):
        tag = unique()
        rcpts = ["old@partner.test", "carol@partner.test", "eve@partner.test"]
        raw = ("From: alice@example.com\r\nTo: " + ", ".join(rcpts) + "\r\n"
               "Subject: fallback " + tag + " [encrypt]\r\n"
               "\r\nsecret-" + tag + "\r\n").encode()
        got = self.deliver(rcpts, raw, 3)
        self.assertEqual(sorted(got), sorted(rcpts))
        seals = set()
        for path in got.values():  # the Maildir keeps a file per recipient
            m = self.parse(path)
            self.assertIn("template=Encrypt", m["X-Sealpost-Protected"])
            self.assertNotEqual(m.get_content_type(),
                                "application/pkcs7-mime")
            seals.add(m["X-Sealpost-Protected"])
            with open(path, "rb") as f:
                self.assertNotIn(("secret-" + tag).encode(), f.read())
        self.assertEqual(len(seals), 1)  # one wrapper copy for the three
        log = self.server.read_log()
        self.assertIn("portal for carol@partner.test", log)
        self.assertIn("is revoked", log)
        self.assertIn("is expired", log)

    def test_require_smime_refuses_who_has_no_certificate(self):
        self.server.cli("rule", "new", "strict-" + unique(), "--if",
                        "recipient-domain=strict.test", "--require-smime",
                        check=True)
        tag = unique()
        rcpts = ["grace@strict.test", "nocert@strict.test"]
        raw = ("From: alice@example.com\r\nTo: " + ", ".join(rcpts) + "\r\n"
               "Subject: strict " + tag + "\r\n\r\nsecret-" + tag + "\r\n"
               ).encode()
        got = self.deliver(rcpts, raw, 2)  # no [encrypt]: the rule
        self.assertEqual(sorted(got), ["alice@example.com", "grace@strict.test"])
        grace = self.parse(got["grace@strict.test"])
        self.assertEqual(grace.get_content_type(), "application/pkcs7-mime")
        dsn = self.parse(got["alice@example.com"])
        self.assertEqual(dsn.get_content_type(), "multipart/report")
        with open(got["alice@example.com"], "rb") as f:
            text = f.read()
        self.assertIn(b"nocert@strict.test", text)
        self.assertIn(b"S/MIME required", text)
        self.assertNotIn(("secret-" + tag).encode(), text)
        # Only recipients without a certificate: refused at the SMTP level.
        try:
            self.send("alice@example.com", ["nocert@strict.test"],
                      ("From: alice@example.com\r\nTo: nocert@strict.test\r\n"
                       "Subject: strict2 " + tag + "\r\n\r\nx\r\n").encode())
            self.fail("accepted")
        except smtplib.SMTPDataError as e:
            self.assertEqual(e.smtp_code, 550)
            self.assertIn(b"S/MIME required", e.smtp_error)

    def large_entity(self, tag):
        """A 2 MB message over the spool threshold (issue 14): 7-bit text
        lines, so that a signed copy is clear-signed."""
        head = ("From: alice@example.com\r\nTo: bob@partner.test\r\n"
                "Subject: large %s [encrypt]\r\n"
                "Message-ID: <%s@example.com>\r\n" % (tag, tag)).encode()
        entity = b"Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        i = 0
        while len(entity) < 2 * 1024 * 1024:
            entity += b"line %d of the large secret-%s\r\n" % (i, tag.encode())
            i += 1
        return head, entity

    def test_large_message_streamed_as_smime(self):
        """A message spooled (2 MB) to recipients with certificates on file
        gets S/MIME copies made from the spool: each decrypts with openssl
        to the original's entity byte for byte, and, under a sign rule,
        the signature inside verifies over it."""
        self.server.cli("rule", "new", "sign-large-" + unique(), "--if",
                        "recipient-domain=signed.test", "--sign", check=True)
        for rcpt, who, signed in (("bob@partner.test", "bob", False),
                                  ("henry@signed.test", "henry", True)):
            tag = unique()
            head, entity = self.large_entity(tag)
            self.send("alice@example.com", [rcpt], head + entity)
            [path] = self.delivered("Subject: large " + tag)
            m = self.parse(path)
            self.assertEqual(m.get_content_type(), "application/pkcs7-mime")
            self.assertEqual(m["Subject"], "large " + tag)
            with open(path, "rb") as f:
                self.assertNotIn(("secret-" + tag).encode(), f.read())
            for reader in (who, "alice"):
                inner = self.decrypt_openssl(path, reader)
                if not signed:
                    self.assertEqual(inner, entity)
                    continue
                part = email.message_from_bytes(inner,
                                                policy=email.policy.default)
                self.assertEqual(part.get_content_type(), "multipart/signed")
                dec = os.path.join(self.pki.dir, "large-%s.eml" % tag)
                with open(dec, "wb") as f:
                    f.write(b"MIME-Version: 1.0\r\n" + inner)
                r = self.verify_openssl(dec)
                self.assertEqual(r.returncode, 0, r.stderr)
                # Text mode (OpenSSL 3.0's multipart reader) gives LF ends.
                self.assertEqual(r.stdout.replace(b"\r", b""),
                                 entity.replace(b"\r", b""))
                # The first part is the entity byte for byte.
                boundary = ("--" + part.get_boundary()).encode()
                first = inner.split(boundary + b"\r\n", 1)[1]
                self.assertEqual(first.split(b"\r\n" + boundary, 1)[0],
                                 entity)

    def test_sign_rule_signs_clear_and_inside_smime(self):
        self.server.cli("rule", "new", "sign-" + unique(), "--if",
                        "recipient-domain=signed.test", "--sign", check=True)
        tag = unique()
        rcpts = ["zed@signed.test", "henry@signed.test"]
        raw = ("From: alice@example.com\r\nTo: " + ", ".join(rcpts) + "\r\n"
               "Subject: signed " + tag + "\r\n"
               "Content-Type: text/plain; charset=us-ascii\r\n"
               "\r\nsigned-" + tag + "\r\n").encode()
        self.send("alice@example.com", ["zed@signed.test"], raw)
        [path] = self.delivered("Subject: signed " + tag)
        m = self.parse(path)
        self.assertEqual(m.get_content_type(), "multipart/signed")
        self.assertEqual(m.get_param("micalg"), "sha-256")
        self.assertEqual(m["Subject"], "signed " + tag)
        content, signature = m.get_payload()
        self.assertIn("signed-" + tag, content.get_content())
        self.assertEqual(signature.get_content_type(),
                         "application/pkcs7-signature")
        r = self.verify_openssl(path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(("signed-" + tag).encode(), r.stdout)
        # A changed byte and the signature no longer verifies.
        with open(path, "rb") as f:
            data = f.read()
        bad = os.path.join(self.pki.dir, "tampered.eml")
        with open(bad, "wb") as f:
            f.write(data.replace(b"signed-" + tag.encode(),
                                 b"signed-" + tag.upper().encode()))
        r = self.verify_openssl(bad)
        self.assertNotEqual(r.returncode, 0)

        if shutil.which("gpgsm") is not None:
            # gpgsm verifies the detached signature over the part's bytes.
            body = data.split(b"\r\n\r\n", 1)[1]
            boundary = ("--" + m.get_boundary()).encode()
            first = body.split(boundary + b"\r\n", 1)[1]
            signed = first.split(b"\r\n" + boundary, 1)[0]
            home = tempfile.mkdtemp(prefix="sealpost-gnupg-")
            try:
                env = dict(os.environ, GNUPGHOME=home)
                run(["gpgsm", "--batch", "--import",
                     self.pki.path("ca.pem")], home, env=env)
                fpr = subprocess.run(
                    ["openssl", "x509", "-in", self.pki.path("ca.pem"),
                     "-noout", "-fingerprint", "-sha1"], capture_output=True,
                    text=True, check=True).stdout.split("=")[1].strip()
                with open(os.path.join(home, "trustlist.txt"), "w") as f:
                    f.write(fpr + " S relax\n")
                with open(os.path.join(home, "data"), "wb") as f:
                    f.write(signed)
                with open(os.path.join(home, "sig.p7s"), "wb") as f:
                    f.write(signature.get_payload(decode=True))
                r = subprocess.run(
                    ["gpgsm", "--batch", "--disable-crl-checks", "--verify",
                     "sig.p7s", "data"], cwd=home, env=env,
                    capture_output=True, timeout=60)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn(b"Good signature", r.stderr)
            finally:
                subprocess.run(["gpgconf", "--kill", "all"],
                               env=dict(os.environ, GNUPGHOME=home),
                               capture_output=True)
                shutil.rmtree(home, ignore_errors=True)

        # With a certificate on file and protection asked: signed, then
        # encrypted; openssl opens both layers.
        raw2 = raw.replace(b"Subject: signed", b"Subject: [encrypt] both")
        self.send("alice@example.com", ["henry@signed.test"], raw2)
        [path] = self.delivered("Subject: both " + tag)
        self.assertEqual(self.parse(path).get_content_type(),
                         "application/pkcs7-mime")
        inner = self.decrypt_openssl(path, "henry")
        signed_path = os.path.join(self.pki.dir, "inner.eml")
        with open(signed_path, "wb") as f:
            f.write(b"MIME-Version: 1.0\r\n" + inner)
        r = self.verify_openssl(signed_path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(("signed-" + tag).encode(), r.stdout)

    def test_inbound_signature_is_verified_and_stamped(self):
        tag = unique()
        entity = os.path.join(self.pki.dir, "entity-" + tag)
        with open(entity, "w") as f:
            f.write("Content-Type: text/plain\n\nsigned by bob " + tag + "\n")

        def signed_by(who, sender):
            out = os.path.join(self.pki.dir, "signed-" + tag + who)
            run(["openssl", "cms", "-sign", "-in", entity, "-signer",
                 who + ".pem", "-inkey", who + ".key", "-from", sender,
                 "-to", "alice@example.com", "-subject", "inbound " + tag,
                 "-out", out], self.pki.dir)
            with open(out, "rb") as f:
                return f.read().replace(b"\r\n", b"\n").replace(
                    b"\n", b"\r\n")

        def deliver(raw, sender):
            # A field outside the signed entity tells the copies apart.
            marker = "X-Test-Id: " + unique()
            self.send(sender, ["alice@example.com"],
                      marker.encode() + b"\r\n" + raw)
            [path] = self.delivered(marker)
            return path, self.parse(path)

        raw = signed_by("bob", "bob@partner.test")
        path, m = deliver(raw, "bob@partner.test")
        self.assertEqual(m["X-Sealpost-Smime"],
                         "signed; verified=yes; signer=bob@partner.test")
        # The signature still verifies for the recipient's own client.
        r = self.verify_openssl(path)
        self.assertEqual(r.returncode, 0, r.stderr)

        tampered = raw.replace(b"signed by bob", b"signed by eve")
        _, m = deliver(tampered, "bob@partner.test")
        self.assertTrue(m["X-Sealpost-Smime"].startswith(
            "signed; verified=no;"), m["X-Sealpost-Smime"])

        _, m = deliver(signed_by("eve", "eve@partner.test"),
                       "eve@partner.test")
        self.assertIn("verified=no", m["X-Sealpost-Smime"])
        self.assertIn("untrusted", m["X-Sealpost-Smime"])

        # Large (spooled, checked from the spool): the same verdicts, a
        # byte changed past the first 256 KiB, clear and opaque.
        big = os.path.join(self.pki.dir, "big-entity-" + tag)
        with open(big, "wb") as f:
            f.write(b"Content-Type: text/plain\r\n\r\nlarge by bob " +
                    tag.encode() + b"\r\n" +
                    b"a long line of bob's large message\r\n" * 20000)
        for opaque in (False, True):
            out = os.path.join(self.pki.dir, "big-signed-%s-%d" % (tag,
                                                                    opaque))
            run(["openssl", "cms", "-sign", "-binary", "-in", big, "-signer",
                 "bob.pem", "-inkey", "bob.key", "-from", "bob@partner.test",
                 "-to", "alice@example.com", "-subject", "big " + tag,
                 "-out", out] + (["-nodetach"] if opaque else []),
                self.pki.dir)
            with open(out, "rb") as f:
                raw = f.read().replace(b"\r\n", b"\n").replace(b"\n",
                                                                 b"\r\n")
            self.assertGreater(len(raw), 600000)
            path, m = deliver(raw, "bob@partner.test")
            self.assertEqual(m["X-Sealpost-Smime"],
                             "signed; verified=yes; signer=bob@partner.test")
            r = self.verify_openssl(path)
            self.assertEqual(r.returncode, 0, r.stderr)
            at = raw.index(b"\r\n", 500000) + 5
            changed = raw[:at] + (b"B" if raw[at:at + 1] == b"A" else b"A") \
                + raw[at + 1:]
            _, m = deliver(changed, "bob@partner.test")
            self.assertTrue(m["X-Sealpost-Smime"].startswith(
                "signed; verified=no;"), m["X-Sealpost-Smime"])

        # A stamp written by the sender is not ours: it is removed.
        forged = ("From: mallory@partner.test\r\nTo: alice@example.com\r\n"
                  "Subject: forged " + tag + "\r\n"
                  "X-Sealpost-Smime: signed; verified=yes; "
                  "signer=ceo@example.com\r\n\r\nhi\r\n").encode()
        _, m = deliver(forged, "mallory@partner.test")
        self.assertIsNone(m["X-Sealpost-Smime"])

    def test_a_signature_framed_over_other_content_is_not_verified(self):
        """An outsider holding one clear-signed mail of Bob's sends it on
        with their own part in it (docs/security.md): `--abcX` and `--abcY`
        are no delimiters to a mail client (GMime reads the delimiter line
        whole), which shows the outsider's text/html as what was signed; the
        gateway used to take them as delimiters, verify Bob's part and stamp
        verified=yes. Bob's parts framed plainly still verify, with blanks
        after each delimiter as some clients write them."""
        tag = unique()
        entity = os.path.join(self.pki.dir, "entity-" + tag)
        with open(entity, "w") as f:
            f.write("Content-Type: text/plain\n\nsigned by bob " + tag + "\n")
        out = os.path.join(self.pki.dir, "signed-" + tag)
        run(["openssl", "cms", "-sign", "-in", entity, "-signer", "bob.pem",
             "-inkey", "bob.key", "-out", out], self.pki.dir)
        with open(out, "rb") as f:
            raw = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        body = raw[raw.index(b"\r\n\r\n") + 4:]
        boundary = re.search(rb'boundary="([^"]+)"', raw).group(1)
        delim = b"\r\n--" + boundary + b"\r\n"
        start = body.index(delim) + len(delim)
        middle = body.index(delim, start)
        content = body[start:middle]
        signature = body[middle + len(delim):
                         body.index(b"\r\n--" + boundary + b"--")]

        def deliver(framed):
            marker = "X-Test-Id: " + unique()
            head = (marker + "\r\nFrom: bob@partner.test\r\n"
                    "To: alice@example.com\r\nSubject: framed " + tag +
                    "\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed;"
                    " protocol=\"application/pkcs7-signature\"; "
                    "micalg=sha-256; boundary=\"abc\"\r\n\r\n")
            self.send("bob@partner.test", ["alice@example.com"],
                      head.encode() + framed)
            [path] = self.delivered(marker)
            return self.parse(path)["X-Sealpost-Smime"]

        html = (b"Content-Type: text/html\r\n\r\n<p>Pay eve@evil.test " +
                tag.encode() + b"</p>")
        attack = (b"--abcX\r\n" + content + b"\r\n--abcY\r\n" + signature +
                  b"\r\n--abc\r\n" + html + b"\r\n--abc\r\n" + signature +
                  b"\r\n--abc--\r\n")
        stamp = deliver(attack)
        self.assertIsNotNone(stamp)
        self.assertNotIn("verified=yes", stamp)
        self.assertTrue(stamp.startswith("signed; verified=no;"), stamp)
        # What a mail client reads as the signed part is the outsider's.
        m = email.message_from_bytes(head_of_mail(attack),
                                     policy=email.policy.default)
        self.assertIn(b"Pay eve", m.get_payload()[0].as_bytes())

        genuine = (b"--abc \t\r\n" + content + b"\r\n--abc \r\n" +
                   signature + b"\r\n--abc--  \r\n")
        self.assertEqual(deliver(genuine),
                         "signed; verified=yes; signer=bob@partner.test")

    # ---- portal forwards -------------------------------------------------

    def wrapper_to(self, address, token):
        """The wrapper holding `token` delivered to `address`: (path, the
        portal message id its link names)."""
        [path] = self.delivered(token)
        self.assertEqual(self.parse(path)["Delivered-To"], address)
        self.assertIn("X-Sealpost-Protected", self.parse(path))
        link = re.search(r"/m/([0-9a-f]{32})", text_of(self.read(path)))
        self.assertTrue(link, "no portal link in the wrapper")
        return path, link.group(1)

    def passcode_reader(self, msg_id, address):
        """A browser signed in by passcode as `address` at `msg_id`."""
        s = browser(self.server)
        page = s.get(self.server.url + "/m/" + msg_id, timeout=30)
        seen = set(self.server.mailbox_files())
        r = s.post(self.server.url + "/m/%s/otp" % msg_id,
                   data={"csrf": csrf_of(page.text), "email": address},
                   timeout=60)
        self.assertEqual(r.status_code, 200, r.text[:500])
        mail = lib.wait_for(lambda: lib.find_mail(
            [self.server], lambda b: ("Delivered-To: " + address).encode()
            in b and b"one-time passcode" in b, seen), timeout=30)
        self.assertTrue(mail, "no passcode mail for " + address)
        code = re.search(r"^\s*(\d{8})\s*$", text_of(mail), re.M).group(1)
        r = s.post(self.server.url + "/m/%s/otp/verify" % msg_id,
                   data={"csrf": csrf_of(page.text), "email": address,
                         "code": code}, allow_redirects=False, timeout=60)
        self.assertEqual(r.status_code, 303, r.text[:500])
        return s

    def forward(self, s, msg_id, to, subject, text):
        form = s.get(self.server.url + "/m/%s/forward" % msg_id, timeout=30)
        self.assertEqual(form.status_code, 200, form.text[:500])
        r = s.post(self.server.url + "/m/%s/forward" % msg_id,
                   data={"csrf": csrf_of(form.text), "to": to,
                         "subject": subject, "text": text}, timeout=60)
        self.assertEqual(r.status_code, 200, r.text[:500])
        self.assertIn("was sent", r.text)

    def test_portal_forward_is_not_signed_with_the_owners_key(self):
        """Bob forwards Alice's message in the portal to a partner with a
        certificate, under a sign rule: the forward stays the original's
        (Alice owns it) but Bob wrote it, so Alice's key on file must not
        sign it (was: S/MIME signed by Alice, a signature her partners
        trust, over words Bob chose). Bob has no key: it is unsigned."""
        pki = self.pki
        pki.leaf("pat", "pat@forward.test")
        self.server.cli("cert", "import", pki.path("pat.pem"), check=True)
        self.server.cli("rule", "new", "sign-fwd-" + unique(), "--if",
                        "recipient-domain=forward.test", "--sign", check=True)
        tag = unique()
        self.send("alice@example.com", ["bob@example.com"],
                  ("From: alice@example.com\r\nTo: bob@example.com\r\n"
                   "Subject: [encrypt] note " + tag + "\r\n\r\n"
                   "Alice's note\r\n").encode())
        _, msg_id = self.wrapper_to("bob@example.com", "note " + tag)
        s = browser(self.server)
        page = s.get(self.server.url + "/signin", timeout=30)
        r = s.post(self.server.url + "/signin",
                   data={"csrf": csrf_of(page.text),
                         "email": "bob@example.com",
                         "password": self.users["bob@example.com"],
                         "next": "/sent"}, allow_redirects=False, timeout=30)
        self.assertEqual(r.status_code, 303, r.text[:500])
        self.forward(s, msg_id, "pat@forward.test", "Approved " + tag,
                     "I, Alice, approve the payment. " + tag)
        [path] = self.delivered("Approved " + tag)
        self.assertEqual(self.parse(path)["Delivered-To"], "pat@forward.test")
        mail = self.read(path)
        if self.parse(path).get_content_type() == "application/pkcs7-mime":
            mail = self.decrypt_openssl(path, "pat")
        # No signature at all: Bob has no key of his own on file.
        for signed in (b"multipart/signed", b"pkcs7-signature",
                       b"signed-data"):
            self.assertNotIn(signed, mail)
        r = subprocess.run(["openssl", "cms", "-verify", "-in", path,
                            "-CAfile", pki.path("ca.pem")],
                           capture_output=True, timeout=60)
        self.assertNotEqual(r.returncode, 0)

    def test_portal_forward_to_a_certificate_holder_stays_in_the_portal(self):
        """A reader without EXTRACT forwards Alice's message, attachment
        and all, to an address with a certificate on file: it stays a
        portal message linked to the original, not S/MIME (was: the
        attachment decrypted for whoever holds the certificate's key, kept
        past the original's revocation), and ends when Alice revokes the
        original."""
        tag = unique()
        reader = "ext-%s@gmail.test" % tag
        raw = ("From: alice@example.com\r\nTo: %s\r\n"
               "Subject: [encrypt] contract %s\r\nMIME-Version: 1.0\r\n"
               "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
               "--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
               "--b\r\nContent-Type: application/pdf; name=contract.pdf\r\n"
               "Content-Disposition: attachment; filename=contract.pdf\r\n"
               "\r\nATTACHMENT-SECRET-%s\r\n--b--\r\n"
               % (reader, tag, tag)).encode()
        self.send("alice@example.com", [reader], raw)
        _, msg_id = self.wrapper_to(reader, "contract " + tag)
        s = self.passcode_reader(msg_id, reader)
        self.forward(s, msg_id, "bob@partner.test", "fwd " + tag,
                     "fyi " + tag)
        path, fwd_id = self.wrapper_to("bob@partner.test", "fwd " + tag)
        m = self.parse(path)
        self.assertNotEqual(m.get_content_type(), "application/pkcs7-mime")
        self.assertNotIn(("ATTACHMENT-SECRET-" + tag).encode(),
                         self.read(path))
        # Bob reads it in the portal, until Alice revokes the original.
        bob = self.passcode_reader(fwd_id, "bob@partner.test")
        page = bob.get(self.server.url + "/m/" + fwd_id, timeout=30)
        self.assertEqual(page.status_code, 200, page.text[:500])
        self.assertIn("fyi " + tag, page.text)
        self.server.cli("message", "revoke", msg_id, check=True)
        page = bob.get(self.server.url + "/m/" + fwd_id, timeout=30)
        self.assertEqual(page.status_code, 403, page.text[:500])
        self.assertIn("revoked", page.text)


if __name__ == "__main__":
    unittest.main()
