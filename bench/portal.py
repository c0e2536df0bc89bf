#!/usr/bin/env python3
"""Portal benchmark (SPEC §5): the message page of a protected 4 KB message,
signed in, over TLS keep-alive with wrk, against nginx serving a static page
of the same size with the same certificate, in one run. Target: sealpost at
least 50% of nginx's requests per second.

Every sealpost request is a full open: session lookup, license request
(rights, expiry, revocation; audited), container verification and
decryption, MIME parsing and page rendering. nginx sends a file from the
page cache with access_log off.

Then the sender's /sent page with 100,000 protected messages in the store
(seeded straight into SQLite while the server is stopped: copies of one
real message's record, its sealed subject included, so every row costs a
real decryption attempt and its audit lookup). Target: the first page
under 50 ms at p99.

With --first-open, only the first-open column (every request a full
license request) against nginx; --baseline BINARY measures that binary's
first open too, in the same run, on a server of its own (old against new);
--connections 1,16,64 sets the connection counts (default 1,16).

Usage: bench/portal.py [--quick] [--sent-only] [--first-open]
                       [--baseline BINARY] [--connections N,N...]
       (SEALPOST_BINARY: default build/sealpost)
"""

import email
import http.cookiejar
import json
import secrets
import sqlite3
import os
import re
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
os.environ.setdefault("SEALPOST_BINARY", os.path.join(ROOT, "build",
                                                      "sealpost"))

import smtp_testlib  # noqa: E402
from smtp_testlib import DevServer, wait_for  # noqa: E402
from usage import check_args  # noqa: E402

ARGS = check_args(__doc__, flags=("--quick", "--sent-only", "--first-open"),
                  options=("--baseline", "--connections"))
QUICK = ARGS.flag("--quick")
SENT_ONLY = ARGS.flag("--sent-only")
FIRST_OPEN = ARGS.flag("--first-open")
BASELINE = ARGS.value("--baseline")
SENT_MESSAGES = 100_000
DURATION = 4 if QUICK else 8
CONNECTIONS = [int(c) for c in ARGS.value("--connections", "1,16").split(",")]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def protected_message_id(server):
    """Sends a 4 KB [encrypt] mail from alice to bob; returns its id."""
    token = "bench%d" % time.time_ns()
    body = ("Portal benchmark %s.\n" % token) + ("lorem ipsum dolor " * 230)
    raw = ("From: alice@example.com\r\nTo: bob@example.com\r\n"
           "Subject: [encrypt] %s\r\nMIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n"
           % (token, body)).replace("\r\n", "\n").replace("\n", "\r\n")
    with smtplib.SMTP(server.smtp_host, server.smtp_port) as s:
        s.sendmail("alice@example.com", ["bob@example.com"], raw.encode())

    def find():
        for sub in ("new", "cur"):
            d = os.path.join(server.mailbox, sub)
            for name in os.listdir(d) if os.path.isdir(d) else []:
                with open(os.path.join(d, name), "rb") as f:
                    msg = email.message_from_bytes(f.read())
                h = msg.get("X-Sealpost-Protected", "")
                if token in msg.get("Subject", "") and "id=" in h:
                    return re.search(r"id=([0-9a-f]+)", h).group(1)
        return None
    return wait_for(find, 30)


def sign_in(server, email_addr, password):
    """Signs in at /signin like a browser; returns the Cookie header."""
    ctx = ssl.create_default_context(cafile=server.ca_cert)
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=ctx),
        urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(server.url + "/signin").read().decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf": csrf, "email": email_addr,
                                   "password": password,
                                   "next": "/sent"}).encode()
    opener.open(server.url + "/signin", form).read()
    return "; ".join("%s=%s" % (c.name, c.value) for c in jar), opener


# A different query string on every request: each one misses the view
# cache, so each is a full license request, decryption and rendering.
COLD_LUA = """
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, wrk.path .. "?cold=" .. n .. "-" .. math.random(1e9))
end
"""


