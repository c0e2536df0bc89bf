"""S/MIME revocation beyond the leaf, and the verdict cache (issue 12):
an intermediate CA revoked in its root's CRL (fetched from the
intermediate's distribution point, then on file) makes the certificates
below it unusable; a CRL distribution point over https:// is fetched with
the server's certificate checked (SSL_CERT_FILE names the web CA) and one
whose certificate does not name the host is not; an ldap:// point is not
fetched; and a verdict the mail flow cached is dropped as soon as a CRL
that revokes the certificate is imported. CAs, CRLs and certificates are
made by the openssl command line.
"""

import http.server
import os
import shutil
import smtplib
import ssl
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import smtp_testlib as lib  # noqa: E402
from smime_test import CrlHandler, Pki, run  # noqa: E402


class ChainPki(Pki):
    def cert(self, name, ca, ext, subject=None):
        """A certificate `name` issued by `ca` with the extensions `ext`."""
        with open(self.path(name + ".ext"), "w") as f:
            f.write(ext + "\n")
        run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes",
             "-keyout", name + ".key", "-out", name + ".csr",
             "-subj", subject or "/CN=" + name], self.dir)
        run(["openssl", "x509", "-req", "-in", name + ".csr", "-CA",
             ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial",
             "-days", "365", "-out", name + ".pem",
             "-extfile", name + ".ext"], self.dir)

    def person(self, name, address, ca, ext=""):
        self.cert(name, ca, "basicConstraints=CA:FALSE\n"
                  "keyUsage=digitalSignature,keyEncipherment\n"
                  "extendedKeyUsage=emailProtection\n"
                  "subjectAltName=email:%s\n%s" % (address, ext))

    def sub_ca(self, name, ca, ext=""):
        self.cert(name, ca, "basicConstraints=critical,CA:TRUE\n"
                  "keyUsage=keyCertSign,cRLSign\n" + ext,
                  subject="/CN=Sealpost " + name)

    def crl(self, ca, revoked=()):
        """DER CRL of `ca` listing `revoked` (openssl ca -gencrl)."""
        cnf = self.path(ca + "-crl.cnf")
        index = self.path(ca + "-index.txt")
        with open(cnf, "w") as f:
            f.write("[ca]\ndatabase=%s\ncrlnumber=%s\ndefault_md=sha256\n"
                    "default_crl_days=30\n" %
                    (index, self.path(ca + "-crlnumber")))
        open(index, "w").close()
        with open(self.path(ca + "-crlnumber"), "w") as f:
            f.write("01\n")
        for name in revoked:
            run(["openssl", "ca", "-config", cnf, "-name", "ca", "-keyfile",
                 ca + ".key", "-cert", ca + ".pem", "-revoke",
                 name + ".pem"], self.dir)
        run(["openssl", "ca", "-config", cnf, "-name", "ca", "-keyfile",
             ca + ".key", "-cert", ca + ".pem", "-gencrl", "-out",
             ca + ".crl.pem"], self.dir)
        return run(["openssl", "crl", "-in", ca + ".crl.pem", "-outform",
                    "DER"], self.dir).stdout


