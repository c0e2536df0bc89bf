"""Two dev nodes on one PostgreSQL behind no sticky load balancer (issue
13): what one node changes reaches the other's caches within a second
(LISTEN/NOTIFY), and the portal's sign-in state (passcodes, their rate
limits, OpenID Connect sign-ins begun) is the same on both nodes. The
reader's requests go to either node, as a load balancer would send them.
"""

import json
import os
import re
import smtplib
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smtp_testlib as lib  # noqa: E402
import portal_security_test as ps  # noqa: E402
from pg_testlib import PostgresCase  # noqa: E402
from smime_test import Pki  # noqa: E402


class SharedNodesTest(PostgresCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.url = cls.pg.create_database("sealpost")
        cls.idp = ps.OidcDiscovery()
        env = {"SEALPOST_PORTAL_OIDC_PROVIDERS_FILE":
               cls.idp.providers_file()}
        cls.a = lib.DevServer(args=["--store-url", cls.url], env=env)
        try:
            cls.b = lib.DevServer(args=[
                "--store-url", cls.url, "--master-key-file",
                os.path.join(cls.a.data_dir, "master.key")], env=env)
        except Exception:
            cls.a.stop()
            raise
        # Each dev node has its own CA: the browser trusts both.
        cls.cas = os.path.join(cls.b.data_dir, "both-cas.pem")
        with open(cls.cas, "w") as out:
            for node in (cls.a, cls.b):
                with open(node.ca_cert) as f:
                    out.write(f.read())
        # Node B's dev.json has the users' passwords now (docs/scaling.md).
        cls.users = cls.b.passwords()

    @classmethod
    def tearDownClass(cls):
        cls.b.stop()
        cls.a.stop()
        cls.idp.stop()
        super().tearDownClass()

    def browser(self):
        s = ps.browser(self.a)
        s.verify = self.cas
        return s

    # Either node may deliver (the shared queue is another change): mail is
    # looked for in both dev mailboxes.
    def wait_mail(self, pred, what, skip=()):
        found = lib.wait_for(
            lambda: lib.find_mail([self.a, self.b], pred, skip), timeout=30)
        self.assertTrue(found, "no " + what + "\n" +
                        self.a.read_log()[-1500:] + self.b.read_log()[-1500:])
        return found

    def all_mail(self):
        return set(self.a.mailbox_files()) | set(self.b.mailbox_files())

    def send_protected(self, to, body="Hello.", headers=""):
        token = lib.unique()
        raw = ("From: alice@example.com\r\nTo: %s\r\nSubject: [encrypt] %s"
               "\r\nMessage-ID: <%s@example.com>\r\n%s\r\n%s\r\n" %
               (to, token, token, headers, body)).encode()
        with smtplib.SMTP(self.a.smtp_host, self.a.smtp_port,
                          timeout=30) as s:
            s.sendmail("alice@example.com", [to], raw)
        wrapper = self.wait_mail(
            lambda b: token.encode() in b and
            b"X-Sealpost-Protected" in b, "wrapper")
        m = re.search(r"/m/([0-9a-f]{32})", ps.text_of(wrapper))
        self.assertTrue(m, "no portal link in the wrapper")
        return m.group(1)

    def ask_otp(self, s, node, msg_id, addr):
        """Asks `node` for a passcode; the page's answer."""
        page = s.get(node.url + "/m/" + msg_id, timeout=30)
        self.assertEqual(page.status_code, 200, page.text[:500])
        return s.post(node.url + "/m/%s/otp" % msg_id,
                      data={"csrf": ps.csrf_of(page.text), "email": addr},
                      timeout=60)

    def passcode(self, addr, seen):
        mail = self.wait_mail(
            lambda b: ("Delivered-To: " + addr).encode() in b and
            b"one-time passcode" in b, "passcode mail", seen)
        return re.search(r"^\s*(\d{8})\s*$", ps.text_of(mail),
                         re.M).group(1)

    def verify_otp(self, s, node, msg_id, addr, code):
        page = s.get(node.url + "/m/" + msg_id, timeout=30)
        return s.post(node.url + "/m/%s/otp/verify" % msg_id,
                      data={"csrf": ps.csrf_of(page.text), "email": addr,
                            "code": code},
                      allow_redirects=False, timeout=60)

    def test_passcode_from_a_opens_on_b_and_revoke_on_a_ends_b_cache(self):
        addr = "ext-%s@gmail.test" % lib.unique()
        secret = "secret-" + lib.unique()
        msg_id = self.send_protected(addr, body=secret)
        s = self.browser()
        seen = self.all_mail()
        r = self.ask_otp(s, self.a, msg_id, addr)
        self.assertEqual(r.status_code, 200, r.text[:500])
        code = self.passcode(addr, seen)
        # The passcode node A mailed signs in on node B.
        r = self.verify_otp(s, self.b, msg_id, addr, code)
        self.assertEqual(r.status_code, 303, r.text[:500])
        # Node B shows the message twice (the second from its cache).
        for _ in range(2):
            page = s.get(self.b.url + "/m/" + msg_id, timeout=30)
            self.assertEqual(page.status_code, 200, page.text[:300])
            self.assertIn(secret, page.text)
        # Revoked on node A: within a second node B refuses it (its cached
        # page would otherwise live 30 seconds).
        self.a.cli("message", "revoke", msg_id, check=True)
        revoked_at = time.monotonic()
        refused = lib.wait_for(
            lambda: s.get(self.b.url + "/m/" + msg_id,
                          timeout=30).status_code == 403,
            timeout=1.0, interval=0.05)
        waited = time.monotonic() - revoked_at
        self.assertTrue(refused, "node B still shows a message node A "
                        "revoked %.2f s ago" % waited)
        self.assertLess(waited, 1.5)  # a second, and the last request
        late = s.get(self.b.url + "/m/" + msg_id, timeout=30)
        self.assertEqual(late.status_code, 403)
        self.assertNotIn(secret, late.text)

    def test_passcode_requests_count_on_both_nodes(self):
        # At most 5 passcode mails an hour to an address for one network,
        # wherever asked. Only a code sent counts (an ask within a minute
        # of the last is answered without one), so each ask is for
        # another message to the address.
        addr = "limit-%s@gmail.test" % lib.unique()
        ids = [self.send_protected(addr) for _ in range(6)]
        s = self.browser()
        nodes = [self.a, self.b] * 3
        for i, node in enumerate(nodes[:5]):
            r = self.ask_otp(s, node, ids[i], addr)
            self.assertNotIn("Too many passcodes", r.text, i)
            self.assertNotIn("less than a minute ago", r.text, i)
        r = self.ask_otp(s, nodes[5], ids[5], addr)
        self.assertIn("Too many passcodes", r.text)

    def test_a_decoy_answers_alike_on_every_node(self):
        # A stranger's decoy code lived in the memory of the node that made
        # it: a wrong code on the other node answered "expired", where a
        # recipient's answered "isn't right", telling who received the
        # message. In the store, both answer alike on every node.
        addr = "rcpt-%s@gmail.test" % lib.unique()
        msg_id = self.send_protected(addr)
        stranger = "nobody-%s@gmail.test" % lib.unique()
        s = self.browser()
        for who in (addr, stranger):
            r = self.ask_otp(s, self.a, msg_id, who)
            self.assertEqual(r.status_code, 200, r.text[:300])
            self.assertIn("reference", r.text, who)
            r = self.verify_otp(s, self.b, msg_id, who, "00000000")
            self.assertEqual(r.status_code, 401, who)
            self.assertRegex(r.text, ps.NOT_RIGHT, who)
            self.assertNotIn("expired", r.text, who)

    def test_wrong_passwords_count_once_over_both_nodes(self):
        # Issue 13: the directory counted wrong passwords per node, so two
        # nodes gave an attacker ten guesses. Counted in the store, the
        # limit is five wherever they are sent, and a right password in
        # between is forgiven, not counted. (From 127.0.0.7, so that the
        # other tests' client address is not the one throttled.)
        user = "victim-%s@example.com" % lib.unique()
        password = "pw-" + lib.unique()
        self.a.cli("user", "add", user, "--password", password, check=True)
        s = ps.browser(self.a, "127.0.0.7")
        s.verify = self.cas

        def sign_in(node, pw):
            page = s.get(node.url + "/signin", timeout=30)
            return s.post(node.url + "/signin",
                          data={"csrf": ps.csrf_of(page.text), "email": user,
                                "password": pw, "next": "/sent"},
                          allow_redirects=False, timeout=30)

        tries = [(self.a, "wrong-1"), (self.b, "wrong-2"), (self.a, password),
                 (self.b, "wrong-3"), (self.a, "wrong-4"), (self.b, "wrong-5")]
        for i, (node, pw) in enumerate(tries):
            r = sign_in(node, pw)
            self.assertEqual(r.status_code, 303 if pw == password else 401,
                             "try %d: %s" % (i, r.text[:300]))
        # The sixth wrong password from that network, on either node, is
        # refused unchecked, and so is the right one until the window ends.
        for node, pw in [(self.a, "wrong-6"), (self.b, "wrong-7"),
                         (self.b, password), (self.a, password)]:
            r = sign_in(node, pw)
            self.assertEqual(r.status_code, 429, r.text[:300])
            self.assertIn("too many failed sign-ins from your network",
                          r.text)
        # From another network the user signs in, on both nodes: one
        # network's failures no longer lock the address out (the security
        # review's finding), and the refusals spent none of its ceiling.
        owner = ps.browser(self.a, "127.0.0.8")
        owner.verify = self.cas
        for node in (self.b, self.a):
            page = owner.get(node.url + "/signin", timeout=30)
            r = owner.post(node.url + "/signin",
                           data={"csrf": ps.csrf_of(page.text), "email": user,
                                 "password": password, "next": "/sent"},
                           allow_redirects=False, timeout=30)
            self.assertEqual(r.status_code, 303, r.text[:300])

    def test_pin_entered_on_a_opens_on_b_until_sign_out(self):
        # Issue 18: PIN passes were kept in the node's memory, so a load
        # balancer sending the next request to node B asked for the PIN
        # again. In the store, B honours A's, and sign-out ends it.
        addr = "pin-%s@gmail.test" % lib.unique()
        secret = "pin-secret-" + lib.unique()
        msg_id = self.send_protected(
            addr, body=secret, headers="X-Sealpost-Pin-Required: yes\r\n")
        s = self.browser()
        seen = self.all_mail()
        self.assertEqual(self.ask_otp(s, self.a, msg_id, addr).status_code,
                         200)
        r = self.verify_otp(s, self.a, msg_id, addr,
                            self.passcode(addr, seen))
        self.assertEqual(r.status_code, 303, r.text[:500])
        for node in (self.a, self.b):
            r = s.get(node.url + "/m/" + msg_id, allow_redirects=False,
                      timeout=30)
            self.assertEqual(r.status_code, 303, r.text[:300])
            self.assertIn("/m/%s/pin" % msg_id, r.headers["Location"])
        # The sender reads the PIN on /sent (node B).
        alice = self.browser()
        page = alice.get(self.b.url + "/signin", timeout=30)
        r = alice.post(self.b.url + "/signin",
                       data={"csrf": ps.csrf_of(page.text),
                             "email": "alice@example.com",
                             "password": self.users["alice@example.com"],
                             "next": "/sent"}, timeout=30)
        self.assertEqual(r.status_code, 200, r.text[:300])
        m = re.search(r'href="/m/%s".*?class="pin">(\d{6})<' % msg_id,
                      r.text, re.S)
        self.assertTrue(m, "no PIN on /sent")
        # Entered on node A; node B opens the message.
        page = s.get(self.a.url + "/m/%s/pin" % msg_id, timeout=30)
        r = s.post(self.a.url + "/m/%s/pin" % msg_id,
                   data={"csrf": ps.csrf_of(page.text), "pin": m.group(1)},
                   allow_redirects=False, timeout=30)
        self.assertEqual(r.status_code, 303, r.text[:300])
        opened = s.get(self.b.url + "/m/" + msg_id, timeout=30)
        self.assertEqual(opened.status_code, 200, opened.text[:300])
        self.assertIn(secret, opened.text)
        count = ("SELECT COUNT(*) FROM pin_passes WHERE message_id = '%s'" %
                 msg_id)
        self.assertEqual(self.pg.psql("sealpost", count), "1")
        # Signed out on node B: the pass is gone from the store.
        r = s.post(self.b.url + "/signout",
                   data={"csrf": ps.csrf_of(opened.text)}, timeout=30)
        self.assertEqual(r.status_code, 200, r.text[:300])
        self.assertEqual(self.pg.psql("sealpost", count), "0")
        r = s.get(self.a.url + "/m/" + msg_id, allow_redirects=False,
                  timeout=30)
        self.assertNotIn(secret, r.text)

    def test_oidc_sign_in_begun_on_a_is_known_on_b(self):
        msg_id = self.send_protected("oidc-%s@gmail.test" % lib.unique())
        s = self.browser()
        # The message page first, as a reader would: it sets the browser
        # cookie, without which a start is sent back there.
        s.get(self.a.url + "/m/" + msg_id, timeout=30)
        r = s.get(self.a.url + "/m/%s/oidc/0" % msg_id,
                  allow_redirects=False, timeout=30)
        self.assertEqual(r.status_code, 303, r.text[:300])
        state = re.search(r"[?&]state=([^&]+)",
                          r.headers["Location"]).group(1)
        # The provider sends the browser back to node B (here: the user
        # cancelled). B knows the sign-in, so it says "cancelled", not
        # "expired".
        back = s.get(self.b.url + "/oidc/callback?state=%s&error="
                     "access_denied" % state, allow_redirects=False,
                     timeout=30)
        self.assertEqual(back.status_code, 401, back.text[:300])
        self.assertIn("cancelled", back.text)
        # A state is used once, on any node.
        again = s.get(self.a.url + "/oidc/callback?state=%s&error="
                      "access_denied" % state, allow_redirects=False,
                      timeout=30)
        self.assertEqual(again.status_code, 400, again.text[:300])
        self.assertIn("expired", again.text)
        # Another browser cannot finish it either.
        r = s.get(self.a.url + "/m/%s/oidc/0" % msg_id,
                  allow_redirects=False, timeout=30)
        state = re.search(r"[?&]state=([^&]+)",
                          r.headers["Location"]).group(1)
        other = self.browser()
        stolen = other.get(self.b.url + "/oidc/callback?state=%s&error="
                           "access_denied" % state, allow_redirects=False,
                           timeout=30)
        self.assertEqual(stolen.status_code, 400, stolen.text[:300])

    def test_key_rotated_on_a_opens_on_b(self):
        # B loaded the org keys at start; A rotates and protects with the
        # new version; B opens it without a restart.
        self.a.cli("rms", "rotate-key", check=True)
        token = lib.unique()
        raw = ("From: Alice <alice@example.com>\r\nTo: carol@gmail.test\r\n"
               "Subject: rot %s [encrypt]\r\nMessage-ID: <%s@example.com>"
               "\r\n\r\nrotated-%s\r\n" % (token, token, token)).encode()
        with smtplib.SMTP(self.a.smtp_host, self.a.smtp_port,
                          timeout=30) as s:
            s.sendmail("alice@example.com", ["carol@gmail.test"], raw)
        path = lib.wait_for(lambda: lib.find_mail_path(
            (self.a, self.b), lambda b: ("rot " + token).encode() in b),
            timeout=30)
        self.assertTrue(path)
        r = self.b.open_as("alice@example.com", path,
                           self.users["alice@example.com"])
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertEqual(r.stdout, raw)

    def test_crl_imported_on_a_drops_b_cached_smime_verdict(self):
        pki = Pki()
        pki.leaf("dora", "dora@partner.test")
        self.a.cli("cert", "trust", "import", pki.path("ca.pem"), check=True)
        self.a.cli("cert", "import", pki.path("dora.pem"), check=True)

        def b_says():
            return self.b.cli("smime", "test", "--recipient",
                              "dora@partner.test").stdout
        # Node B looks the recipient up (and caches the verdict: valid).
        self.assertIn("OVERALL RESULT: PASS", b_says())
        pki.revoke("dora")
        self.a.cli("cert", "crl", "import", pki.path("crl.pem"), check=True)
        # The lookup itself says revoked once B dropped its cache ("is
        # revoked" is the lookup's reason; a stale verdict would pass the
        # lookup and fail only the chain step).
        said = lib.wait_for(lambda: "is revoked" in b_says(), timeout=10)
        self.assertTrue(said, b_says())

    # ---- whole settings documents changed on both nodes at once ----------
    # Groups, license assignments, rules, templates, branding and the IRM
    # settings are each one document in the store: a change reads it,
    # edits it and writes it back only if it is still what was read
    # (docs/scaling.md). Each round sends several changes to each node at
    # once; every one must hold.

    def api(self, node, method, path, body=None):
        s = ps.browser(node)
        s.verify = self.cas
        r = s.request(method, node.api_url + path, json=body,
                      headers={"Authorization": "Bearer " + node.token},
                      timeout=60)
        return r.status_code, r.text

    def at_once(self, calls):
        """Runs the (node, method, path, body) calls together; their
        statuses, in order."""
        results = [None] * len(calls)
        barrier = threading.Barrier(len(calls))

        def run(i):
            barrier.wait()
            results[i] = self.api(*calls[i])
        threads = [threading.Thread(target=run, args=(i,))
                   for i in range(len(calls))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return results

    def test_group_changes_on_two_nodes_both_hold(self):
        # Was: each node read the groups, changed them and wrote them all
        # back, so a member that node A removed from eDiscovery Manager
        # came back when node B wrote its own change.
        tag = lib.unique()
        group = "race-" + tag
        self.assertEqual(self.api(self.a, "POST", "/api/v1/groups",
                                  {"name": group})[0], 201)
        path = "/api/v1/groups/%s/members" % group
        for n in range(6):
            old = "old-%d-%s@example.com" % (n, tag)
            self.assertEqual(
                self.api(self.a, "POST", path, {"email": old})[0], 200)
            added = ["m%d-%d-%s@example.com" % (n, i, tag)
                     for i in range(6)]
            calls = [(self.a, "DELETE", path + "/" + old, None)]
            calls += [(self.b if i % 2 == 0 else self.a, "POST", path,
                       {"email": m}) for i, m in enumerate(added)]
            for status, text in self.at_once(calls):
                self.assertEqual(status, 200, text)
            _, text = self.api(self.b, "GET", "/api/v1/groups")
            members = json.loads(text)["groups"][group]
            self.assertNotIn(old, members, "round %d" % n)
            for m in added:
                self.assertIn(m, members, "round %d" % n)

    def test_rules_made_on_two_nodes_both_exist(self):
        # Was: each node read the rules, numbered its new one past the
        # highest it saw and wrote them all back, so of two rules made at
        # once on two nodes one was lost (its rule.new audited all the
        # same), or both got the same id.
        tag = lib.unique()
        made = []
        for n in range(4):
            names = ["race %d-%d %s" % (n, i, tag) for i in range(4)]
            calls = [(self.a if i % 2 == 0 else self.b, "POST",
                      "/api/v1/rules",
                      {"name": n, "conditions": [
                          {"kind": "recipient_domain_is",
                           "values": ["race-%s.test" % tag]}],
                       "actions": [{"kind": "apply_template",
                                    "template": "Encrypt"}]})
                     for i, n in enumerate(names)]
            for status, text in self.at_once(calls):
                self.assertEqual(status, 201, text)
                made.append(json.loads(text)["id"])
            _, text = self.api(self.a, "GET", "/api/v1/rules")
            rules = json.loads(text)["rules"]
            on_file = {r["name"] for r in rules}
            for name in names:
                self.assertIn(name, on_file, "round %d" % n)
            self.assertEqual(len(set(made)), len(made), made)
        for rule_id in made:
            self.api(self.a, "DELETE", "/api/v1/rules/" + rule_id)


if __name__ == "__main__":
    unittest.main()
