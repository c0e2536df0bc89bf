"""eDiscovery end to end (issue 15): protected mail sent with smtplib, with
a PDF attachment (written by hand here) and a docx (made with zipfile); a
member of the eDiscovery Manager group finds words that are only inside
them with `sealpost search`, exports with `sealpost search export` (the
manifest's SHA-256 checked with hashlib), and uses the portal's /search;
everyone else gets 403 (API, CLI, portal, the admin token too). `grep -r`
of the data directory finds no indexed word (the blind index keeps keyed
hashes only). `sealpost message shred` makes `sealpost open` and search
fail for good; revocation does not hide mail from eDiscovery. Mail a user
seals through the API (`sealpost protect`, in memory and spooled) and
mails past the gateway is exported too, from the server's copy.
"""
import base64
import collections
import email
import email.policy
import hashlib
import io
import json
import os
import re
import shutil
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import zipfile
from email.message import EmailMessage

import requests

sys.path.insert(0, os.path.dirname(__file__))
from smtp_testlib import DevServer, free_port, unique, wait_for  # noqa

GROUP = "eDiscovery Manager"


def word(prefix):
    return prefix + unique()  # letters and hex digits: one word


def minimal_pdf(text):
    """A one-page PDF 1.4 showing `text` (Helvetica), with a right xref."""
    stream = "BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        "/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        "<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = "%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects):
        offsets.append(len(out))
        out += "%d 0 obj\n%s\nendobj\n" % (i + 1, body)
    xref = len(out)
    out += "xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += "".join("%010d 00000 n \n" % o for o in offsets)
    out += ("trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, xref))
    return out.encode()


def minimal_docx(text):
    """A Word document: the parts Word needs, deflated, the word split
    across two runs as Word often writes it."""
    half = len(text) // 2
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"><Override '
                   'PartName="/word/document.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.wordprocessingml.'
                   'document.main+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        z.writestr("word/document.xml",
                   '<?xml version="1.0"?><w:document xmlns:w="http://schemas.'
                   'openxmlformats.org/wordprocessingml/2006/main"><w:body>'
                   '<w:p><w:r><w:t>Board minutes</w:t></w:r></w:p><w:p><w:r>'
                   '<w:t>%s</w:t></w:r><w:r><w:t>%s</w:t></w:r></w:p>'
                   '</w:body></w:document>' % (text[:half], text[half:]))
    return buf.getvalue()


class EDiscoveryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The next hop is down: wrappers stay queued (encrypted) and no
        # Maildir copy lands in the data directory, so `grep -r` sees only
        # what Sealpost keeps at rest.
        # search.index_at_protection is on by default: no reindex before
        # the searches below.
        cls.server = DevServer(
            args=["--next-hop", "127.0.0.1:%d" % free_port()])
        cls.server.cli("group", "add", GROUP, check=True)
        cls.server.cli("group", "member", "add", GROUP, "bob@example.com",
                       check=True)
        cls.pdf_word = word("pdfonly")
        cls.docx_word = word("docxonly")
        cls.text_word = word("textonly")
        cls.html_word = word("htmlonly")
        cls.subject_word = word("subjectonly")
        cls.name_word = word("nameonly")
        sent = []
        m = EmailMessage()
        m["From"], m["To"] = "alice@example.com", "carol@gmail.test"
        m["Subject"] = "[encrypt] Figures " + cls.subject_word
        m.set_content("See the attached figures.")
        m.add_attachment(minimal_pdf("Quarterly %s figures" % cls.pdf_word),
                         maintype="application", subtype="pdf",
                         filename="figures-%s.pdf" % cls.name_word)
        sent.append(m)
        m = EmailMessage()
        m["From"], m["To"] = "alice@example.com", "dave@gmail.test"
        m["Subject"] = "[encrypt] Minutes"
        m.set_content("Minutes attached.")
        m.add_attachment(
            minimal_docx(cls.docx_word), maintype="application",
            subtype="vnd.openxmlformats-officedocument.wordprocessingml."
                    "document", filename="minutes.docx")
        sent.append(m)
        m = EmailMessage()
        m["From"], m["To"] = "bob@example.com", "erin@gmail.test"
        m["Subject"] = "[encrypt] Lunch"
        m.set_content("Plain %s here." % cls.text_word)
        m.add_alternative("<p>Rich <b>%s</b> here<script>x</script></p>"
                          % cls.html_word, subtype="html")
        sent.append(m)
        with smtplib.SMTP(cls.server.smtp_host, cls.server.smtp_port) as c:
            for m in sent:
                c.send_message(m)
        cls.originals = [m.as_bytes() for m in sent]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    # ---- helpers ---------------------------------------------------------

    def password(self, user):
        return self.server.passwords()[user]

    def cli_as(self, user, *args):
        return self.server.cli_as(user, *args)

    def search(self, user, *args):
        r = self.cli_as(user, "search", "--json", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)["messages"]

    def found(self, *args):
        return self.search("bob@example.com", *args)

    def browser(self, user):
        s = requests.Session()
        s.trust_env = False
        s.verify = self.server.ca_cert
        page = s.get(self.server.url + "/signin", timeout=30)
        r = s.post(self.server.url + "/signin",
                   data={"csrf": self.csrf(page.text), "email": user,
                         "password": self.password(user), "next": "/sent"},
                   allow_redirects=False, timeout=30)
        self.assertEqual(r.status_code, 303, r.text[:500])
        return s

    @staticmethod
    def csrf(html):
        return re.search(r'name="csrf" value="([^"]+)"', html).group(1)

    def setUp(self):
        # Every message is protected and committed before 250: the three
        # are indexed as soon as they are listed.
        listed = wait_for(lambda: len(self.server_list()) >= 3 or None, 30)
        self.assertTrue(listed)

    def server_list(self):
        r = self.server.cli("message", "list", "--protected", "--json")
        return json.loads(r.stdout)["messages"] if r.returncode == 0 else []

    # ---- the proof -------------------------------------------------------

    def test_finds_a_word_only_inside_the_pdf(self):
        hits = self.found(self.pdf_word)
        self.assertEqual(len(hits), 1, hits)
        self.assertEqual(hits[0]["recipients"], ["carol@gmail.test"])
        self.assertEqual(hits[0]["subject"], "Figures " + self.subject_word)
        # Attachment names and subjects are indexed too; case folds.
        self.assertEqual(len(self.found(self.name_word.upper())), 1)
        self.assertEqual(len(self.found(self.subject_word)), 1)

    def test_finds_a_word_only_inside_the_docx(self):
        hits = self.found(self.docx_word)
        self.assertEqual(len(hits), 1, hits)
        self.assertEqual(hits[0]["recipients"], ["dave@gmail.test"])
        # Every word must match.
        self.assertEqual(self.found(self.docx_word, "board", "minutes")[0]
                         ["id"], hits[0]["id"])
        self.assertEqual(self.found(self.docx_word, self.pdf_word), [])

    def test_text_and_html_parts_and_filters(self):
        self.assertEqual(len(self.found(self.text_word)), 1)
        html = self.found(self.html_word)
        self.assertEqual(len(html), 1)
        self.assertEqual(html[0]["owner"], "bob@example.com")
        self.assertEqual(self.found(self.html_word, "--has-attachment"), [])
        self.assertEqual(len(self.found(self.pdf_word, "--has-attachment")),
                         1)
        self.assertEqual(self.found(self.pdf_word, "--from",
                                    "bob@example.com"), [])
        self.assertEqual(len(self.found(self.pdf_word, "--to", "carol")), 1)
        self.assertEqual(self.found(self.pdf_word, "--to", "dave"), [])
        self.assertEqual(self.found(self.pdf_word, "--after", "2999-01-01"),
                         [])
        self.assertEqual(len(self.found(self.pdf_word, "--before",
                                        "2999-01-01")), 1)
        self.assertEqual(len(self.found(self.pdf_word, "--template",
                                        "Encrypt")), 1)
        self.assertEqual(self.found("script"), [])  # HTML code is no text

    def test_outsiders_get_403(self):
        # A signed-in user outside the group (API and CLI).
        r = self.cli_as("alice@example.com", "search", self.pdf_word)
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertIn("not in the eDiscovery Manager group", r.stderr)
        s = requests.Session()
        s.trust_env = False
        tok = s.post(self.server.url + "/api/v1/auth/token",
                     json={"email": "alice@example.com",
                           "password": self.password("alice@example.com")},
                     verify=self.server.ca_cert, timeout=30).json()["token"]
        for token in [tok, self.server.token]:  # the admin token too
            r = s.post(self.server.url + "/api/v1/search",
                       json={"query": self.pdf_word},
                       headers={"Authorization": "Bearer " + token},
                       verify=self.server.ca_cert, timeout=30)
            self.assertEqual(r.status_code, 403, r.text)
            self.assertNotIn(self.subject_word, r.text)
            r = s.get(self.server.url + "/api/v1/search/messages/x",
                      headers={"Authorization": "Bearer " + token},
                      verify=self.server.ca_cert, timeout=30)
            self.assertEqual(r.status_code, 403, r.text)
        # The portal page: 403 for alice, no link in her header.
        alice = self.browser("alice@example.com")
        page = alice.get(self.server.url + "/search", timeout=30)
        self.assertEqual(page.status_code, 403)
        sent = alice.get(self.server.url + "/sent", timeout=30)
        self.assertNotIn('href="/search"', sent.text)
        r = alice.post(self.server.url + "/search",
                       data={"csrf": self.csrf(sent.text),
                             "query": self.pdf_word}, timeout=30)
        self.assertEqual(r.status_code, 403)
        self.assertNotIn(self.subject_word, r.text)

    def test_integers_past_64_bits_are_a_clear_400(self):
        """`after`, `before` and `limit` past what 64 bits hold: 400
        naming the field (was: 500, the number conversion threw)."""
        s = requests.Session()
        s.trust_env = False
        tok = s.post(self.server.url + "/api/v1/auth/token",
                     json={"email": "bob@example.com",
                           "password": self.password("bob@example.com")},
                     verify=self.server.ca_cert, timeout=30).json()["token"]

        def search(**fields):
            # Sent as text: Python's json writes big integers exactly.
            body = json.dumps(dict(query=self.pdf_word, **fields))
            return s.post(self.server.url + "/api/v1/search", data=body,
                          headers={"Authorization": "Bearer " + tok,
                                   "Content-Type": "application/json"},
                          verify=self.server.ca_cert, timeout=30)
        for field in ("after", "before", "limit"):
            for value in (2**64 - 1, 2**63, 2**70, -2**63 - 1, 1.5, "1"):
                with self.subTest(field=field, value=value):
                    r = search(**{field: value})
                    self.assertEqual(r.status_code, 400, r.text[:300])
                    error = r.json()["error"]
                    self.assertEqual(error["code"], "invalid_argument")
                    self.assertIn(field, error["message"])
        # The largest and smallest that fit are numbers like any other.
        self.assertEqual(len(search(before=2**63 - 1).json()["messages"]), 1)
        self.assertEqual(search(after=2**63 - 1).json()["messages"], [])
        self.assertEqual(len(search(after=-2**63).json()["messages"]), 1)

    def test_portal_search_for_a_member(self):
        bob = self.browser("bob@example.com")
        sent = bob.get(self.server.url + "/sent", timeout=30)
        self.assertIn('href="/search"', sent.text)  # linked from the header
        page = bob.get(self.server.url + "/search", timeout=30)
        self.assertEqual(page.status_code, 200)
        self.assertIn("default-src", page.headers["Content-Security-Policy"])
        r = bob.post(self.server.url + "/search",
                     data={"csrf": self.csrf(page.text),
                           "query": self.docx_word}, timeout=30)
        self.assertEqual(r.status_code, 200)
        self.assertIn("Minutes", r.text)
        self.assertIn("dave@gmail.test", r.text)
        # Without the CSRF token nothing is searched.
        r = bob.post(self.server.url + "/search",
                     data={"query": self.docx_word}, timeout=30)
        self.assertEqual(r.status_code, 403)
        self.assertNotIn("dave@gmail.test", r.text)

    def test_data_directory_holds_no_indexed_word(self):
        # The words were indexed (found above and here)...
        for w in [self.pdf_word, self.docx_word, self.text_word,
                  self.html_word, self.name_word]:
            self.assertEqual(len(self.found(w)), 1, w)
        # ... yet no file beside the database, nor the database, holds one.
        for w in [self.pdf_word, self.docx_word, self.text_word,
                  self.html_word, self.subject_word, self.name_word]:
            grep = subprocess.run(["grep", "-r", "-l", "-i", "-a", w,
                                   self.server.data_dir],
                                  capture_output=True)
            self.assertEqual(grep.returncode, 1, (w, grep.stdout))

    def test_export_writes_eml_mbox_and_a_manifest_that_matches(self):
        out = tempfile.mkdtemp(prefix="sealpost-export-")
        self.addCleanup(shutil.rmtree, out, True)
        r = self.cli_as("bob@example.com", "search", "export", "figures",
                        "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        manifest = json.load(open(os.path.join(out, "manifest.json")))
        self.assertEqual(manifest["messages"], 1)
        names = [f["file"] for f in manifest["files"]]
        self.assertIn("export.mbox", names)
        for f in manifest["files"]:
            data = open(os.path.join(out, f["file"]), "rb").read()
            self.assertEqual(hashlib.sha256(data).hexdigest(), f["sha256"])
            self.assertEqual(len(data), f["bytes"])
        check = subprocess.run(["sha256sum", "-c", "manifest.sha256"],
                               cwd=out, capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        eml = [n for n in names if n.endswith(".eml")][0]
        msg = email.message_from_bytes(
            open(os.path.join(out, eml), "rb").read(),
            policy=email.policy.default)
        pdf = [p for p in msg.iter_attachments()
               if p.get_content_type() == "application/pdf"][0]
        self.assertIn(self.pdf_word.encode(), pdf.get_content())
        mbox = open(os.path.join(out, "export.mbox"), "rb").read()
        self.assertTrue(mbox.startswith(b"From alice@example.com "))
        # Each release is audited as an eDiscovery key release.
        status = self.server.cli("message", "status", eml[:-4])
        self.assertIn("ediscovery.release", status.stdout)
        self.assertIn("export (eDiscovery)", status.stdout)
        # The admin's view of the message shows it; its sender's does not
        # (was: alice learnt that bob exported her message).
        admin = self.events(eml[:-4], self.server.token)
        self.assertIn("ediscovery.release", [e["action"] for e in admin])
        owner = self.events(eml[:-4], self.token_of("alice@example.com"))
        self.assertEqual([e for e in owner
                          if e["action"].startswith(("ediscovery.",
                                                     "journal."))], [])

    def test_legal_hold_revoked_mail_is_still_found(self):
        hits = self.found(self.text_word)
        r = self.server.cli("message", "revoke", hits[0]["id"])
        self.assertEqual(r.returncode, 0, r.stderr)
        again = self.found(self.text_word)
        self.assertEqual(again[0]["state"], "revoked")
        self.assertEqual(again[0]["id"], hits[0]["id"])

    def test_shred_makes_open_and_search_fail(self):
        secret = word("shredme")
        with smtplib.SMTP(self.server.smtp_host, self.server.smtp_port) as c:
            c.sendmail("alice@example.com", ["frank@gmail.test"],
                       ("From: alice@example.com\r\nTo: frank@gmail.test\r\n"
                        "Subject: [encrypt] Gone\r\n\r\n%s\r\n" % secret)
                       .encode())
        hits = wait_for(lambda: self.found(secret) or None, 30)
        self.assertTrue(hits)
        mid = hits[0]["id"]
        sealed = os.path.join(tempfile.mkdtemp(prefix="sealpost-shred-"),
                              "message.sealed")
        self.addCleanup(shutil.rmtree, os.path.dirname(sealed), True)
        r = subprocess.run(
            ["curl", "-sS", "--fail", "--cacert", self.server.ca_cert,
             "-H", "Authorization: Bearer " + self.token_of("alice@example.com"),
             "-o", sealed, self.server.url + "/api/v1/protected/%s/sealed"
             % mid], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        opened = self.cli_as("alice@example.com", "open", sealed)
        self.assertEqual(opened.returncode, 0, opened.stderr)
        self.assertIn(secret, opened.stdout)

        r = self.cli_as("bob@example.com", "message", "shred", mid)
        self.assertNotEqual(r.returncode, 0)  # admin only
        r = self.server.cli("message", "shred", mid)
        self.assertEqual(r.returncode, 0, r.stderr)

        opened = self.cli_as("alice@example.com", "open", sealed)
        self.assertEqual(opened.returncode, 2, opened.stdout)
        self.assertNotIn(secret, opened.stdout)
        self.assertEqual(self.found(secret), [])
        r = self.cli_as("bob@example.com", "search", "export", secret,
                        "--out", os.path.join(os.path.dirname(sealed), "x"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Exported 0", r.stdout)
        audit = self.server.cli("message", "status", mid)
        self.assertNotEqual(audit.returncode, 0)  # no record left
        self.assertEqual(self.server.cli("message", "shred", mid).returncode,
                         2)

    def api(self, method, path, token, **kw):
        return requests.request(method, self.server.url + path,
                                headers={"Authorization": "Bearer " + token},
                                verify=self.server.ca_cert, timeout=60, **kw)

    def mail_to_bob(self, secret):
        """alice's [encrypt] mail to bob holding `secret`: its id, found by
        eDiscovery, and its container, read by its owner."""
        with smtplib.SMTP(self.server.smtp_host, self.server.smtp_port) as c:
            c.sendmail("alice@example.com", ["bob@example.com"],
                       ("From: alice@example.com\r\nTo: bob@example.com\r\n"
                        "Subject: [encrypt] Plans\r\n\r\nThe %s plan.\r\n"
                        % secret).encode())
        hits = wait_for(lambda: self.found(secret) or None, 30)
        self.assertTrue(hits)
        mid = hits[0]["id"]
        r = self.api("GET", "/api/v1/protected/%s/sealed" % mid,
                     self.token_of("alice@example.com"))
        self.assertEqual(r.status_code, 200, r.text[:300])
        return mid, r.content

    def test_a_racing_expiry_never_brings_a_shredded_message_back(self):
        """The sender's expire calls running while the admin shreds: each
        one either lands before the shred or finds nothing (404), and the
        message stays gone: no record, no key for its recipient (was: an
        expire that read the record before the shred wrote it back after
        it, an insert, and POST /api/v1/licenses gave bob the content key
        again)."""
        alice = self.token_of("alice@example.com")
        bob = self.token_of("bob@example.com")
        for _ in range(3):
            mid, container = self.mail_to_bob(word("raced"))
            header = {"header": base64.b64encode(container).decode()}
            r = self.api("POST", "/api/v1/licenses", bob, json=header)
            self.assertEqual(r.status_code, 200, r.text[:300])
            stop = threading.Event()
            answers = []

            def expire():
                s = requests.Session()
                s.trust_env = False
                s.verify = self.server.ca_cert
                while not stop.is_set():
                    r = s.post(self.server.url +
                               "/api/v1/protected/%s/expire" % mid,
                               headers={"Authorization": "Bearer " + alice},
                               json={"expires_at": int(time.time()) + 86400},
                               timeout=60)
                    answers.append(r.status_code)
            threads = [threading.Thread(target=expire) for _ in range(8)]
            for t in threads:
                t.start()
            time.sleep(0.3)
            r = self.api("POST", "/api/v1/protected/%s/shred" % mid,
                         self.server.token)
            self.assertEqual(r.status_code, 200, r.text[:300])
            time.sleep(0.5)
            stop.set()
            for t in threads:
                t.join()
            r = self.api("GET", "/api/v1/protected/" + mid, self.server.token)
            self.assertEqual(r.status_code, 404, r.text[:300])
            r = self.api("POST", "/api/v1/licenses", bob, json=header)
            self.assertIn(r.status_code, (403, 404), r.text[:300])
            self.assertNotIn("content_key", r.text)
            # Before the shred they landed, after it they found nothing.
            counted = collections.Counter(answers)
            self.assertEqual(set(counted), {200, 404}, counted)

    def test_shred_takes_the_forwards_made_in_the_portal(self):
        """bob forwards alice's message from the portal (the original's text
        quoted in it); shredding the original takes the forward too: its
        record, server copy and index terms (was: eDiscovery still found
        the forward and exported the original's text from it)."""
        secret = word("forwarded")
        mid, _ = self.mail_to_bob(secret)
        bob = self.browser("bob@example.com")
        form = bob.get(self.server.url + "/m/%s/forward" % mid, timeout=30)
        self.assertEqual(form.status_code, 200, form.text[:300])
        r = bob.post(self.server.url + "/m/%s/forward" % mid,
                     data={"csrf": self.csrf(form.text),
                           "to": "frank@gmail.test", "subject": "Fw: Plans",
                           "text": "See below.\n> The %s plan." % secret},
                     timeout=60)
        self.assertEqual(r.status_code, 200, r.text[:300])
        hits = wait_for(lambda: len(self.found(secret)) == 2 or None, 30)
        self.assertTrue(hits, self.found(secret))
        fwd = [h["id"] for h in self.found(secret) if h["id"] != mid][0]
        bob_token = self.token_of("bob@example.com")
        r = self.api("GET", "/api/v1/search/messages/" + fwd, bob_token)
        self.assertEqual(r.status_code, 200, r.text[:300])
        self.assertIn(secret.encode(), r.content)

        shredded = self.server.cli("message", "shred", mid)
        self.assertEqual(shredded.returncode, 0, shredded.stderr)
        self.assertEqual(self.found(secret), [])
        r = self.api("GET", "/api/v1/search/messages/" + fwd, bob_token)
        self.assertEqual(r.status_code, 404, r.text[:300])
        self.assertNotIn(secret.encode(), r.content)
        for gone in (mid, fwd):
            r = self.api("GET", "/api/v1/protected/" + gone,
                         self.server.token)
            self.assertEqual(r.status_code, 404, gone)
        # The answer says what went with it (the API's `also_shredded`).
        self.assertEqual(shredded.stdout.strip(),
                         "Shredded %s and the 1 message made of it "
                         "(forwards, sealed copies)" % mid)

    def events(self, message_id, token):
        """The audit events GET /api/v1/protected/ID shows `token`."""
        r = requests.get(self.server.url + "/api/v1/protected/" + message_id,
                         headers={"Authorization": "Bearer " + token},
                         verify=self.server.ca_cert, timeout=30)
        self.assertEqual(r.status_code, 200, r.text)
        return r.json()["events"]

    def exports(self, message_id):
        """How many times the message was exported or downloaded."""
        return len([e for e in self.events(message_id, self.server.token)
                    if e["action"] == "ediscovery.release" and
                    e["detail"] == "export (eDiscovery)"])

    def test_portal_download_is_a_posted_form(self):
        """A download decrypts a message and records an export in the
        member's name: it is a form posted with the results page's CSRF
        token, so no link starts one (was: a GET, started by a link on
        another site, by the sign-in page's `next`, or by a link in a
        message the portal showed)."""
        mid = self.found(self.docx_word)[0]["id"]
        bob = self.browser("bob@example.com")
        url = self.server.url + "/search/messages/" + mid
        before = self.exports(mid)
        # A link, however it is followed: nothing is released.
        for headers in [{"Sec-Fetch-Site": "cross-site"},
                        {"Sec-Fetch-Site": "same-origin"}, {}]:
            r = bob.get(url, headers=headers, allow_redirects=False,
                        timeout=30)
            self.assertNotEqual(r.status_code, 200, headers)
            self.assertNotIn(b"Minutes attached", r.content)
        # The sign-in page's `next` names it: signed in, still nothing.
        s = requests.Session()
        s.trust_env = False
        s.verify = self.server.ca_cert
        page = s.get(self.server.url + "/signin", timeout=30)
        r = s.post(self.server.url + "/signin",
                   data={"csrf": self.csrf(page.text),
                         "email": "bob@example.com",
                         "password": self.password("bob@example.com"),
                         "next": "/search/messages/" + mid}, timeout=30)
        self.assertNotIn(b"Minutes attached", r.content)
        # A post without the page's token is refused.
        r = bob.post(url, data={"csrf": "not-the-token"},
                     allow_redirects=False, timeout=30)
        self.assertEqual(r.status_code, 403, r.text[:300])
        self.assertNotIn(b"Minutes attached", r.content)
        self.assertEqual(self.exports(mid), before)  # nothing released
        # The results page's button downloads it, audited.
        page = bob.get(self.server.url + "/search", timeout=30)
        results = bob.post(self.server.url + "/search",
                           data={"csrf": self.csrf(page.text),
                                 "query": self.docx_word}, timeout=30)
        row = re.search(r'<form method="post" action="/search/messages/%s">'
                        r'<input type="hidden" name="csrf" value="([^"]+)"'
                        % mid, results.text)
        self.assertTrue(row, "no download form for " + mid)
        r = bob.post(url, data={"csrf": row.group(1)},
                     allow_redirects=False, timeout=30)
        self.assertEqual(r.status_code, 200, r.text[:300])
        self.assertTrue(r.headers["Content-Type"].startswith(
            "message/rfc822"), r.headers["Content-Type"])
        self.assertIn(b"Minutes attached.", r.content)
        self.assertEqual(self.exports(mid), before + 1)

    def token_of(self, user):
        r = requests.post(self.server.url + "/api/v1/auth/token",
                          json={"email": user,
                                "password": self.password(user)},
                          verify=self.server.ca_cert, timeout=30)
        return r.json()["token"]

    def protect_through_the_api(self, secret, size=0):
        """`sealpost protect` as alice of a message holding `secret` (CRLF
        line ends, padded to `size` bytes), the wrapper written to a file
        and never mailed through the gateway: the attack of a user who
        seals content and mails the container past journal and
        eDiscovery. Returns the message's id and the bytes sent."""
        head = ("From: alice@example.com\r\nTo: frank@gmail.test\r\n"
                "Subject: Board pack\r\n\r\nThe %s numbers.\r\n" % secret)
        raw = head.encode()
        line = b"Appendix: row after row of tables.\r\n"
        if size > len(raw):
            raw += line * ((size - len(raw)) // len(line) + 1)
        d = tempfile.mkdtemp(prefix="sealpost-api-")
        self.addCleanup(shutil.rmtree, d, True)
        src = os.path.join(d, "m.eml")
        with open(src, "wb") as f:
            f.write(raw)
        r = self.cli_as("alice@example.com", "protect", src, "--template",
                        "Encrypt", "--to", "frank@gmail.test", "--out",
                        src + ".out")
        self.assertEqual(r.returncode, 0, r.stderr)
        mid = re.search(r"Protected as (\S+) with template", r.stderr)
        self.assertTrue(mid, r.stderr)
        return mid.group(1), raw

    def export_of(self, word_):
        """`sealpost search export WORD` as bob: the .eml files by id."""
        out = tempfile.mkdtemp(prefix="sealpost-export-")
        self.addCleanup(shutil.rmtree, out, True)
        r = self.cli_as("bob@example.com", "search", "export", word_,
                        "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        return {n[:-4]: open(os.path.join(out, n), "rb").read()
                for n in os.listdir(out) if n.endswith(".eml")}

    def body_file(self, message_id):
        """The server's copy's body file (SQLite: beside the database)."""
        return os.path.join(self.server.data_dir, "sealpost.db-bodies",
                            "p-" + message_id.encode().hex())

    def test_mail_sealed_through_the_api_is_found_and_exported(self):
        """Sealed in memory (under server.max_request_bytes): found without
        a reindex, and exported as it was sent (was: found, then `404 the
        server keeps no copy ... sealed through the API`)."""
        w = word("apionly")
        mid, raw = self.protect_through_the_api(w)
        hits = self.found(w)
        self.assertEqual(len(hits), 1, hits)
        self.assertEqual(hits[0]["id"], mid)
        self.assertEqual(hits[0]["owner"], "alice@example.com")
        # Hashed and sealed, never kept as the word.
        grep = subprocess.run(["grep", "-r", "-l", "-a", w,
                               self.server.data_dir], capture_output=True)
        self.assertEqual(grep.returncode, 1, grep.stdout)
        # The compliance officer gets the plaintext, byte for byte, and the
        # release is audited.
        self.assertEqual(self.export_of(w), {mid: raw})
        self.assertEqual(self.exports(mid), 1)

    def test_large_mail_sealed_through_the_api_is_exported_until_shredded(
            self):
        """Over server.max_request_bytes (1 MiB): spooled by the server and
        sealed a slice at a time into the server's copy (a body file), which
        export reads and shredding removes."""
        w = word("apispooled")
        mid, raw = self.protect_through_the_api(w, size=2 << 20)
        self.assertGreater(len(raw), 1 << 20)
        hits = self.found(w)
        self.assertEqual([h["id"] for h in hits], [mid])
        self.assertTrue(os.path.exists(self.body_file(mid)))
        grep = subprocess.run(["grep", "-r", "-l", "-a", w,
                               self.server.data_dir], capture_output=True)
        self.assertEqual(grep.returncode, 1, grep.stdout)
        exported = self.export_of(w)
        self.assertEqual(list(exported), [mid])
        self.assertEqual(hashlib.sha256(exported[mid]).hexdigest(),
                         hashlib.sha256(raw).hexdigest())
        # The same rules as the gateway's copies: shredding takes it.
        r = self.server.cli("message", "shred", mid)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(self.body_file(mid)))
        self.assertEqual(self.export_of(w), {})

    def test_reindex_rebuilds_with_progress(self):
        r = self.server.cli("search", "reindex")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r"reindex: \d+/\d+ messages")
        self.assertEqual(len(self.found(self.pdf_word)), 1)
        self.assertEqual(len(self.found(self.docx_word)), 1)


if __name__ == "__main__":
    unittest.main()