def serve(handler, context=None):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class SmimeChainTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        pki = cls.pki = ChainPki()
        cls.web = serve(CrlHandler)
        web = "http://127.0.0.1:%d" % cls.web.server_address[1]
        # The https:// distribution point: a web server certificate for
        # "localhost" from a CA of its own, which the server trusts through
        # SSL_CERT_FILE (the system's CAs, as OpenSSL finds them).
        pki.ca("webca", "Sealpost Web CA")
        pki.cert("www", "webca", "subjectAltName=DNS:localhost\n"
                 "extendedKeyUsage=serverAuth")
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(pki.path("www.pem"), pki.path("www.key"))
        cls.secure = serve(CrlHandler, tls)
        port = cls.secure.server_address[1]

        # A root whose CRL revokes one of its two intermediates; the CRL is
        # named by the intermediates' distribution points only.
        pki.ca("root", "Sealpost Chain Root")
        cdp = "crlDistributionPoints=URI:%s/root.crl" % web
        pki.sub_ca("subok", "root", cdp)
        pki.sub_ca("subbad", "root", cdp)
        pki.person("underok", "underok@four.test", "subok")
        pki.person("underbad", "underbad@four.test", "subbad")
        CrlHandler.served["/root.crl"] = pki.crl("root", ["subbad"])
        # https://: a revoked and a good person of CA 5; CA 6 names
        # 127.0.0.1, which the web server's certificate does not.
        pki.ca("ca5", "Sealpost TLS CA")
        tls_dp = "crlDistributionPoints=URI:https://localhost:%d/ca5.crl" % port
        pki.person("tlsok", "tlsok@five.test", "ca5", tls_dp)
        pki.person("tlsrev", "tlsrev@five.test", "ca5", tls_dp)
        CrlHandler.served["/ca5.crl"] = pki.crl("ca5", ["tlsrev"])
        pki.ca("ca6", "Sealpost Wrong Host CA")
        pki.person("wronghost", "wronghost@six.test", "ca6",
                   "crlDistributionPoints=URI:https://127.0.0.1:%d/ca6.crl" %
                   port)
        CrlHandler.served["/ca6.crl"] = pki.crl("ca6", ["wronghost"])
        # ldap:// is not fetched.
        pki.ca("ca7", "Sealpost LDAP CA")
        pki.person("ldap", "ldap@seven.test", "ca7",
                   "crlDistributionPoints=URI:ldap://127.0.0.1:%d/"
                   "cn=ca7?certificateRevocationList" % lib.free_port())
        # No distribution point: revoked by an imported CRL later.
        pki.ca("ca8", "Sealpost Cached CA")
        pki.person("cached", "cached@eight.test", "ca8")

        cls.server = lib.DevServer(
            env={"SSL_CERT_FILE": pki.path("webca.pem")})
        cli = cls.server.cli
        for ca in ("root", "ca5", "ca6", "ca7", "ca8"):
            cli("cert", "trust", "import", pki.path(ca + ".pem"), check=True)
        for name in ("subok", "subbad", "underok", "underbad", "tlsok",
                     "tlsrev", "wronghost", "ldap", "cached"):
            cli("cert", "import", pki.path(name + ".pem"), check=True)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.web.shutdown()
        cls.secure.shutdown()
        shutil.rmtree(cls.pki.dir, ignore_errors=True)

    def smime_test(self, address):
        return self.server.cli("smime", "test", "--recipient", address)

    def send(self, to, tag):
        raw = ("From: alice@example.com\r\nTo: %s\r\nSubject: [encrypt] c %s"
               "\r\n\r\nsecret-%s\r\n" % (to, tag, tag)).encode()
        with smtplib.SMTP(self.server.smtp_host, self.server.smtp_port,
                          timeout=30) as s:
            s.sendmail("alice@example.com", [to], raw)

    def delivered_smime(self, tag):
        """Whether the mail tagged `tag` arrived as S/MIME."""
        found = lib.wait_for(lambda: lib.find_mail(
            [self.server], lambda b: ("Subject: c " + tag).encode() in b),
            timeout=30)
        self.assertTrue(found, self.server.read_log()[-2000:])
        head = found.replace(b"\r\n", b"\n").split(b"\n\n")[0]
        return b"application/pkcs7-mime" in head

    def test_revoked_intermediate_blocks_the_certificates_below_it(self):
        # First on line: the intermediate's distribution point gives the
        # root's CRL, which revokes it.
        r = self.smime_test("underbad@four.test")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("a CA certificate of its chain is revoked", r.stdout)
        self.assertIn("/root.crl", CrlHandler.asked)
        # The root's CRL is on file now and answers without the network.
        asked = len(CrlHandler.asked)
        r = self.smime_test("underok@four.test")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.smime_test("underbad@four.test")
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertIn("a CA certificate of its chain is revoked", r.stdout)
        self.assertEqual(CrlHandler.asked[asked:].count("/root.crl"), 0)
        r = self.server.cli("cert", "list", "--email", "underbad@four.test")
        self.assertIn("untrusted", r.stdout)
        # The mail flow: the portal for the one below the revoked CA.
        tag = lib.unique()
        self.send("underbad@four.test", tag)
        self.assertFalse(self.delivered_smime(tag))

    def test_https_distribution_point(self):
        r = self.smime_test("tlsok@five.test")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # Fetched over TLS by the lookup, then on file.
        self.assertIn("/ca5.crl", CrlHandler.asked)
        self.assertIn('not revoked in the CRL of "CN=Sealpost TLS CA"',
                      r.stdout)
        r = self.smime_test("tlsrev@five.test")
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertIn("revoked", r.stdout)

    def test_https_certificate_must_name_the_host(self):
        r = self.smime_test("wronghost@six.test")
        # Fail open (OWACheckCRLOnSend False): used, and says why.
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("revocation status unavailable, not checked", r.stdout)
        self.assertNotIn("/ca6.crl", CrlHandler.asked)

    def test_ldap_distribution_point_is_not_fetched(self):
        r = self.smime_test("ldap@seven.test")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("revocation not checked", r.stdout)

    def test_cached_verdict_dropped_when_a_crl_revokes(self):
        tag = lib.unique()
        self.send("cached@eight.test", tag)
        self.assertTrue(self.delivered_smime(tag))
        with open(self.pki.path("ca8.crl"), "wb") as f:
            f.write(self.pki.crl("ca8", ["cached"]))
        self.server.cli("cert", "crl", "import", self.pki.path("ca8.crl"),
                        check=True)
        tag = lib.unique()
        self.send("cached@eight.test", tag)
        self.assertFalse(self.delivered_smime(tag))
        r = self.smime_test("cached@eight.test")
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertIn("is revoked", r.stdout)


if __name__ == "__main__":
    unittest.main()
