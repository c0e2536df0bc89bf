"""OpenID Connect with several configured providers, one of them hostile
(docs/security.md counts a configured provider, e.g. a partner's SSO
limited by email_domains, as a potential attacker): the mix-up attack of
RFC 9700 §4.4 and its defences, each provider's own redirect URI and the
authorization response's `iss` (RFC 9207), against the real
`sealpost server -dev`.

The providers are stand-ins on loopback written here: "Honest" answers its
authorization endpoint for a logged-in user and binds each code to the
client, redirect URI, PKCE challenge and nonce, signing ID tokens with
python-cryptography (not our code); "Partner SSO" is the attacker's.
"""

import base64
import email
import email.policy
import hashlib
import json
import os
import re
import smtplib
import sys
import tempfile
import threading
import time
import unittest
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

sys.path.insert(0, os.path.dirname(__file__))
import smtp_testlib as lib  # noqa: E402


def unique():
    return uuid.uuid4().hex[:10]


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def query_of(url):
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def browser(server):
    s = requests.Session()
    s.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
    s.verify = server.ca_cert
    return s


class Provider:
    """A provider on loopback; subclasses answer /authorize and /token."""

    def __init__(self, extra_discovery=None):
        port = lib.free_port()
        self.issuer = "http://127.0.0.1:%d" % port
        self.discovery = dict({"issuer": self.issuer,
                               "authorization_endpoint":
                                   self.issuer + "/authorize",
                               "token_endpoint": self.issuer + "/token",
                               "jwks_uri": self.issuer + "/jwks"},
                              **(extra_discovery or {}))
        self.jwks = {"keys": []}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self, status, doc=None, location=None):
                body = json.dumps(doc).encode() if doc is not None else b""
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                u = urlparse(self.path)
                if u.path == "/authorize":
                    return self.answer(302, location=outer.authorize(
                        query_of(self.path)))
                self.answer(200, outer.jwks if u.path == "/jwks"
                            else outer.discovery)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(
                    self.rfile.read(length).decode()).items()}
                auth = base64.b64decode(
                    self.headers.get("Authorization", "Basic ")[6:]).decode()
                self.answer(*outer.token(form, auth))

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Honest(Provider):
    """A faithful provider whose logged-in user is `user`: a code is bound
    to the client, the redirect URI, the PKCE challenge and the nonce of
    its authorization request. `iss` is what its authorization responses
    carry as `iss`: "own" (its issuer), None (nothing) or another value."""

    def __init__(self, user, advertise_iss=False):
        super().__init__({"authorization_response_iss_parameter_supported":
                          True} if advertise_iss else None)
        self.user = user
        self.iss = None
        self.codes = {}
        self.redeemed = []
        self.key = rsa.generate_private_key(public_exponent=65537,
                                            key_size=2048)
        pub = self.key.public_key().public_numbers()

        def uint(n):
            return b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))
        self.jwks = {"keys": [{"kty": "RSA", "kid": "h1", "alg": "RS256",
                               "use": "sig", "n": uint(pub.n),
                               "e": uint(pub.e)}]}

    def authorize(self, q):
        assert q["client_id"] == "sealpost-honest", q
        code = uuid.uuid4().hex
        self.codes[code] = dict(q, user=self.user)
        back = {"code": code, "state": q["state"]}
        if self.iss is not None:
            back["iss"] = self.issuer if self.iss == "own" else self.iss
        return q["redirect_uri"] + "?" + urlencode(back)

    def token(self, form, auth):
        c = self.codes.pop(form.get("code"), None)
        if not (c and auth == "sealpost-honest:honest-secret" and
                form.get("redirect_uri") == c["redirect_uri"] and
                b64(hashlib.sha256(form["code_verifier"].encode())
                    .digest()) == c["code_challenge"]):
            return 400, {"error": "invalid_grant"}
        self.redeemed.append(c)
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": "sealpost-honest",
                  "sub": c["user"], "email": c["user"],
                  "email_verified": True, "nonce": c["nonce"],
                  "iat": now, "exp": now + 300}
        signed = (b64(json.dumps({"alg": "RS256", "kid": "h1"}).encode()) +
                  "." + b64(json.dumps(claims).encode()))
        sig = self.key.sign(signed.encode(), padding.PKCS1v15(),
                            hashes.SHA256())
        return 200, {"id_token": signed + "." + b64(sig),
                     "token_type": "Bearer", "access_token": "unused"}


