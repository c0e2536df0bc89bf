"""S/MIME on the client side (issue 12): `sealpost open` reads S/MIME mail
that `openssl cms` and `gpgsm` made, with the signed-in user's own key on
file (the key never leaves the server), and reports each signature;
`sealpost protect --smime` makes S/MIME that `openssl cms` and `gpgsm`
open, a message over server.max_request_bytes too (spooled and encrypted
a slice at a time, issue 14). The attack: Bob, signed in as himself (or
the admin token), cannot have Alice's S/MIME mail opened with her key.
"""

import base64
import json
import os
import shutil
import sqlite3
import ssl
import subprocess
import sys
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import smtp_testlib as lib  # noqa: E402
from smime_test import (PkiCase, gpgsm_decrypt, gpgsm_encrypt,  # noqa: E402
                        run)

unique = lib.unique
BINARY = lib.BINARY


def crlf(data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


class SmimeClientTest(PkiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        pki = cls.pki
        # Carol's serial first: RecipientInfos are a DER SET OF, sorted, and
        # gpgsm 2.2 exits 2 when a RecipientInfo before its own has no key.
        pki.leaf("carol", "carol@partner.test")
        pki.leaf("alice", "alice@example.com")
        pki.leaf("bobby", "bob@example.com")  # Bob, one of ours, with a key
        pki.pkcs12("alice")
        pki.pkcs12("bobby")
        pki.leaf("zed", "zed@partner.test")
        pki.revoke("zed")  # makes crl.pem
        pki.load(cls.server.cli, ("carol",))
        cls.server.cli("cert", "import", pki.path("bobby.p12"),
                       "--password-file", pki.path("p12.pass"), check=True)

    def sealpost(self, user, *args, stdin=None):
        env = dict(os.environ, SEALPOST_ADDR=self.server.api_url,
                   SEALPOST_CACERT=self.server.ca_cert, SEALPOST_USER=user,
                   SEALPOST_PASSWORD=self.users[user])
        env.pop("SEALPOST_TOKEN", None)
        return subprocess.run([BINARY] + list(args), env=env, input=stdin,
                              capture_output=True, timeout=180)

    def write(self, name, data):
        path = self.pki.path(name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def entity(self, tag):
        return self.write("entity-" + tag, (
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
            "secret-" + tag + "\r\n").encode())

    def carol_signed_and_encrypted_to(self, who, tag):
        """Mail from Carol, signed by her and encrypted to `who`, by
        openssl cms."""
        signed = self.pki.path("signed-" + tag)
        run(["openssl", "cms", "-sign", "-in", self.entity(tag), "-signer",
             "carol.pem", "-inkey", "carol.key", "-out", signed], self.pki.dir)
        out = self.pki.path("enc-" + tag)
        run(["openssl", "cms", "-encrypt", "-aes256", "-in", signed,
             "-from", "carol@partner.test", "-to", "alice@example.com",
             "-subject", "for " + who + " " + tag, "-out", out,
             who + ".pem"], self.pki.dir)
        with open(out, "rb") as f:
            return self.write("mail-" + tag + ".eml", crlf(f.read()))

    def audit(self, action):
        db = sqlite3.connect(os.path.join(self.server.data_dir,
                                          "sealpost.db"))
        try:
            return db.execute("SELECT actor, result, detail FROM audit "
                              "WHERE action = ? ORDER BY id",
                              (action,)).fetchall()
        finally:
            db.close()

    def test_open_decrypts_with_the_users_key_and_verifies(self):
        tag = unique()
        path = self.carol_signed_and_encrypted_to("alice", tag)
        r = self.sealpost("alice@example.com", "open", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"secret-" + tag.encode(), r.stdout)
        self.assertIn(b"Subject: for alice " + tag.encode(), r.stdout)
        self.assertIn(b"S/MIME:   decrypted with your certificate",
                      r.stderr)
        self.assertIn(b"Signature: signed; verified=yes; "
                      b"signer=carol@partner.test", r.stderr)
        # The signed layer is unwrapped: the text Carol wrote, no CMS.
        self.assertNotIn(b"pkcs7", r.stdout.lower())
        self.assertTrue(any(a[0] == "alice@example.com" and a[1] == "ok"
                            for a in self.audit("smime.open")))

        # Encrypted by gpgsm (a throw-away GnuPG home) opens the same way.
        if shutil.which("gpgsm") is None:
            self.skipTest("gpgsm is not installed")
        der = gpgsm_encrypt(self.pki, ("ca.pem", "alice.pem"),
                            "alice@example.com", self.entity(tag + "g"))
        mail = (b"From: carol@partner.test\r\nTo: alice@example.com\r\n"
                b"Subject: gpgsm\r\nMIME-Version: 1.0\r\n"
                b"Content-Type: application/pkcs7-mime; "
                b"smime-type=enveloped-data; name=smime.p7m\r\n"
                b"Content-Transfer-Encoding: base64\r\n\r\n" +
                base64.encodebytes(der))
        r = self.sealpost("alice@example.com", "open", "-", stdin=mail)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"secret-" + tag.encode() + b"g", r.stdout)
        self.assertNotIn(b"Signature:", r.stderr)

    def signed_by(self, who, address, tag):
        """A message from `address` signed by `who` with openssl (CRLF)."""
        signed = self.pki.path("signed-%s-%s" % (who, tag))
        run(["openssl", "cms", "-sign", "-in", self.entity(tag), "-signer",
             who + ".pem", "-inkey", who + ".key", "-from", address, "-to",
             "alice@example.com", "-subject", "from " + who, "-out",
             signed], self.pki.dir)
        with open(signed, "rb") as f:
            return self.write("signed-%s-%s" % (who, tag), crlf(f.read()))

    def open_raw(self, user, mail, accept="message/rfc822",
                 json_answer=None):
        """POST /api/v1/smime/open as `user`, Accept: message/rfc822: the
        answer's header fields (and the JSON answer into `json_answer`)."""
        ctx = ssl.create_default_context(cafile=self.server.ca_cert)
        login = urllib.request.Request(
            self.server.api_url + "/api/v1/auth/token", method="POST",
            data=json.dumps({"email": user,
                             "password": self.users[user]}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(login, context=ctx, timeout=30) as r:
            token = json.loads(r.read())["token"]
        req = urllib.request.Request(
            self.server.api_url + "/api/v1/smime/open", data=mail,
            method="POST", headers={
                "Authorization": "Bearer " + token,
                "Content-Type": "message/rfc822",
                "Accept": accept})
        with urllib.request.urlopen(req, context=ctx, timeout=180) as r:
            if json_answer is not None:
                json_answer.update(json.loads(r.read()))
            while r.read(1 << 20):
                pass
            return r.headers

    def test_open_as_json_refuses_over_72_mib(self):
        """The JSON answer of /smime/open holds the opened message whole:
        a spooled message that opens to over 72 MiB is refused (413) once
        its output passes the limit, the use of the key audited as
        refused; asked for as message/rfc822 it streams."""
        tag = unique()
        line = bytes(range(33, 127)) + b"\r\n"
        path_in = self.pki.path("huge-entity-" + tag)
        with open(path_in, "wb") as f:
            f.write(b"Content-Type: application/octet-stream\r\n\r\n")
            f.write(line * (73 * 1024 * 1024 // len(line)))
        mail = self.pki.path("huge-" + tag + ".eml")
        run(["openssl", "cms", "-encrypt", "-stream", "-binary", "-aes256",
             "-in", path_in, "-from", "carol@partner.test", "-to",
             "alice@example.com", "-subject", "huge " + tag, "-out", mail,
             "alice.pem"], self.pki.dir)
        os.remove(path_in)
        with open(mail, "rb") as f:
            made = crlf(f.read())
        os.remove(mail)
        before = len(self.audit("smime.open"))
        with self.assertRaises(urllib.error.HTTPError) as e:
            self.open_raw("alice@example.com", made, accept="application/json")
        self.assertEqual(e.exception.code, 413)
        self.assertIn(b"over 72 MiB", e.exception.read())
        self.assertEqual([(a[0], a[1]) for a in
                          self.audit("smime.open")[before:]],
                         [("alice@example.com", "refused")])
        headers = self.open_raw("alice@example.com", made)
        self.assertTrue(headers["X-Sealpost-Smime-Certificate"])
        # Under the limit, the JSON answer: the message in base64, the
        # certificate and the signatures, as the header form gives them.
        small = self.carol_signed_and_encrypted_to("alice", tag)
        with open(small, "rb") as f:
            small = f.read()
        answer = {}
        self.open_raw("alice@example.com", small, accept="application/json",
                      json_answer=answer)
        self.assertEqual(sorted(answer), ["certificate", "message",
                                          "signatures"])
        self.assertIn(b"secret-" + tag.encode(),
                      base64.b64decode(answer["message"]))
        self.assertEqual(answer["certificate"],
                         headers["X-Sealpost-Smime-Certificate"])
        [sig] = answer["signatures"]
        self.assertTrue(sig["verified"], sig)

    def test_a_huge_signer_name_is_cut_in_the_header_form(self):
        """A signer's certificate whose e-mail name is some 7 KB (the
        sender chooses it): `sealpost open`, which reads at most 8 KiB of
        header, opens the message, and what it shows of the signer is
        short. The header form of the signatures
        (X-Sealpost-Smime-Signatures, base64 JSON) cuts signer and reason
        at 200 bytes: a 254-byte address (the longest a certificate is
        taken to name) comes cut."""
        tag = unique()
        huge = "h" * 7000 + "@partner.test"
        self.pki.leaf("huge", huge)
        with open(self.pki.path("huge.pem"), "rb") as f:
            self.assertGreater(len(f.read()), 9000)
        signed = self.signed_by("huge", huge, tag)
        r = self.sealpost("alice@example.com", "open", signed)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"secret-" + tag.encode(), r.stdout)
        self.assertIn(b"Signature: signed; verified=no", r.stderr)
        self.assertNotIn(b"h" * 201, r.stderr)
        with open(signed, "rb") as f:
            headers = self.open_raw("alice@example.com", f.read())
        field = headers["X-Sealpost-Smime-Signatures"]
        self.assertLess(len(field), 1024)
        [sig] = json.loads(base64.b64decode(field))
        self.assertFalse(sig["verified"])

        longest = "l" * (254 - len("@partner.test")) + "@partner.test"
        self.pki.leaf("longest", longest)
        with open(self.signed_by("longest", longest, tag), "rb") as f:
            headers = self.open_raw("alice@example.com", f.read())
        [sig] = json.loads(base64.b64decode(
            headers["X-Sealpost-Smime-Signatures"]))
        self.assertTrue(sig["verified"], sig)
        self.assertEqual(sig["signer"], longest[:200])
        self.assertTrue(sig["stamp"].startswith(
            "signed; verified=yes; signer=" + longest[:150]), sig)

    def test_open_knows_smime_by_gmimes_reading_of_the_header(self):
        """S/MIME is recognised in one place, on the header section as GMime
        reads it (and then sent as the file is read): a line that is no
        field (an mbox "From " line, a stray line) does not hide it. A
        header section over 1 MiB is not read for it."""
        tag = unique()
        with open(self.carol_signed_and_encrypted_to("alice", tag), "rb") as f:
            mail = f.read()
        fields, body = mail.split(b"\r\n\r\n", 1)
        variants = {
            "mbox": b"From carol@partner.test Mon Jan  1 00:00:00 2024\r\n"
                    + mail,
            "stray": fields.replace(b"\r\n", b"\r\nstray line\r\n", 1)
                     + b"\r\n\r\n" + body,
        }
        for name, data in variants.items():
            path = self.write("odd-" + name + "-" + tag + ".eml", data)
            r = self.sealpost("alice@example.com", "open", path)
            self.assertEqual(r.returncode, 0, (name, r.stderr))
            self.assertIn(b"secret-" + tag.encode(), r.stdout)
            self.assertIn(b"S/MIME:   decrypted with your certificate",
                          r.stderr)
        filler = b"X-Filler: " + b"f" * 60 + b"\r\n"
        huge = self.write("huge-header-" + tag + ".eml",
                          filler * ((1 << 20) // len(filler) + 1) + mail)
        r = self.sealpost("alice@example.com", "open", huge)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"is not protected mail", r.stderr)

    def test_attack_bob_cannot_open_alices_smime_mail(self):
        tag = unique()
        path = self.carol_signed_and_encrypted_to("alice", tag)
        before = len(self.audit("smime.open"))
        # Bob has a key of his own on file; it does not open Alice's mail,
        # and the server never tries hers for him.
        r = self.sealpost("bob@example.com", "open", path)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(b"no private key of bob@example.com", r.stderr)
        self.assertNotIn(tag.encode(), r.stdout + r.stderr)
        refused = self.audit("smime.open")[before:]
        self.assertEqual([(a[0], a[1]) for a in refused],
                         [("bob@example.com", "refused")])
        # The admin token holds no one's key.
        with open(path, "rb") as f:
            mail = f.read()
        ctx = ssl.create_default_context(cafile=self.server.ca_cert)
        req = urllib.request.Request(
            self.server.api_url + "/api/v1/smime/open", data=mail,
            method="POST", headers={
                "Authorization": "Bearer " + self.server.token,
                "Content-Type": "message/rfc822"})
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, context=ctx, timeout=30)
        self.assertEqual(e.exception.code, 403)
        self.assertNotIn(tag.encode(), e.exception.read())
        # Nor does anyone without a session.
        del req.headers["Authorization"]
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, context=ctx, timeout=30)
        self.assertEqual(e.exception.code, 401)
        # Alice still can.
        r = self.sealpost("alice@example.com", "open", path)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_open_a_large_streamed_message(self):
        """20 MB made by `openssl cms -encrypt -stream` (BER, indefinite
        lengths) for Alice: spooled by the server, decrypted a slice at a
        time and streamed back (issue 14); `sealpost open` gives the
        entity byte for byte. Bob, with a key of his own, gets a refusal
        and no byte of it; a message cut short opens to nothing."""
        tag = unique()
        line = bytes(range(33, 127)) + b"\r\n"
        entity = (b"Content-Type: application/octet-stream\r\n\r\n"
                  b"secret-" + tag.encode() + b"\r\n"
                  + line * (20 * 1024 * 1024 // len(line)))
        path_in = self.write("big-entity-" + tag, entity)
        mail = self.pki.path("big-" + tag + ".eml")
        run(["openssl", "cms", "-encrypt", "-stream", "-binary", "-aes256",
             "-in", path_in, "-from", "carol@partner.test", "-to",
             "alice@example.com", "-subject", "big " + tag, "-out", mail,
             "alice.pem"], self.pki.dir)
        with open(mail, "rb") as f:
            made = crlf(f.read())
        self.write("big-" + tag + ".eml", made)
        b64 = made.split(b"\r\n\r\n", 1)[1].split(b"\r\n", 1)[0]
        self.assertEqual(base64.b64decode(b64)[:2], b"\x30\x80")  # BER
        out = self.pki.path("big-out-" + tag + ".eml")
        r = self.sealpost("alice@example.com", "open", "--out", out, mail)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"S/MIME:   decrypted with your certificate", r.stderr)
        with open(out, "rb") as f:
            opened = f.read()
        head = opened[:opened.index(b"MIME-Version: 1.0\r\n") + 19]
        self.assertIn(b"Subject: big " + tag.encode(), head)
        self.assertTrue(opened[len(head):] == entity,
                        "the opened entity differs")
        # Saved from an mbox (a "From " line first): the same message,
        # its fields kept, streamed as small mail opens whole.
        mbox = self.write("big-mbox-" + tag + ".eml",
                          b"From carol@partner.test Mon Jan  1 00:00:00 2024"
                          b"\r\n" + made)
        r = self.sealpost("alice@example.com", "open", "--out", out, mbox)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, "rb") as f:
            self.assertTrue(f.read() == head + entity,
                            "the mbox message differs")
        # Bob: refused, audited, no byte written, no --out file.
        before = len(self.audit("smime.open"))
        out_bob = self.pki.path("big-bob-" + tag + ".eml")
        r = self.sealpost("bob@example.com", "open", "--out", out_bob, mail)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(b"no private key of bob@example.com", r.stderr)
        self.assertFalse(os.path.exists(out_bob))
        r = self.sealpost("bob@example.com", "open", mail)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stdout, b"")
        self.assertEqual([(a[0], a[1]) for a in
                          self.audit("smime.open")[before:]],
                         [("bob@example.com", "refused")] * 2)
        # Cut short (the end of the ciphertext lost): an error, nothing
        # written, for Alice too.
        cut = self.write("big-cut-" + tag + ".eml", made[:len(made) - 300])
        out_cut = self.pki.path("big-cut-out-" + tag + ".eml")
        r = self.sealpost("alice@example.com", "open", "--out", out_cut, cut)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(b"damaged or cut short", r.stderr)
        self.assertFalse(os.path.exists(out_cut))
        r = self.sealpost("alice@example.com", "open", cut)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stdout, b"")
        # AES-256-GCM (AuthEnvelopedData, its tag after the content):
        # streamed too, and one changed byte in the middle of the
        # ciphertext gives nothing at all, not the plaintext before it.
        gcm = self.pki.path("big-gcm-" + tag + ".eml")
        run(["openssl", "cms", "-encrypt", "-stream", "-binary",
             "-aes-256-gcm", "-in", path_in, "-from", "carol@partner.test",
             "-to", "alice@example.com", "-subject", "gcm " + tag, "-out",
             gcm, "alice.pem"], self.pki.dir)
        with open(gcm, "rb") as f:
            made = crlf(f.read())
        self.write("big-gcm-" + tag + ".eml", made)
        self.assertIn(b"authEnveloped-data", made)
        r = self.sealpost("alice@example.com", "open", "--out", out, gcm)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, "rb") as f:
            opened = f.read()
        self.assertTrue(opened.endswith(entity), "the GCM entity differs")
        middle = len(made) // 2
        while made[middle:middle + 1] in (b"\r", b"\n", b"A"):
            middle += 1
        bad = self.write("big-gcm-bad-" + tag + ".eml",
                         made[:middle] + b"A" + made[middle + 1:])
        out_bad = self.pki.path("big-gcm-bad-out-" + tag + ".eml")
        r = self.sealpost("alice@example.com", "open", "--out", out_bad, bad)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(b"damaged or cut short", r.stderr)
        self.assertFalse(os.path.exists(out_bad))
        r = self.sealpost("alice@example.com", "open", bad)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stdout, b"")

    def test_open_a_large_signed_message(self):
        """20 MB signed by `openssl cms -sign -binary -stream` (8-bit
        bytes, bare LF inside the signed part), signed only and signed
        then encrypted: the server spools the signed part and checks the
        signature as it reads it back (issue 14); `sealpost open` gives
        the entity byte for byte and verified=yes. A changed byte is
        verified=no; a cut message is an error with nothing written; Bob
        opens nothing of Alice's. Opaque signed-data (DER and BER)
        streams too."""
        tag = unique()
        line = (bytes(range(128, 256)) + b"\n" + bytes(range(33, 127))
                + b"\r\n")
        entity = (b"Content-Type: application/octet-stream\r\n"
                  b"Content-Transfer-Encoding: binary\r\n\r\n"
                  b"secret-" + tag.encode() + b"\r\n"
                  + line * (20 * 1024 * 1024 // len(line)))
        path_in = self.write("bigsig-entity-" + tag, entity)
        signed = self.pki.path("bigsig-" + tag + ".eml")
        run(["openssl", "cms", "-sign", "-binary", "-stream", "-crlfeol",
             "-in", path_in, "-signer", "carol.pem", "-inkey", "carol.key",
             "-from", "carol@partner.test", "-to", "alice@example.com",
             "-subject", "bigsig " + tag, "-out", signed], self.pki.dir)
        enc = self.pki.path("bigsigenc-" + tag + ".eml")
        run(["openssl", "cms", "-encrypt", "-binary", "-stream", "-crlfeol",
             "-aes256", "-in", signed, "-from", "carol@partner.test", "-to",
             "alice@example.com", "-subject", "bigsigenc " + tag, "-out",
             enc, "alice.pem"], self.pki.dir)
        out = self.pki.path("bigsig-out-" + tag + ".eml")
        for mail, decrypted in ((signed, False), (enc, True)):
            r = self.sealpost("alice@example.com", "open", "--out", out, mail)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(b"Signature: signed; verified=yes; "
                          b"signer=carol@partner.test", r.stderr)
            self.assertEqual(b"decrypted with your certificate" in r.stderr,
                             decrypted)
            with open(out, "rb") as f:
                opened = f.read()
            at = opened.index(b"MIME-Version: 1.0\r\n") + 19
            self.assertTrue(opened[at:] == entity, "the entity differs")
            os.remove(out)
        with open(signed, "rb") as f:
            made = f.read()
        # One changed byte of the signed part: verified=no, as for a
        # small message.
        bad = self.write("bigsig-bad-" + tag + ".eml",
                         made.replace(b"secret-", b"Secret-", 1))
        r = self.sealpost("alice@example.com", "open", "--out", out, bad)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"verified=no", r.stderr)
        os.remove(out)
        # Cut in the signed part or the signature: an error, no file.
        for cut in (len(made) // 2, len(made) - 200):
            path = self.write("bigsig-cut-" + tag + ".eml", made[:cut])
            r = self.sealpost("alice@example.com", "open", "--out", out, path)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(b"multipart/signed message is malformed", r.stderr)
            self.assertFalse(os.path.exists(out))
        # Bob, with a key of his own: refused, nothing written.
        r = self.sealpost("bob@example.com", "open", "--out", out, enc)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(b"no private key of bob@example.com", r.stderr)
        self.assertFalse(os.path.exists(out))
        # Opaque signed-data, DER and BER (-stream): its content spooled
        # from the SignedData as it is read, verified too; cut, an error.
        for stream in ([], ["-stream"]):
            opaque = self.pki.path("bigsig-opaque-" + tag + ".eml")
            run(["openssl", "cms", "-sign", "-binary", "-nodetach",
                 "-crlfeol", "-in", path_in, "-signer", "carol.pem",
                 "-inkey", "carol.key", "-from", "carol@partner.test",
                 "-subject", "opaque " + tag, "-out", opaque] + stream,
                self.pki.dir)
            r = self.sealpost("alice@example.com", "open", "--out", out,
                              opaque)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(b"Signature: signed; verified=yes; "
                          b"signer=carol@partner.test", r.stderr)
            with open(out, "rb") as f:
                opened = f.read()
            at = opened.index(b"MIME-Version: 1.0\r\n") + 19
            self.assertTrue(opened[at:] == entity, "the opaque entity differs")
            os.remove(out)
            with open(opaque, "rb") as f:
                made = f.read()
            cut = self.write("bigsig-opaque-cut-" + tag + ".eml",
                             made[:len(made) // 2])
            r = self.sealpost("alice@example.com", "open", "--out", out, cut)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(b"malformed or cut short", r.stderr)
            self.assertFalse(os.path.exists(out))

    def test_open_clear_and_opaque_signed(self):
        tag = unique()
        entity = self.entity(tag)
        for kind, extra in (("clear", []), ("opaque", ["-nodetach"])):
            out = self.pki.path(kind + "-" + tag)
            run(["openssl", "cms", "-sign", "-in", entity, "-signer",
                 "carol.pem", "-inkey", "carol.key", "-from",
                 "carol@partner.test", "-to", "alice@example.com",
                 "-subject", kind + " " + tag, "-out", out] + extra,
                self.pki.dir)
            with open(out, "rb") as f:
                mail = crlf(f.read())
            r = self.sealpost("alice@example.com", "open", "-", stdin=mail)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(b"Signature: signed; verified=yes; "
                          b"signer=carol@partner.test", r.stderr, kind)
            self.assertIn(b"secret-" + tag.encode(), r.stdout)
            self.assertNotIn(b"S/MIME:", r.stderr)  # nothing decrypted
            if kind == "clear":
                # One changed byte of the signed text: verified=no.
                bad = mail.replace(b"secret-", b"Secret-", 1)
                r = self.sealpost("alice@example.com", "open", "-",
                                  stdin=bad)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn(b"verified=no", r.stderr)
            else:
                # Signed by a key the trusted CA never certified.
                run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                     "-nodes", "-keyout", "self.key", "-out", "self.pem",
                     "-subj", "/CN=carol", "-days", "2", "-addext",
                     "subjectAltName=email:carol@partner.test"],
                    self.pki.dir)
                run(["openssl", "cms", "-sign", "-nodetach", "-in", entity,
                     "-signer", "self.pem", "-inkey", "self.key", "-from",
                     "carol@partner.test", "-out", out], self.pki.dir)
                with open(out, "rb") as f:
                    r = self.sealpost("alice@example.com", "open", "-",
                                      stdin=crlf(f.read()))
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn(b"verified=no", r.stderr)
                self.assertIn(b"untrusted", r.stderr)

    def test_protect_smime_for_recipients_on_file(self):
        tag = unique()
        original = self.write("orig-" + tag + ".eml", (
            "From: alice@example.com\r\nTo: carol@partner.test\r\n"
            "Subject: plan " + tag + "\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
            "secret-" + tag + "\r\n").encode())
        out = self.pki.path("smime-" + tag + ".eml")
        r = self.sealpost("alice@example.com", "protect", "--smime", "--sign",
                          "--to", "carol@partner.test", "--out", out,
                          original)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"encrypted to certificates", r.stderr)
        self.assertIn(b"Signed:", r.stderr)
        with open(out, "rb") as f:
            made = f.read()
        self.assertIn(b"smime-type=enveloped-data", made)
        self.assertNotIn(b"secret-" + tag.encode(), made)
        # Carol opens it with openssl cms and checks Alice's signature.
        inner = run(["openssl", "cms", "-decrypt", "-in", out, "-recip",
                     "carol.pem", "-inkey", "carol.key"], self.pki.dir).stdout
        signed = self.write("inner-" + tag, inner)
        body = run(["openssl", "cms", "-verify", "-in", signed, "-CAfile",
                    "ca.pem"], self.pki.dir).stdout
        self.assertIn(b"secret-" + tag.encode(), body)
        # Alice's own certificate is a recipient: she reads what she sent.
        r = self.sealpost("alice@example.com", "open", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"secret-" + tag.encode(), r.stdout)
        self.assertIn(b"verified=yes; signer=alice@example.com", r.stderr)
        self.assertTrue(any(a[0] == "alice@example.com" and a[1] == "ok"
                            for a in self.audit("smime.sign")))

        # gpgsm (Carol's PKCS#12 in a throw-away home) decrypts it too.
        if shutil.which("gpgsm") is not None:
            b64 = made.split(b"\r\n\r\n", 1)[1]
            r = gpgsm_decrypt(self.pki, "carol", base64.b64decode(b64))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(crlf(r.stdout), crlf(inner))

        # A recipient without a certificate: a clear failure, nothing made.
        out2 = self.pki.path("none-" + tag + ".eml")
        r = self.sealpost("alice@example.com", "protect", "--smime", "--to",
                          "carol@partner.test,nobody@partner.test", "--out",
                          out2, original)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"no certificate on file for nobody@partner.test",
                      r.stderr)
        self.assertFalse(os.path.exists(out2))
        # --template and --smime exclude each other.
        r = self.sealpost("alice@example.com", "protect", "--smime",
                          "--template", "Encrypt", "--to",
                          "carol@partner.test", original)
        self.assertEqual(r.returncode, 1)

    def test_protect_smime_of_a_message_over_the_request_limit(self):
        """12 MB, over server.max_request_bytes: spooled by the server as
        it arrives and encrypted a slice at a time (issue 14); openssl cms
        and `sealpost open` give it back byte for byte."""
        tag = unique()
        line = bytes(range(32, 127)) + b"\r\n"
        body = (b"secret-" + tag.encode() + b"\r\n"
                + line * (12 * 1024 * 1024 // len(line)))
        fields = ("From: alice@example.com\r\nTo: carol@partner.test\r\n"
                  "Subject: large " + tag + "\r\nMIME-Version: 1.0\r\n"
                  ).encode()
        entity = b"Content-Type: text/plain; charset=us-ascii\r\n\r\n" + body
        original = self.write("large-" + tag + ".eml", fields + entity)
        out = self.pki.path("large-smime-" + tag + ".eml")
        r = self.sealpost("alice@example.com", "protect", "--smime", "--to",
                          "carol@partner.test", "--out", out, original)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"encrypted to certificates", r.stderr)
        with open(out, "rb") as f:
            made = f.read()
        self.assertTrue(made.startswith(
            b"From: alice@example.com\r\nTo: carol@partner.test\r\n"))
        self.assertIn(b"smime-type=enveloped-data", made)
        self.assertNotIn(b"secret-" + tag.encode(), made)
        # Made as a stream: a ContentInfo of indefinite length (BER).
        b64 = made.split(b"\r\n\r\n", 2)[1][:76]
        self.assertEqual(base64.b64decode(b64)[:2], b"\x30\x80")
        # Carol, with openssl cms: the entity byte for byte.
        inner = run(["openssl", "cms", "-decrypt", "-binary", "-in", out,
                     "-recip", "carol.pem", "-inkey", "carol.key"],
                    self.pki.dir).stdout
        self.assertTrue(inner == entity, "the decrypted entity differs")
        # Alice (her own certificate is a recipient): the original.
        r = self.sealpost("alice@example.com", "open", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout == fields + entity,
                        "sealpost open differs from the original")
        self.assertTrue(any(a[0] == "alice@example.com" and a[1] == "ok"
                            for a in self.audit("smime.protect")))
        # Signed too (read whole from the spool to sign): still opens.
        out3 = self.pki.path("large-signed-" + tag + ".eml")
        r = self.sealpost("alice@example.com", "protect", "--smime", "--sign",
                          "--to", "carol@partner.test", "--out", out3,
                          original)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.sealpost("alice@example.com", "open", out3)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"verified=yes; signer=alice@example.com", r.stderr)
        self.assertIn(b"secret-" + tag.encode(), r.stdout)
        # A recipient without a certificate: refused and audited before the
        # body is encrypted, nothing written.
        out2 = self.pki.path("large-none-" + tag + ".eml")
        r = self.sealpost("alice@example.com", "protect", "--smime", "--to",
                          "nobody@partner.test", "--out", out2, original)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"no certificate on file for nobody@partner.test",
                      r.stderr)
        self.assertFalse(os.path.exists(out2))
        self.assertTrue(any(a[1] == "refused" and
                            "nobody@partner.test" in a[2]
                            for a in self.audit("smime.protect")))


if __name__ == "__main__":
    unittest.main()