def wrk(url, cookie, connections, script=None):
    cmd = ["wrk", "-t", "2" if connections > 1 else "1", "-c",
           str(connections), "-d", "%ds" % DURATION, "--latency", url]
    if script:
        cmd[1:1] = ["-s", script]
    if cookie:
        cmd[1:1] = ["-H", "Cookie: " + cookie]
    out = subprocess.run(cmd, capture_output=True, text=True,
                         check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: .*", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    p99_ms = float(p99.group(1)) * scale[p99.group(2)] if p99 else 0.0
    if bad or errors:
        raise RuntimeError("wrk saw failures for %s:\n%s" % (url, out))
    return rps, p99_ms


def start_nginx(workdir, port, cert, key, page):
    os.makedirs(os.path.join(workdir, "www"), exist_ok=True)
    with open(os.path.join(workdir, "www", "page.html"), "wb") as f:
        f.write(page)
    conf = os.path.join(workdir, "nginx.conf")
    with open(conf, "w") as f:
        f.write("""
worker_processes 2;
pid %(d)s/nginx.pid;
error_log %(d)s/error.log;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path %(d)s; proxy_temp_path %(d)s;
  fastcgi_temp_path %(d)s; uwsgi_temp_path %(d)s; scgi_temp_path %(d)s;
  server {
    listen 127.0.0.1:%(port)d ssl;
    ssl_certificate %(cert)s;
    ssl_certificate_key %(key)s;
    ssl_protocols TLSv1.2 TLSv1.3;
    root %(d)s/www;
    add_header Cache-Control no-store;
  }
}
""" % {"d": workdir, "port": port, "cert": cert, "key": key})
    proc = subprocess.Popen(["nginx", "-c", conf, "-p", workdir],
                            stderr=subprocess.PIPE)

    def up():
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            return False
    if not wait_for(up, 10):
        proc.kill()
        raise RuntimeError("nginx did not start: " +
                           proc.stderr.read().decode())
    return proc


def dev_users(server):
    with open(os.path.join(server.data_dir, "dev.json")) as f:
        return {u["email"]: u["password"] for u in json.load(f)["users"]}


def seed_sent(server, mid, count):
    """Stops the server, copies message `mid`'s record `count` times for
    its owner, with copies of its audit records (as many as the real
    message has, its open by bob among them), in one transaction; starts
    the server again. The audit table then holds what a store with that
    many messages holds, so a lookup that scans it costs what it would."""
    server.stop()
    db = sqlite3.connect(os.path.join(server.data_dir, "sealpost.db"))
    cols = ("id, owner, template_id, recipients_json, grants_json, "
            "created_at, expires_at, revoked_at, revoked_by, branding, "
            "parent_id, subject_sealed")
    row = db.execute("SELECT %s FROM protected_messages WHERE id = ?"
                     % cols, (mid,)).fetchone()
    audit_cols = "at, actor, action, object, result, detail, device, sign_in"
    audit = db.execute("SELECT %s FROM audit WHERE object = ? ORDER BY id"
                       % audit_cols, (mid,)).fetchall()
    now = int(time.time())
    rows = []
    audit_rows = []
    for i in range(count):
        r = list(row)
        r[0] = secrets.token_hex(16)
        r[5] = now - 365 * 86400 + i * (365 * 86400 // count)
        rows.append(r)
        for a in audit:
            a = list(a)
            a[0] = r[5]
            a[3] = r[0]
            audit_rows.append(a)
    with db:
        db.executemany("INSERT INTO protected_messages (%s) VALUES (%s)"
                       % (cols, ", ".join("?" * 12)), rows)
        db.executemany("INSERT INTO audit (%s) VALUES (%s)"
                       % (audit_cols, ", ".join("?" * 8)), audit_rows)
    print("Seeded %d messages and %d audit records." % (count,
                                                         len(audit_rows)))
    db.close()
    server.start()


def server_cpu_seconds(server):
    """User and system CPU the server process has used so far."""
    with open("/proc/%d/stat" % server.proc.pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_sent(server, mid):
    started = time.time()
    seed_sent(server, mid, SENT_MESSAGES)
    seeded = time.time() - started
    cookie, opener = sign_in(server, "alice@example.com",
                             dev_users(server)["alice@example.com"])
    url = server.url + "/sent"
    timed = time.monotonic()
    page = opener.open(url).read().decode()
    first_ms = (time.monotonic() - timed) * 1000
    rows = page.count("<tr data-id=")
    assert rows == 50, "the first page has %d rows" % rows
    print("/sent with %d protected messages of one sender (seeded in %.1f "
          "s), wrk %d s per case, 1 connection:" % (SENT_MESSAGES + 1,
                                                   seeded, DURATION))
    print("The first request for the first page took %.0f ms." % first_ms)
    print()
    print("| Page | req/s | p99 | server CPU per request |")
    print("|---|---:|---:|---:|")
    year_ago = time.strftime("%Y-%m-%d", time.gmtime(time.time() -
                                                     200 * 86400))
    for name, target in (("first page", url),
                         ("first page, Sent until 200 days ago",
                          url + "?until=" + year_ago),
                         ("first page, recipient filter",
                          url + "?to=bob%40example")):
        cpu = server_cpu_seconds(server)
        rps, p99 = wrk(target, cookie, 1)
        per_request = ((server_cpu_seconds(server) - cpu) /
                       max(rps * DURATION, 1))
        print("| %s | %.0f | %.1f ms | %.1f ms |"
              % (name, rps, p99, per_request * 1000))
    print()
    print("Target: the first page under 50 ms at p99. Load average while "
          "measuring: %.1f on %d cores (the CPU column does not depend on "
          "it)." % (os.getloadavg()[0], os.cpu_count()))


def message_page(server):
    """A protected message for bob on `server`: (URL, bob's Cookie header,
    the page)."""
    mid = protected_message_id(server)
    cookie, opener = sign_in(server, "bob@example.com",
                             dev_users(server)["bob@example.com"])
    url = "%s/m/%s" % (server.url, mid)
    page = opener.open(url).read()
    assert b"Portal benchmark" in page, "the message page did not open"
    return url, cookie, page


def first_open_only():
    """The first-open column against nginx, and against the --baseline
    binary's when given (each server with its own data directory)."""
    servers = {"new": DevServer()}
    nginx = None
    try:
        if BASELINE:
            current = smtp_testlib.BINARY
            smtp_testlib.BINARY = BASELINE
            try:
                servers["old"] = DevServer()
            finally:
                smtp_testlib.BINARY = current
        pages = {k: message_page(s) for k, s in servers.items()}
        work = tempfile.mkdtemp(prefix="sealpost-nginx-")
        port = free_port()
        new = servers["new"]
        nginx = start_nginx(work, port,
                            os.path.join(new.data_dir, "server.pem"),
                            os.path.join(new.data_dir, "server.key"),
                            pages["new"][2])
        static = "https://127.0.0.1:%d/page.html" % port
        lua = os.path.join(work, "cold.lua")
        with open(lua, "w") as f:
            f.write(COLD_LUA)
        print("First open of the portal message page (%d bytes), every "
              "request a full license request, over TLS keep-alive, wrk %d s "
              "per case, same run (load average %.1f on %d cores):"
              % (len(pages["new"][2]), DURATION, os.getloadavg()[0],
                 os.cpu_count()))
        print()
        head = "| Connections | nginx req/s |"
        rule = "|---:|---:|"
        for k in servers:
            head += " %s req/s | p99 | / nginx | CPU per request |" % k
            rule += "---:|---:|---:|---:|"
        print(head)
        print(rule)
        for c in CONNECTIONS:
            n_rps, _ = wrk(static, None, c)
            row = "| %d | %.0f |" % (c, n_rps)
            for k, server in servers.items():
                url, cookie, _ = pages[k]
                cpu = server_cpu_seconds(server)
                rps, p99 = wrk(url, cookie, c, lua)
                per_request = ((server_cpu_seconds(server) - cpu) /
                               max(rps * DURATION, 1))
                row += " %.0f | %.1f ms | %.3f | %.2f ms |" % (
                    rps, p99, rps / n_rps, per_request * 1000)
            print(row, flush=True)
        print()
        print("Target: first open >= 0.25 of nginx. Load average after the "
              "run: %.1f. CPU per request is the server's user and system "
              "time over the requests it answered (it depends little on the "
              "load)." % os.getloadavg()[0])
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait()
        for s in servers.values():
            s.stop()


def main():
    if FIRST_OPEN:
        first_open_only()
        return
    server = DevServer()
    nginx = None
    try:
        mid = protected_message_id(server)
        if SENT_ONLY:
            bench_sent(server, mid)
            return
        users = dev_users(server)
        cookie, opener = sign_in(server, "bob@example.com",
                                 users["bob@example.com"])
        url = "%s/m/%s" % (server.url, mid)
        page = opener.open(url).read()
        assert b"Portal benchmark" in page, "the message page did not open"
        work = tempfile.mkdtemp(prefix="sealpost-nginx-")
        port = free_port()
        nginx = start_nginx(work, port,
                            os.path.join(server.data_dir, "server.pem"),
                            os.path.join(server.data_dir, "server.key"), page)
        static = "https://127.0.0.1:%d/page.html" % port
        print("Portal message page (%d bytes) over TLS keep-alive, wrk %d s "
              "per case, same run:" % (len(page), DURATION))
        print()
        lua = os.path.join(work, "cold.lua")
        with open(lua, "w") as f:
            f.write(COLD_LUA)
        print("| Connections | sealpost req/s | p99 | nginx req/s | p99 "
              "| sealpost / nginx | every request a new license "
              "request: req/s | p99 | / nginx |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for c in CONNECTIONS:
            s_rps, s_p99 = wrk(url, cookie, c)
            n_rps, n_p99 = wrk(static, None, c)
            c_rps, c_p99 = wrk(url, cookie, c, lua)
            print("| %d | %.0f | %.1f ms | %.0f | %.1f ms | %.2f | %.0f | "
                  "%.1f ms | %.2f |"
                  % (c, s_rps, s_p99, n_rps, n_p99, s_rps / n_rps, c_rps,
                     c_p99, c_rps / n_rps))
        print()
        print("Target: sealpost / nginx >= 0.50 (SPEC §5). The first columns "
              "are a reader's repeated views (the use license cached for at "
              "most 30 s, each view still logged); the last ones force a full "
              "license request, decryption and rendering per request.")
        print()
        bench_sent(server, mid)
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait()
        server.stop()


if __name__ == "__main__":
    main()