class Hostile(Provider):
    """The partner's provider, run by the attacker: its authorization
    endpoint sends the browser on to `forward_to` (the honest provider's
    authorization URL of the attacker's own sign-in) with the state it was
    given, the victim's; its token endpoint keeps whatever code it gets."""

    def __init__(self):
        super().__init__()
        self.forward_to = None
        self.stolen = []

    def authorize(self, q):
        u = urlparse(self.forward_to)
        fq = dict(query_of(self.forward_to), state=q["state"])
        return u._replace(query=urlencode(fq)).geturl()

    def token(self, form, auth):
        self.stolen.append(form.get("code"))
        return 400, {"error": "invalid_grant"}


class OidcMixUpTest(unittest.TestCase):
    def start(self, advertise_iss=False):
        """A dev server with two providers: Honest for gmail.test and the
        attacker's Partner SSO for partner.test. Sets self.server,
        self.honest, self.hostile, self.victim, self.partner."""
        self.victim = "victim-%s@gmail.test" % unique()
        self.partner = "bob-%s@partner.test" % unique()
        self.honest = Honest(self.victim, advertise_iss)
        self.addCleanup(self.honest.stop)
        self.hostile = Hostile()
        self.addCleanup(self.hostile.stop)
        fd, path = tempfile.mkstemp(suffix=".json")
        self.addCleanup(os.unlink, path)
        with os.fdopen(fd, "w") as f:
            json.dump([{"name": "Honest", "issuer": self.honest.issuer,
                        "client_id": "sealpost-honest",
                        "client_secret": "honest-secret",
                        "email_domains": ["gmail.test"]},
                       {"name": "Partner SSO", "issuer": self.hostile.issuer,
                        "client_id": "sealpost-partner",
                        "client_secret": "partner-secret",
                        "email_domains": ["partner.test"]}], f)
        self.server = lib.DevServer(
            env={"SEALPOST_PORTAL_OIDC_PROVIDERS_FILE": path})
        self.addCleanup(self.server.stop)

    def protected(self):
        """Mails `[encrypt]` to the victim and the partner: (message id,
        the body's secret)."""
        token, secret = unique(), unique()
        to = [self.victim, self.partner]
        raw = ("From: alice@example.com\r\nTo: %s\r\nSubject: [encrypt] %s"
               "\r\nMessage-ID: <%s@example.com>\r\n\r\nSecret %s.\r\n" %
               (", ".join(to), token, token, secret)).encode()
        with smtplib.SMTP(self.server.smtp_host, self.server.smtp_port,
                          timeout=30) as c:
            c.sendmail("alice@example.com", to, raw)
        wrapper = lib.wait_for(lambda: lib.find_mail(
            [self.server], lambda b: token.encode() in b and
            ("Delivered-To: " + self.victim).encode() in b and
            b"X-Sealpost-Protected" in b), timeout=30)
        self.assertTrue(wrapper, "no wrapper")
        m = email.message_from_bytes(wrapper, policy=email.policy.default)
        text = "\n".join(p.get_content() for p in m.walk()
                         if p.get_content_type() == "text/plain" and
                         not p.is_attachment())
        return re.search(r"/m/([0-9a-f]{32})", text).group(1), secret

    def begin(self, msg_id, n):
        """A browser that opened the message page and pressed provider
        `n`'s button: (session, authorization URL)."""
        s = browser(self.server)
        self.assertEqual(s.get(self.server.url + "/m/" + msg_id,
                               timeout=30).status_code, 200)
        r = s.get(self.server.url + "/m/%s/oidc/%d" % (msg_id, n),
                  allow_redirects=False, timeout=30)
        self.assertEqual(r.status_code, 303, r.text[:300])
        return s, r.headers["Location"]

    def back_at_portal(self, url):
        """Follows the providers' redirects from `url` to the portal: the
        URL the browser is sent back to."""
        for _ in range(4):
            if url.startswith(self.server.url):
                return url
            r = requests.get(url, allow_redirects=False, timeout=30)
            self.assertIn(r.status_code, (302, 303), r.text[:300])
            url = r.headers["Location"]
        self.fail("no way back to the portal")

    # The security review's finding, reproduced: every provider shared one
    # redirect URI and the callback found its provider through the state
    # only. The victim pressed Partner SSO; the partner's provider sent the
    # browser on to Honest with the attacker's authorization request and
    # the victim's state; Honest (where the victim is logged in) sent the
    # victim's code back to the shared callback, which redeemed it at the
    # partner's token endpoint; the attacker replayed it under their own
    # state and was signed in as the victim.
    def test_a_provider_cannot_take_another_providers_code(self):
        self.start()
        msg_id, secret = self.protected()
        attacker, attackers_url = self.begin(msg_id, 0)  # Honest
        self.hostile.forward_to = attackers_url
        victim, url = self.begin(msg_id, 1)  # Partner SSO
        back = self.back_at_portal(url)
        victims = victim.get(back, allow_redirects=False, timeout=60)
        self.assertNotEqual(victims.status_code, 303, victims.text[:300])
        self.assertIsNone(victim.cookies.get("__Host-sp_s"))
        # Whatever code the partner's provider got, it opens nothing for
        # the attacker, under their own sign-in.
        callback = query_of(attackers_url)["redirect_uri"]
        state = query_of(attackers_url)["state"]
        for code in self.hostile.stolen:
            r = attacker.get(callback, params={"state": state, "code": code},
                             allow_redirects=False, timeout=60)
            self.assertNotEqual(r.status_code, 303, r.text[:300])
            self.assertIsNone(attacker.cookies.get("__Host-sp_s"))
            self.assertNotIn(secret, attacker.get(
                self.server.url + "/m/" + msg_id, timeout=30).text)
        self.assertEqual(self.hostile.stolen, [])
        self.assertEqual(victims.status_code, 400, victims.text[:300])
        self.assertIn("came back from another provider", victims.text)

        def refusal():
            t = self.server.cli("message", "status", msg_id,
                                check=True).stdout
            return t if "another provider" in t else None
        self.assertTrue(lib.wait_for(refusal, timeout=10),
                        "no refusal audited")
        # The victim's own sign-in with Honest still works.
        again, url = self.begin(msg_id, 0)
        r = again.get(self.back_at_portal(url), allow_redirects=False,
                      timeout=60)
        self.assertEqual(r.status_code, 303, r.text[:300])
        self.assertIn(secret, again.get(self.server.url + "/m/" + msg_id,
                                        timeout=30).text)

    # Each provider is sent, and must be registered with, its own redirect
    # URI; the old shared one finishes nothing while several are
    # configured (with one provider it stays that provider's).
    def test_each_provider_has_its_own_redirect_uri(self):
        self.start()
        msg_id, secret = self.protected()
        for n, path in ((0, "/oidc/callback/honest"),
                        (1, "/oidc/callback/partner-sso")):
            _, url = self.begin(msg_id, n)
            self.assertEqual(query_of(url)["redirect_uri"],
                             self.server.url + path)
        self.assertIn("redirect URI " + self.server.url +
                      "/oidc/callback/partner-sso", self.server.read_log())
        status = self.server.cli("status", check=True).stdout
        self.assertIn("Partner SSO=" + self.server.url +
                      "/oidc/callback/partner-sso", status)
        s, url = self.begin(msg_id, 0)
        back = self.back_at_portal(url)
        self.assertTrue(back.startswith(self.server.url +
                                        "/oidc/callback/honest?"), back)
        shared = back.replace("/oidc/callback/honest?", "/oidc/callback?")
        r = s.get(shared, allow_redirects=False, timeout=60)
        self.assertEqual(r.status_code, 400, r.text[:300])
        self.assertEqual(self.honest.redeemed, [])
        # Refused before the state was looked at: the sign-in finishes at
        # its own address.
        r = s.get(back, allow_redirects=False, timeout=60)
        self.assertEqual(r.status_code, 303, r.text[:300])
        self.assertIn(secret, s.get(self.server.url + "/m/" + msg_id,
                                    timeout=30).text)
        # A provider's address no provider has.
        r = s.get(self.server.url + "/oidc/callback/nobody",
                  params={"state": "x", "code": "y"},
                  allow_redirects=False, timeout=30)
        self.assertEqual(r.status_code, 400, r.text[:300])

    # RFC 9207: an authorization response names its issuer; one that names
    # another is refused, and so is one without it from a provider whose
    # discovery document says it always sends it. Neither code is redeemed.
    def test_an_authorization_response_from_another_issuer_is_refused(self):
        self.start(advertise_iss=True)
        msg_id, secret = self.protected()
        for iss, why in ((self.hostile.issuer, "another issuer"),
                         (None, "no issuer")):
            with self.subTest(why):
                self.honest.iss = iss
                s, url = self.begin(msg_id, 0)
                r = s.get(self.back_at_portal(url), allow_redirects=False,
                          timeout=60)
                self.assertEqual(r.status_code, 401, r.text[:300])
                self.assertIsNone(s.cookies.get("__Host-sp_s"))
                self.assertEqual(self.honest.redeemed, [])
        self.honest.iss = "own"
        s, url = self.begin(msg_id, 0)
        r = s.get(self.back_at_portal(url), allow_redirects=False,
                  timeout=60)
        self.assertEqual(r.status_code, 303, r.text[:300])
        self.assertIn(secret, s.get(self.server.url + "/m/" + msg_id,
                                    timeout=30).text)


if __name__ == "__main__":
    unittest.main()
