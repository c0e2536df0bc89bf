"""`sealpost message list --protected` (Get-OMEMessageStatus across
messages) against a real dev server, with mail sent by Python's smtplib;
and the subjects the Sent page shows are never in clear in the data
directory (`grep -r`)."""
import json
import os
import smtplib
import ssl
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from smtp_testlib import DevServer, free_port, unique  # noqa: E402


class ProtectedListTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The next hop is down: wrappers stay queued (encrypted) and no
        # Maildir copy lands in the data directory, so `grep -r` sees only
        # what Sealpost keeps at rest.
        cls.server = DevServer(args=["--next-hop",
                                     "127.0.0.1:%d" % free_port()])
        cls.marker = "Zanzibar" + unique()
        cls.ids = []
        with smtplib.SMTP(cls.server.smtp_host, cls.server.smtp_port) as c:
            for n, (sender, rcpt) in enumerate([
                    ("alice@example.com", "carol@gmail.test"),
                    ("alice@example.com", "dave@gmail.test"),
                    ("alice@example.com", "carol@gmail.test"),
                    ("bob@example.com", "erin@gmail.test")]):
                raw = ("From: %s\r\nTo: %s\r\nSubject: [encrypt] Budget %s "
                       "part %d\r\n\r\nbody %d\r\n" % (
                           sender, rcpt, cls.marker, n, n)).encode()
                c.sendmail(sender, [rcpt], raw)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def cli_as(self, user, *args):
        return self.server.cli_as(user, *args, "--user", user)

    def listed(self, *args):
        r = self.server.cli("message", "list", "--protected", "--json", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)["messages"]

    def api(self, target):
        ctx = ssl.create_default_context(cafile=self.server.ca_cert)
        req = urllib.request.Request(
            self.server.url + target,
            headers={"Authorization": "Bearer " + self.server.token})
        with urllib.request.urlopen(req, context=ctx) as r:
            return json.loads(r.read())

    def test_subject_is_never_in_clear_in_the_data_directory(self):
        grep = subprocess.run(["grep", "-r", "-l", "-i", self.marker,
                               self.server.data_dir], capture_output=True)
        self.assertEqual(grep.returncode, 1, grep.stdout)
        # ... though it was kept: its owner sees it.
        r = self.cli_as("alice@example.com", "message", "list", "--protected",
                        "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        subjects = [m.get("subject") for m in
                    json.loads(r.stdout)["messages"]]
        self.assertIn("Budget %s part 0" % self.marker, subjects)

    def test_admin_lists_everyone_and_filters_by_owner(self):
        everyone = self.listed()
        self.assertEqual(len(everyone), 4)
        self.assertEqual({m["owner"] for m in everyone},
                         {"alice@example.com", "bob@example.com"})
        # Newest first; an admin is not shown subjects.
        self.assertTrue(all("subject" not in m for m in everyone))
        created = [m["created_at"] for m in everyone]
        self.assertEqual(created, sorted(created, reverse=True))
        alice = self.listed("--owner", "alice@example.com")
        self.assertEqual(len(alice), 3)
        self.assertEqual(len(self.listed("--limit", "2")), 2)
        self.assertEqual(len(self.listed("--since", "2000-01-01")), 4)
        self.assertEqual(self.listed("--since", "2999-01-01"), [])

    def test_a_user_sees_only_their_own_with_subjects(self):
        r = self.cli_as("bob@example.com", "message", "list", "--protected")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Subject    : Budget %s part 3" % self.marker, r.stdout)
        self.assertNotIn("[encrypt]", r.stdout)
        self.assertNotIn("alice@example.com", r.stdout)
        self.assertIn("Status     : active", r.stdout)
        # --owner cannot widen a user's view.
        r = self.cli_as("bob@example.com", "message", "list", "--protected",
                        "--owner", "alice@example.com", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        owners = {m["owner"] for m in json.loads(r.stdout)["messages"]}
        self.assertEqual(owners, {"bob@example.com"})

    def test_state_filter_after_revoke(self):
        dave = [m for m in self.listed() if m["recipients"] ==
                ["dave@gmail.test"]]
        self.assertEqual(len(dave), 1)
        r = self.server.cli("message", "revoke", dave[0]["id"])
        self.assertEqual(r.returncode, 0, r.stderr)
        revoked = self.listed("--state", "revoked")
        self.assertEqual([m["id"] for m in revoked], [dave[0]["id"]])
        self.assertEqual(revoked[0]["state"], "revoked")
        active = self.listed("--state", "active")
        self.assertEqual(len(active), 3)
        self.assertNotIn(dave[0]["id"], [m["id"] for m in active])

    def test_pages_follow_the_cursor(self):
        seen = []
        target = "/api/v1/protected?limit=3"
        page = self.api(target)
        seen += [m["id"] for m in page["messages"]]
        self.assertEqual(len(seen), 3)
        self.assertIn("next", page)
        page = self.api(target + "&before=" + page["next"])
        seen += [m["id"] for m in page["messages"]]
        self.assertNotIn("next", page)
        self.assertEqual(len(seen), 4)
        self.assertEqual(len(set(seen)), 4)
        self.assertEqual(seen, [m["id"] for m in self.listed()])

    def test_bad_arguments_are_usage_errors(self):
        r = self.server.cli("message", "list", "--protected", "--state",
                            "queued")
        self.assertEqual(r.returncode, 1)
        r = self.server.cli("message", "list", "--protected", "--since",
                            "yesterday")
        self.assertEqual(r.returncode, 1)
        self.assertIn("--since", r.stderr)



class PolicyExpiryTest(unittest.TestCase):
    """The expiry a branding's ExternalMailExpiryInDays gives external
    mail is the organisation's: its sender may bring it forward through
    the API, never lift or extend it (was: written as an ordinary expiry,
    the sender's own, so `POST /api/v1/protected/ID/expire
    {"expires_at": 0}` answered 200 and an expired external copy could be
    read again)."""

    @classmethod
    def setUpClass(cls):
        cls.server = DevServer(args=["--next-hop",
                                     "127.0.0.1:%d" % free_port()])
        cls.server.cli("branding", "new", "Finance",
                       "--external-mail-expiry-in-days", "1", check=True)
        cls.server.cli("rule", "new", "Ext", "--if",
                       "recipient-scope=NotInOrganization",
                       "--apply-template", "Encrypt", "--branding", "Finance",
                       check=True)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def api(self, method, target, token, body=None):
        ctx = ssl.create_default_context(cafile=self.server.ca_cert)
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.server.url + target, data=data, method=method,
            headers={"Authorization": "Bearer " + token,
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, context=ctx) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def test_the_sender_cannot_lift_the_brandings_expiry(self):
        marker = unique()
        self.server.submit("alice@example.com", "ext@partner.test",
                           ("From: alice@example.com\r\nTo: ext@partner.test"
                            "\r\nSubject: Terms %s\r\n\r\nsee\r\n" %
                            marker).encode())
        status, listed = self.api("GET", "/api/v1/protected",
                                  self.server.token)
        self.assertEqual(status, 200, listed)
        mine = [m for m in listed["messages"]
                if m["recipients"] == ["ext@partner.test"]]
        self.assertEqual(len(mine), 1, listed)
        mid, end = mine[0]["id"], mine[0]["expires_at"]
        self.assertAlmostEqual(end, time.time() + 86400, delta=120)
        status, token = self.api(
            "POST", "/api/v1/auth/token", "",
            {"email": "alice@example.com",
             "password": self.server.passwords()["alice@example.com"]})
        self.assertEqual(status, 201, token)
        alice = token["token"]
        target = "/api/v1/protected/%s/expire" % mid
        for later in (0, end + 86400):
            status, body = self.api("POST", target, alice,
                                    {"expires_at": later})
            self.assertEqual(status, 409, (later, body))
        status, body = self.api("GET", "/api/v1/protected/" + mid, alice)
        self.assertEqual(body["expires_at"], end)
        status, body = self.api("POST", target, alice,
                                {"expires_at": end - 3600})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["expires_at"], end - 3600)
        status, body = self.api("POST", target, alice, {"expires_at": 0})
        self.assertEqual(status, 409, body)


if __name__ == "__main__":
    unittest.main()
