"""S/MIME settings, self-test and harvesting end to end (issue 12):
`sealpost smime get|set` with Exchange's names and values, `sealpost smime
test --recipient`, what the settings change in the mail that goes out
(checked by `openssl cms` and Python's email package), and certificates
harvested from signed mail that `openssl cms -sign` made (and not again
once `cert remove` refused one, until `cert import` takes it back).
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import smtp_testlib as lib  # noqa: E402
from smime_test import PkiCase, gpgsm_encrypt, run  # noqa: E402

unique = lib.unique


class SmimeSettingsTest(PkiCase):
    @classmethod
    def setUpClass(cls):
        # smime.decrypt_inbound is off by default; this server has it on.
        os.environ["SEALPOST_SMIME_DECRYPT_INBOUND"] = "true"
        super().setUpClass()
        pki = cls.pki
        pki.leaf("bob", "bob@partner.test")
        pki.leaf("carol", "carol@partner.test")
        pki.leaf("dan", "dan@harvest.test")
        pki.leaf("fay", "fay@harvest.test")
        pki.leaf("gus", "gus@harvest.test")
        pki.leaf("alice", "alice@example.com")
        pki.pkcs12("alice")
        pki.revoke("carol")
        pki.load(cls.server.cli, ("bob", "carol"))

    def smime_set(self, *args):
        self.server.cli("smime", "set", *args, check=True)

    def openssl(self, *args):
        r = subprocess.run(["openssl", "cms"] + list(args),
                           capture_output=True, timeout=60, cwd=self.pki.dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def write(self, name, data):
        path = self.pki.path(name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def send_protected(self, to, tag):
        raw = ("From: alice@example.com\r\nTo: %s\r\n"
               "Subject: [encrypt] q %s\r\n"
               "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
               "secret-%s\r\n" % (to, tag, tag)).encode()
        self.send("alice@example.com", [to], raw)
        [path] = self.delivered("Subject: q " + tag)
        return path

    def test_get_and_set_use_microsofts_names_and_refuse_the_weak(self):
        r = self.server.cli("smime", "get")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = {k.strip(): v.strip() for k, v in
                 (ln.split(":", 1) for ln in r.stdout.splitlines()
                  if ":" in ln)}
        self.assertEqual(lines["OWAEncryptionAlgorithms"], "6610")
        self.assertEqual(lines["OWASigningAlgorithms"], "800C")
        self.assertEqual(lines["OWAClearSign"], "True")
        self.assertEqual(
            lines["OWAIncludeCertificateChainWithoutRootCertificate"], "True")
        self.assertIn("Sealpost Test CA", lines["SMIMECertificateIssuingCA"])

        for prop, value, supported in (
                ("OWAEncryptionAlgorithms", "6603", "6610, 660F, 660E"),
                ("OWASigningAlgorithms", "8004", "800C, 800D, 800E"),
                ("OWAAlwaysEncrypt", "True", "only False"),
                ("OWABCCEncryptedEmailForking", "2", "0")):
            r = self.server.cli("smime", "set", "--" + prop, value)
            self.assertEqual(r.returncode, 2, r.stdout)
            self.assertIn(prop, r.stderr)
            self.assertIn(supported, r.stderr)
        r = self.server.cli("smime", "set", "--OWAClearSign", "maybe")
        self.assertEqual(r.returncode, 2)
        # Nothing was changed by the refusals; --json has the raw values.
        r = self.server.cli("smime", "get", "--json")
        props = json.loads(r.stdout)["properties"]
        self.assertEqual(props["OWAEncryptionAlgorithms"], "6610")
        self.assertEqual(props["OWAAlwaysEncrypt"], "False")

    def test_smime_test_recipient(self):
        r = self.server.cli("smime", "test", "--recipient",
                            "alice@example.com")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Decrypt the probe ...\n    - PASS", r.stdout)
        self.assertTrue(r.stdout.endswith("OVERALL RESULT: PASS\n"),
                        r.stdout)
        r = self.server.cli("smime", "test", "--recipient",
                            "bob@partner.test")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("not revoked in the CRL", r.stdout)
        self.assertIn("- SKIP: skipped: no private key on file", r.stdout)
        self.assertIn("OVERALL RESULT: PASS", r.stdout)
        for who, why in (("carol@partner.test", "revoked"),
                         ("nobody@partner.test", "no certificate on file")):
            r = self.server.cli("smime", "test", "--recipient", who)
            self.assertEqual(r.returncode, 2, r.stdout)
            self.assertIn(why, r.stdout)
            self.assertIn("OVERALL RESULT: FAIL", r.stdout)

    def test_settings_change_what_goes_out(self):
        try:
            # AES-256-GCM: AuthEnvelopedData, read by openssl.
            self.smime_set("--OWAEncryptionAlgorithms", "AES256-GCM")
            tag = unique()
            path = self.send_protected("bob@partner.test", tag)
            m = self.parse(path)
            self.assertEqual(m.get_content_type(), "application/pkcs7-mime")
            self.assertEqual(m.get_param("smime-type"), "authEnveloped-data")
            plain = self.openssl("-decrypt", "-in", path, "-recip", "bob.pem",
                                 "-inkey", "bob.key")
            self.assertIn(("secret-" + tag).encode(), plain)

            # Always sign, triple wrapped: signed outside (verifies without
            # the key), encrypted, signed inside.
            self.smime_set("--OWAEncryptionAlgorithms", "6610",
                           "--OWAAlwaysSign", "True",
                           "--OWATripleWrapSignedEncryptedMail", "True")
            tag = unique()
            path = self.send_protected("bob@partner.test", tag)
            m = self.parse(path)
            self.assertEqual(m.get_content_type(), "multipart/signed")
            inner, sig = m.get_payload()
            self.assertEqual(inner.get_param("smime-type"), "enveloped-data")
            self.assertEqual(sig.get_content_type(),
                             "application/pkcs7-signature")
            enveloped = self.openssl("-verify", "-in", path, "-CAfile",
                                     "ca.pem")
            signed = self.openssl(
                "-decrypt", "-in",
                self.write("env.eml", b"MIME-Version: 1.0\r\n" + enveloped),
                "-recip", "bob.pem", "-inkey", "bob.key")
            plain = self.openssl(
                "-verify", "-in",
                self.write("signed.eml", b"MIME-Version: 1.0\r\n" + signed),
                "-CAfile", "ca.pem")
            self.assertIn(("secret-" + tag).encode(), plain)
            self.assertNotIn(("secret-" + tag).encode(), open(path, "rb")
                             .read())
        finally:
            self.smime_set("--OWAEncryptionAlgorithms", "6610",
                           "--OWAAlwaysSign", "False",
                           "--OWATripleWrapSignedEncryptedMail", "False")

    def signed_by(self, who, tag):
        """Mail `openssl cms -sign` made with WHO's key, From
        WHO@harvest.test, with CRLF line ends."""
        entity = self.write("entity-%s-%s" % (who, tag),
                            b"Content-Type: text/plain\n\nhello " +
                            tag.encode() + b"\n")
        out = self.pki.path("signed-%s-%s" % (who, tag))
        run(["openssl", "cms", "-sign", "-in", entity, "-signer",
             who + ".pem", "-inkey", who + ".key", "-from",
             who + "@harvest.test", "-to", "alice@example.com",
             "-subject", "harvest " + tag, "-out", out], self.pki.dir)
        with open(out, "rb") as f:
            return f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")

    def certs(self, address, *flags):
        """`cert list --email ADDRESS FLAGS --json`: its list."""
        r = self.server.cli("cert", "list", "--email", address, "--json",
                            *flags)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)["refused" if flags else "certificates"]

    def test_verified_signers_are_harvested_tampered_ones_are_not(self):
        tag = unique()
        tampered = self.signed_by("fay", tag).replace(b"hello", b"jello")
        self.send("fay@harvest.test", ["alice@example.com"],
                  b"X-Test-Id: fay" + tag.encode() + b"\r\n" + tampered)
        [path] = self.delivered("X-Test-Id: fay" + tag)
        self.assertIn("verified=no", self.parse(path)["X-Sealpost-Smime"])
        self.assertEqual(self.certs("fay@harvest.test"), [])

        self.send("dan@harvest.test", ["alice@example.com"],
                  b"X-Test-Id: dan" + tag.encode() + b"\r\n" +
                  self.signed_by("dan", tag))
        [path] = self.delivered("X-Test-Id: dan" + tag)
        self.assertIn("verified=yes", self.parse(path)["X-Sealpost-Smime"])
        [dan] = self.certs("dan@harvest.test")
        self.assertEqual(dan["source"], "harvest")
        self.assertEqual(dan["status"], "valid")
        self.assertFalse(dan["has_private_key"])

        # Dan's next protected mail goes as S/MIME that his key opens.
        tag2 = unique()
        path = self.send_protected("dan@harvest.test", tag2)
        plain = self.openssl("-decrypt", "-in", path, "-recip", "dan.pem",
                             "-inkey", "dan.key")
        self.assertIn(("secret-" + tag2).encode(), plain)

    def test_a_removed_certificate_is_not_harvested_again(self):
        """An attack the admin could not stop: the partner's next signed
        mail harvested a certificate `cert remove` had taken out. Refused,
        it stays out until the admin's `cert import` of it."""
        def signed_mail():
            tag = unique()
            self.send("gus@harvest.test", ["alice@example.com"],
                      b"X-Test-Id: gus" + tag.encode() + b"\r\n" +
                      self.signed_by("gus", tag))
            [path] = self.delivered("X-Test-Id: gus" + tag)
            self.assertIn("verified=yes",
                          self.parse(path)["X-Sealpost-Smime"])

        signed_mail()
        [gus] = self.certs("gus@harvest.test")
        self.assertEqual(gus["source"], "harvest")
        r = self.server.cli("cert", "remove", gus["id"][:16])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Removed certificate " + gus["id"], r.stdout)
        self.assertIn("refused", r.stdout)

        signed_mail()  # it carries the same certificate
        self.assertEqual(self.certs("gus@harvest.test"), [])
        [refused] = self.certs("gus@harvest.test", "--refused")
        self.assertEqual(refused["id"], gus["id"])
        self.assertEqual(refused["emails"], ["gus@harvest.test"])
        self.assertIn("%s of gus@harvest.test not harvested: the admin "
                      "refused it" % gus["id"][:16], self.server.read_log())
        r = self.server.cli("cert", "list", "--refused")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(gus["id"][:16], r.stdout)

        # The admin's import of that very certificate takes it back.
        r = self.server.cli("cert", "import", self.pki.path("gus.pem"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("No longer refused: " + gus["id"], r.stdout)
        self.assertEqual(self.certs("gus@harvest.test", "--refused"), [])
        [gus_again] = self.certs("gus@harvest.test")
        self.assertEqual(gus_again["source"], "import")

    def test_inbound_smime_is_decrypted_for_the_key_holder(self):
        tag = unique()
        entity = self.write("in-" + tag, b"Content-Type: text/plain\r\n\r\n"
                            b"inbound-" + tag.encode() + b"\r\n")

        def deliver(mail, marker):
            self.send("bob@partner.test",
                      ["alice@example.com", "zoe@example.com"],
                      b"X-Test-Id: " + marker.encode() + b"\r\n" +
                      mail.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
            return {self.parse(p)["Delivered-To"]: self.parse(p) for p in
                    self.delivered("X-Test-Id: " + marker, count=2)}

        # Signed, then encrypted to Alice by openssl.
        signed = self.pki.path("signed-" + tag)
        run(["openssl", "cms", "-sign", "-in", entity, "-signer", "bob.pem",
             "-inkey", "bob.key", "-out", signed], self.pki.dir)
        out = self.pki.path("enc-" + tag)
        run(["openssl", "cms", "-encrypt", "-aes256", "-in", signed,
             "-from", "bob@partner.test", "-to", "alice@example.com",
             "-subject", "inbound " + tag, "-out", out, "alice.pem"],
            self.pki.dir)
        with open(out, "rb") as f:
            got = deliver(f.read(), "openssl-" + tag)
        alice, zoe = got["alice@example.com"], got["zoe@example.com"]
        # Alice's copy is clear, and its inner signature was checked.
        self.assertEqual(alice.get_content_type(), "multipart/signed")
        self.assertIn("inbound-" + tag,
                      alice.get_payload()[0].get_content())
        self.assertEqual(alice["X-Sealpost-Smime"],
                         "signed; verified=yes; signer=bob@partner.test")
        # Zoe has no key on file: hers is as it came.
        self.assertEqual(zoe.get_content_type(), "application/pkcs7-mime")

        # Encrypted by gpgsm, in a throw-away GnuPG home.
        if shutil.which("gpgsm") is None:
            self.skipTest("gpgsm is not installed")
        der = gpgsm_encrypt(self.pki, ("ca.pem", "alice.pem"),
                            "alice@example.com", entity)
        b64 = base64.encodebytes(der)
        mail = (b"From: bob@partner.test\r\nTo: alice@example.com\r\n"
                b"Subject: gpgsm " + tag.encode() + b"\r\nMIME-Version: 1.0"
                b"\r\nContent-Type: application/pkcs7-mime; "
                b"smime-type=enveloped-data; name=smime.p7m\r\n"
                b"Content-Transfer-Encoding: base64\r\n\r\n" + b64)
        got = deliver(mail, "gpgsm-" + tag)
        alice = got["alice@example.com"]
        self.assertEqual(alice.get_content_type(), "text/plain")
        self.assertEqual(alice.get_content().strip(), "inbound-" + tag)
        self.assertEqual(alice["Subject"], "gpgsm " + tag)
        self.assertEqual(got["zoe@example.com"].get_content_type(),
                         "application/pkcs7-mime")

    def test_large_inbound_smime_is_decrypted_from_its_spool(self):
        # Past 256 KiB the message arrives into a spool file, and is
        # decrypted from there into another (issue 14): the same result.
        tag = unique()
        text = b"".join(b"large inbound line %d of %s\r\n" % (i, tag.encode())
                        for i in range(60000))
        entity = self.write("big-" + tag,
                            b"Content-Type: text/plain\r\n\r\n" + text)
        signed = self.pki.path("big-signed-" + tag)
        run(["openssl", "cms", "-sign", "-in", entity, "-signer", "bob.pem",
             "-inkey", "bob.key", "-out", signed], self.pki.dir)
        out = self.pki.path("big-enc-" + tag)
        run(["openssl", "cms", "-encrypt", "-aes-256-gcm", "-in", signed,
             "-from", "bob@partner.test", "-to", "alice@example.com",
             "-subject", "big " + tag, "-out", out, "alice.pem"],
            self.pki.dir)
        with open(out, "rb") as f:
            mail = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        self.assertGreater(len(mail), 2 * 1024 * 1024)
        marker = "big-" + tag
        self.send("bob@partner.test", ["alice@example.com", "zoe@example.com"],
                  b"X-Test-Id: " + marker.encode() + b"\r\n" + mail)
        got = {self.parse(p)["Delivered-To"]: self.parse(p) for p in
               self.delivered("X-Test-Id: " + marker, count=2)}
        alice, zoe = got["alice@example.com"], got["zoe@example.com"]
        self.assertEqual(alice.get_content_type(), "multipart/signed")
        self.assertEqual(alice["Subject"], "big " + tag)
        self.assertEqual(  # the Maildir file's lines end in LF
            alice.get_payload()[0].get_payload(decode=True),
            text.replace(b"\r\n", b"\n"))
        self.assertEqual(alice["X-Sealpost-Smime"],
                         "signed; verified=yes; signer=bob@partner.test")
        self.assertEqual(zoe.get_content_type(), "application/pkcs7-mime")
        self.assertNotIn("large inbound line", zoe.as_string())

    def test_large_inbound_smime_decrypted_is_journaled_from_its_spool(self):
        # With a journal rule enabled the message is still decrypted from
        # its spool (issue 14), and journaled once, streamed from the
        # spools: the message as received, byte for byte, then (with
        # JournalReportDecryptionEnabled) the decrypted copy Alice got.
        from journal_test import attached
        tag = unique()
        journal = "journal-" + tag + "@example.com"
        self.server.cli("journal", "rule", "new", "Dec " + tag,
                        "--journal-address", journal, check=True)
        self.addCleanup(self.server.cli, "journal", "rule", "remove",
                        "Dec " + tag)
        self.server.cli("irm", "set", "--JournalReportDecryptionEnabled",
                        "True", check=True)
        self.addCleanup(self.server.cli, "irm", "set",
                        "--JournalReportDecryptionEnabled", "False")
        text = b"".join(b"journaled inbound line %d of %s\r\n" %
                        (i, tag.encode()) for i in range(60000))
        entity = self.write("jbig-" + tag,
                            b"Content-Type: text/plain\r\n\r\n" + text)
        out = self.pki.path("jbig-enc-" + tag)
        run(["openssl", "cms", "-encrypt", "-aes-256-gcm", "-in", entity,
             "-from", "bob@partner.test", "-to", "alice@example.com",
             "-subject", "jbig " + tag, "-out", out, "alice.pem"],
            self.pki.dir)
        with open(out, "rb") as f:
            mail = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        self.assertGreater(len(mail), 2 * 1024 * 1024)
        marker = "jbig-" + tag
        sent = b"X-Test-Id: " + marker.encode() + b"\r\n" + mail
        self.send("bob@partner.test", ["alice@example.com", "zoe@example.com"],
                  sent)

        def files(address):
            out = []
            for p in self.server.mailbox_files():
                with open(p, "rb") as f:
                    data = f.read()
                if (("Delivered-To: " + address + "\r\n").encode() in
                        data[:4096] and marker.encode() in data):
                    out.append((p, data))
            return out
        reports = lib.wait_for(lambda: files(journal), 60)
        self.assertTrue(reports, self.server.read_log()[-3000:])
        alice = lib.wait_for(lambda: files("alice@example.com"), 30)
        self.assertEqual(len(alice), 1)
        time.sleep(1)  # a second report would be queued with the first
        reports = files(journal)
        self.assertEqual(len(reports), 1, "one report for the message")
        report = reports[0][1]
        self.assertIn(b"Protected: yes\r\n", report)
        self.assertIn(b"Decrypted-Copy: attached\r\n", report)
        journaled, decrypted = [body for _, body in attached(reports[0][0])]
        self.assertEqual(journaled, sent, "the message as received")
        self.assertIn(b"journaled inbound line 59999", decrypted)
        self.assertTrue(alice[0][1].endswith(decrypted),
                        "Alice's decrypted copy, byte for byte")


if __name__ == "__main__":
    unittest.main()
