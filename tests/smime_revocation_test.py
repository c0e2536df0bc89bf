"""S/MIME revocation checking on line (issue 12): a recipient's CRL fetched
from its CRLDistributionPoints (served by Python's http.server) and kept
until its nextUpdate, OCSP asked of a real `openssl ocsp` responder, an
unreachable distribution point under OWACheckCRLOnSend False (used) and
True (not used), OWADisableCRLCheck, and the SSRF guard: a certificate no
trusted CA issued never makes the server fetch anything.
"""

import http.server
import os
import re
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import smtp_testlib as lib  # noqa: E402
from smime_test import CrlHandler, Pki, PkiCase, run  # noqa: E402


class RevocationPki(Pki):
    def leaf_with(self, name, address, ca, ext):
        with open(self.path(name + ".ext"), "w") as f:
            f.write("basicConstraints=CA:FALSE\n"
                    "keyUsage=digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=emailProtection\n"
                    "subjectAltName=email:%s\n%s\n" % (address, ext))
        run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes",
             "-keyout", name + ".key", "-out", name + ".csr",
             "-subj", "/CN=" + name], self.dir)
        run(["openssl", "x509", "-req", "-in", name + ".csr", "-CA",
             ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial",
             "-days", "365", "-out", name + ".pem",
             "-extfile", name + ".ext"], self.dir)


class SmimeRevocationTest(PkiCase):
    pki_class = RevocationPki
    # Room for a loaded machine: the responder answers in milliseconds,
    # but its turn and the server's may come late (the defaults are 5 and
    # 10; the CLI waits 60). The unreachable distribution point refuses
    # the connection, which fails at once, well under the 10 seconds
    # (test_unreachable_fail_open_then_closed checks it).
    server_env = {"SEALPOST_SMIME_REVOCATION_TIMEOUT_SECONDS": "10",
                  "SEALPOST_SMIME_REVOCATION_TOTAL_SECONDS": "30"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Stopped even when the set-up fails after this (tearDownClass is
        # then not run; stopping twice is harmless).
        cls.addClassCleanup(cls.server.stop)
        cls.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                   CrlHandler)
        cls.addClassCleanup(cls.http.server_close)
        threading.Thread(target=cls.http.serve_forever, daemon=True).start()
        cls.addClassCleanup(cls.http.shutdown)
        web = "http://127.0.0.1:%d" % cls.http.server_address[1]
        # The unreachable distribution point: a port bound, never listening,
        # for the class's life (connections to it are refused), so that no
        # other process can take it in between.
        cls.down_socket = socket.socket()
        cls.addClassCleanup(cls.down_socket.close)
        cls.down_socket.bind(("127.0.0.1", 0))
        down = "http://127.0.0.1:%d/down.crl" % (
            cls.down_socket.getsockname()[1])
        pki = cls.pki
        # CA 1: CRLs from a distribution point.
        cdp = "crlDistributionPoints=URI:%s/ca.crl" % web
        pki.leaf_with("crlok", "crlok@one.test", "ca", cdp)
        pki.leaf_with("crlrev", "crlrev@one.test", "ca", cdp)
        pki.revoke("crlrev")
        der = run(["openssl", "crl", "-in", "crl.pem", "-outform", "DER"],
                  pki.dir).stdout
        CrlHandler.served["/ca.crl"] = der
        # CA 2: OCSP, answered by `openssl ocsp` from its index.
        pki.ca("ca2", "Sealpost OCSP CA")
        with open(pki.path("ca2.cnf"), "w") as f:
            f.write("[req]\ndistinguished_name=dn\n[dn]\n[ca]\n"
                    "database=%s\ndefault_md=sha256\n" % pki.path("idx2.txt"))
        open(pki.path("idx2.txt"), "w").close()
        loaded = {"idx2.txt": os.stat(pki.path("idx2.txt"))}
        cls.ocsp_port = ocsp_port = cls.start_ocsp_responder("ocsp")
        aia = "authorityInfoAccess=OCSP;URI:http://127.0.0.1:%d/" % ocsp_port
        pki.leaf_with("ocspok", "ocspok@two.test", "ca2", aia)
        pki.leaf_with("ocsprev", "ocsprev@two.test", "ca2", aia)
        # Someone on the path of a revoked certificate's OCSP requests
        # answers `good`, signed with a key of their own (an `openssl
        # ocsp` signing with an untrusted CA's key, from an index where
        # the certificate is valid).
        pki.ca("forger", "Sealpost OCSP CA")
        with open(pki.path("forger.cnf"), "w") as f:
            f.write("[req]\ndistinguished_name=dn\n[dn]\n[ca]\n"
                    "database=%s\ndefault_md=sha256\n" %
                    pki.path("idx-forger.txt"))
        open(pki.path("idx-forger.txt"), "w").close()
        loaded["idx-forger.txt"] = os.stat(pki.path("idx-forger.txt"))
        cls.forger_port = forger_port = cls.start_ocsp_responder(
            "forger", "idx-forger.txt", "forger")
        pki.leaf_with("forged", "forged@two.test", "ca2",
                      "authorityInfoAccess=OCSP;URI:http://127.0.0.1:%d/" %
                      forger_port)
        for name, how in (("ocspok", "-valid"), ("ocsprev", "-revoke"),
                          ("forged", "-revoke")):
            run(["openssl", "ca", "-config", "ca2.cnf", "-name", "ca",
                 "-keyfile", "ca2.key", "-cert", "ca2.pem", how,
                 name + ".pem"], pki.dir)
        run(["openssl", "ca", "-config", "forger.cnf", "-name", "ca",
             "-keyfile", "ca2.key", "-cert", "ca2.pem", "-valid",
             "forged.pem"], pki.dir)
        for name, st in loaded.items():
            cls.mark_index_changed(pki.path(name), st)
        cls.wait_ocsp_answers("ocsp", ocsp_port,
                              {"ocspok": "good", "ocsprev": "revoked"})
        cls.wait_ocsp_answers("forger", forger_port, {"forged": "good"})
        # CA 3: a distribution point nobody answers.
        pki.ca("ca3", "Sealpost Down CA")
        pki.leaf_with("down", "down@three.test", "ca3",
                      "crlDistributionPoints=URI:" + down)
        # Not trusted: its distribution point must never be asked.
        pki.ca("evil", "Untrusted CA")
        pki.leaf_with("mallory", "mallory@evil.test", "evil",
                      "crlDistributionPoints=URI:%s/ssrf.crl\n"
                      "authorityInfoAccess=OCSP;URI:%s/ssrf-ocsp" %
                      (web, web))
        cli = cls.server.cli
        for ca in ("ca", "ca2", "ca3"):
            cli("cert", "trust", "import", pki.path(ca + ".pem"), check=True)
        cls.import_seconds = {}
        for name in ("crlok", "crlrev", "ocspok", "ocsprev", "forged",
                     "down", "mallory"):
            start = time.monotonic()
            cli("cert", "import", pki.path(name + ".pem"), check=True)
            cls.import_seconds[name] = time.monotonic() - start

    @classmethod
    def start_ocsp_responder(cls, name, index="idx2.txt", signer="ca2"):
        """Starts `openssl ocsp` (as cls.responders[name]) answering for
        ca2 from `index`, signing with SIGNER.pem and SIGNER.key, on a port
        the kernel picks (-port 0), and returns that port. The responder
        holds the port from then on: a free port chosen first and bound
        later (seconds of key generation on a loaded machine) can go to
        another process in between, and one bare connection (a port probe;
        a client that closes before its request) leaves OpenSSL 3.0's
        single-threaded responder spinning on it for good
        (openssl/openssl#31129), every later request timing out."""
        log = cls.pki.path(name + ".log")
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                ["openssl", "ocsp", "-index", index, "-CA", "ca2.pem",
                 "-rsigner", signer + ".pem", "-rkey", signer + ".key",
                 "-port", "0", "-ignore_err"], cwd=cls.pki.dir, stdout=out,
                stderr=out)
        if not hasattr(cls, "responders"):
            cls.responders = {}
        cls.responders[name] = (proc, log)
        # Stopped even when the set-up fails after this (no tearDownClass).
        cls.addClassCleanup(cls.stop_ocsp_responder, proc)

        # Listening when it says so (never probed: see above).
        def bound():
            if proc.poll() is not None:
                return -1
            with open(log, "rb") as f:
                text = f.read()
            m = re.search(rb"ACCEPT \S*:(\d+)", text)
            if m and b"waiting for OCSP client" in text:
                return int(m.group(1))
            return None
        port = lib.wait_for(bound, timeout=60)
        if not port or port < 0:
            raise RuntimeError("openssl ocsp did not start:\n" +
                               cls.ocsp_output(name))
        return port

    @staticmethod
    def mark_index_changed(path, loaded):
        """`openssl ocsp` reloads its index when the file's inode, or its
        mtime or ctime in whole seconds, differ from what it loaded
        (`loaded`). Three `openssl ca` rewrites (each a rename) within the
        second it started can give the file its first inode back (ext4
        reuses the one freed two renames before): never reloaded, it said
        `unknown` for good (seen once in seven runs). A later mtime then
        tells it."""
        now = os.stat(path)
        if (now.st_ino == loaded.st_ino and
                int(now.st_mtime) == int(loaded.st_mtime)):
            later = int(loaded.st_mtime) + 2
            os.utime(path, (later, later))

    @classmethod
    def wait_ocsp_answers(cls, name, port, want):
        """Asks responder `name` as a client does until it gives `want`
        ({certificate: status}): it reads its index again only on a
        request after the one that found it changed."""
        seen = {}

        def answers():
            for cert, status in want.items():
                try:
                    r = subprocess.run(
                        ["openssl", "ocsp", "-issuer", "ca2.pem", "-cert",
                         cert + ".pem", "-url",
                         "http://127.0.0.1:%d/" % port, "-noverify",
                         "-timeout", "20"], cwd=cls.pki.dir,
                        capture_output=True, text=True, timeout=60)
                except subprocess.TimeoutExpired as e:
                    seen[cert] = "no answer in %s s" % e.timeout
                    return False
                seen[cert] = (r.stdout + r.stderr).strip()
                if "%s.pem: %s" % (cert, status) not in r.stdout:
                    return False
            return True
        if not lib.wait_for(answers, timeout=60, interval=0.2):
            raise RuntimeError("openssl ocsp does not answer as its index "
                               "says: %r\n%s" % (seen, cls.ocsp_output(name)))

    @classmethod
    def ocsp_output(cls, name="ocsp"):
        """Responder `name`'s state and output, for a failure's message."""
        proc, log_path = cls.responders[name]
        code = proc.poll()
        state = "exited with %s" % code
        if code is None:
            # Seconds of CPU: a responder stuck on a closed connection
            # spins (openssl/openssl#31129).
            try:
                with open("/proc/%d/stat" % proc.pid) as f:
                    ticks = f.read().rsplit(")", 1)[1].split()
                cpu = (int(ticks[11]) + int(ticks[12])) / os.sysconf(
                    "SC_CLK_TCK")
                state = "running, %.1f s of CPU" % cpu
            except (OSError, ValueError, IndexError):
                state = "running"
        with open(log_path, "rb") as f:
            log = f.read()[-4000:].decode(errors="replace")
        return "openssl ocsp responder %s; its output:\n%s" % (state, log)

    @staticmethod
    def stop_ocsp_responder(proc):
        proc.kill()
        proc.wait()

    def smime_test(self, address):
        return self.server.cli("smime", "test", "--recipient", address)

    def test_crl_fetched_from_the_distribution_point_and_kept(self):
        r = self.smime_test("crlok@one.test")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # Fetched (and stored) when the certificate was looked up.
        self.assertIn('not revoked in the CRL of "CN=Sealpost Test CA"',
                      r.stdout)
        asked = CrlHandler.asked.count("/ca.crl")
        self.assertGreaterEqual(asked, 1)
        r = self.smime_test("crlrev@one.test")
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertIn("revoked", r.stdout)
        # Kept (a day at most, being fetched): not fetched again.
        self.assertEqual(CrlHandler.asked.count("/ca.crl"), asked)
        listed = self.server.cli("cert", "crl", "list").stdout
        self.assertIn("Sealpost Test CA", listed)
        # Fetched, so fetched again after a day (docs/smime.md).
        self.assertRegex(listed, r"Source +: fetched \S+, refreshed after \S+")

        # OWADisableCRLCheck True: no revocation check at all.
        with self.server.setting("smime", "--OWADisableCRLCheck", "True",
                                 "False"):
            r = self.smime_test("crlrev@one.test")
            self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(self.smime_test("crlrev@one.test").returncode, 2)

        # Removed (so that an older one could be imported), it is fetched
        # again at the next check.
        issuer = re.search(r"Issuer +: (.*Sealpost Test CA.*)",
                           listed).group(1).strip()
        r = self.server.cli("cert", "crl", "remove", issuer)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Removed the CRL of " + issuer, r.stdout)
        self.assertNotIn(issuer, self.server.cli("cert", "crl", "list").stdout)
        self.assertEqual(self.smime_test("crlrev@one.test").returncode, 2)
        self.assertEqual(CrlHandler.asked.count("/ca.crl"), asked + 1)

    def test_ocsp_responder(self):
        r = self.smime_test("ocspok@two.test")
        why = r.stdout + r.stderr + "\n" + self.ocsp_output()
        self.assertEqual(r.returncode, 0, why)
        self.assertIn("    - PASS: chains to a trusted CA; OCSP "
                      "http://127.0.0.1:%d/: good" % self.ocsp_port,
                      r.stdout.splitlines(), why)
        r = self.smime_test("ocsprev@two.test")
        why = r.stdout + r.stderr + "\n" + self.ocsp_output()
        self.assertEqual(r.returncode, 2, why)
        self.assertIn("revoked on", r.stdout, why)
        # The mail flow uses the same answer: the revoked one gets the
        # portal wrapper, the good one S/MIME.
        tag = lib.unique()
        raw = ("From: alice@example.com\r\nTo: ocspok@two.test, "
               "ocsprev@two.test\r\nSubject: [encrypt] r %s\r\n\r\n"
               "secret-%s\r\n" % (tag, tag)).encode()
        self.send("alice@example.com", ["ocspok@two.test",
                                        "ocsprev@two.test"], raw)
        files = self.delivered("Subject: r " + tag, count=2)
        kinds, wrappers = {}, {}
        for p in files:
            m = self.parse(p)
            kinds[m["Delivered-To"]] = m.get_content_type()
            wrappers[m["Delivered-To"]] = m["X-Sealpost-Protected"] or ""
            # Neither in clear: S/MIME for one, the portal for the other.
            with open(p, "rb") as f:
                self.assertNotIn(("secret-" + tag).encode(), f.read(), p)
        self.assertEqual(sorted(kinds), ["ocspok@two.test",
                                         "ocsprev@two.test"])
        self.assertEqual(kinds["ocspok@two.test"], "application/pkcs7-mime")
        self.assertNotEqual(kinds["ocsprev@two.test"],
                            "application/pkcs7-mime")
        self.assertIn("template=Encrypt", wrappers["ocsprev@two.test"])

    def test_ocsp_answer_signed_by_another_key_is_no_answer(self):
        # `good` from a responder the issuer never delegated: no answer,
        # as an unreachable one (used under OWACheckCRLOnSend False, not
        # under True), never `good`.
        r = self.smime_test("forged@two.test")
        why = r.stdout + r.stderr + "\n" + self.ocsp_output("forger")
        self.assertEqual(r.returncode, 0, why)
        self.assertIn("revocation status unavailable, not checked: OCSP "
                      "http://127.0.0.1:%d/" % self.forger_port, r.stdout, why)
        self.assertIn(": the OCSP response is not signed by the issuer or "
                      "its responder", r.stdout, why)
        self.assertNotIn(": good", r.stdout, why)
        with self.server.setting("smime", "--OWACheckCRLOnSend", "True",
                                 "False"):
            r = self.smime_test("forged@two.test")
            self.assertEqual(r.returncode, 2, r.stdout)
            self.assertIn("revocation status unavailable "
                          "(OWACheckCRLOnSend True)", r.stdout)

    def test_unreachable_fail_open_then_closed(self):
        start = time.monotonic()
        r = self.smime_test("down@three.test")
        # The distribution point is asked once (a failed URL is not asked
        # again for 5 minutes), at the import or here. A refused connection
        # fails at once: OpenSSL's own connect retried it for the whole
        # per-request timeout (10 s here; it took 11.4). A generous bound,
        # for a loaded machine: two CLI runs, well under that timeout.
        seconds = time.monotonic() - start + self.import_seconds["down"]
        self.assertLess(seconds, 5, r.stdout)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("revocation status unavailable, not checked", r.stdout)
        self.assertIn("Connection refused", r.stdout)
        with self.server.setting("smime", "--OWACheckCRLOnSend", "True",
                                 "False"):
            r = self.smime_test("down@three.test")
            self.assertEqual(r.returncode, 2, r.stdout)
            self.assertIn("revocation status unavailable "
                          "(OWACheckCRLOnSend True)", r.stdout)

    def test_untrusted_certificate_fetches_nothing(self):
        r = self.smime_test("mallory@evil.test")
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertIn("untrusted", r.stdout)
        self.assertFalse([p for p in CrlHandler.asked if "ssrf" in p],
                         CrlHandler.asked)


if __name__ == "__main__":
    unittest.main()
