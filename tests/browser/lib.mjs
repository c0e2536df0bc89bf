// Shared by the browser tests: a real `sealpost server -dev` on free ports,
// mail sent with Python's smtplib, the dev Maildir read from disk, the CLI,
// and Debian's Chromium through playwright-core.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { chromium } from 'playwright-core';

export const BINARY = process.env.SEALPOST_BINARY ?? join(import.meta.dirname, '../../build/sealpost');
export const ARTIFACTS = process.env.SEALPOST_ARTIFACTS ?? join(import.meta.dirname, '../../build/test-artifacts');

// A line on stderr with the seconds since this file started: the test
// runner shows it as a diagnostic, so a failed or timed-out run in CI says
// which step it reached (ctest prints the output of failed tests only).
const started = Date.now();
export function progress(what) {
  console.error(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${what}`);
}

// `promise`, or an error naming `what` after `ms`.
export function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function waitFor(fn, { timeout = 30000, interval = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(interval);
  }
}

export class DevServer {
  constructor({ args = [], env = {}, httpsListen = '127.0.0.1:0' } = {}) {
    this.dataDir = mkdtempSync(join(tmpdir(), 'sealpost-portal-'));
    this.args = args;
    this.env = env;
    this.httpsListen = httpsListen;
  }

  async start() {
    const logPath = this.dataDir + '.log';
    this.log = logPath;
    const { openSync } = await import('node:fs');
    const fd = openSync(logPath, 'a');
    this.proc = spawn(BINARY, ['server', '-dev', '--data-dir', this.dataDir,
      '--https-listen', this.httpsListen, '--smtp-listen', '127.0.0.1:0', ...this.args],
    { stdio: ['ignore', fd, fd], env: { ...process.env, ...this.env } });
    this.info = await waitFor(() => {
      if (this.proc.exitCode !== null) throw new Error('sealpost exited: ' + readFileSync(logPath, 'utf8'));
      try {
        const info = JSON.parse(readFileSync(join(this.dataDir, 'dev.json'), 'utf8'));
        return info.pid === this.proc.pid ? info : null;
      } catch { return null; }
    }, { what: 'dev.json' });
    this.url = this.info.url;
    [this.smtpHost, this.smtpPort] = [this.info.smtp.split(':')[0], Number(this.info.smtp.split(':')[1])];
    this.mailbox = this.info.mailbox;
    this.users = Object.fromEntries(this.info.users.map((u) => [u.email, u.password]));
    progress(`sealpost started: ${this.url}, SMTP ${this.info.smtp}`);
    return this;
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null) {
      this.proc.kill('SIGTERM');
      await waitFor(() => this.proc.exitCode !== null, { timeout: 20000, what: 'server exit' }).catch(() => this.proc.kill('SIGKILL'));
    }
    rmSync(this.dataDir, { recursive: true, force: true });
    rmSync(this.dataDir + '.log', { force: true });
  }

  logText() { return existsSync(this.log) ? readFileSync(this.log, 'utf8') : ''; }

  // `sealpost <args>` against this server; returns {status, stdout, stderr}.
  cli(args, { input, user, env = {} } = {}) {
    const r = spawnSync(BINARY, args, {
      input,
      env: {
        ...process.env,
        SEALPOST_ADDR: this.url, SEALPOST_TOKEN: this.info.admin_token,
        SEALPOST_CACERT: this.info.ca_cert,
        ...(user ? { SEALPOST_PASSWORD: this.users[user] } : {}), ...env,
      },
      maxBuffer: 64 << 20,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
  }

  // Sends `message` (RFC 5322 text) with Python's smtplib.
  sendMail(from, to, message) {
    const py = `
import smtplib, sys, json
a = json.loads(sys.argv[1])
with smtplib.SMTP(a["host"], a["port"], timeout=30) as s:
    s.sendmail(a["from"], a["to"], sys.stdin.buffer.read())
`;
    const r = spawnSync('python3', ['-c', py, JSON.stringify({ host: this.smtpHost, port: this.smtpPort, from, to })],
      { input: message.replace(/\r?\n/g, '\r\n') });
    if (r.status !== 0) throw new Error('smtplib: ' + r.stderr.toString());
  }

  // Delivered mail, oldest first: [{name, text}].
  mails() {
    const out = [];
    for (const sub of ['new', 'cur']) {
      const dir = join(this.mailbox, sub);
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        out.push({ name, mtime: statSync(p).mtimeMs, text: readFileSync(p, 'latin1') });
      }
    }
    return out.sort((a, b) => a.mtime - b.mtime);
  }

  // Waits for a delivered mail whose text matches every predicate.
  async waitForMail(pred, what = 'a delivered mail', skip = new Set()) {
    return waitFor(() => this.mails().find((m) => !skip.has(m.name) && pred(m)), { what, timeout: 30000 });
  }
}

// The text of a mail's text/plain parts, decoded by Python's email package
// (wrappers are base64, passcode mails quoted-printable).
export function decodedText(raw) {
  const py = `
import sys, email, email.policy
m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)
for part in m.walk():
    if part.get_content_type() == "text/plain" and not part.is_attachment():
        sys.stdout.write(part.get_content())
`;
  const r = spawnSync('python3', ['-c', py], { input: Buffer.from(raw, 'latin1') });
  if (r.status !== 0) throw new Error('decoding mail: ' + r.stderr.toString());
  return r.stdout.toString();
}

// The portal link of a wrapper mail ("https://…/m/<id>").
export function portalLink(mailText) {
  const m = decodedText(mailText).match(/https:\/\/[^\s"<>]+\/m\/[0-9a-f]+/);
  if (!m) throw new Error('no portal link in mail');
  return m[0];
}

// The 8-digit code and reference of a passcode mail.
export function passcodeOf(raw) {
  const mailText = decodedText(raw);
  const code = mailText.match(/^\s*(\d{8})\s*$/m);
  const ref = mailText.match(/Reference: ([A-Z0-9]{4})/);
  if (!code || !ref) throw new Error('no passcode in mail:\n' + mailText);
  return { code: code[1], reference: ref[1] };
}

export function chromiumPath() {
  for (const p of [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (p && existsSync(p)) return p;
  }
  throw new Error('Chromium not found: scripts/install-test-deps installs Debian\'s chromium');
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

// The hooks every browser suite shares: before its tests, the DevServer
// that `make` returns (not yet started) starts, Chromium launches and
// `use(server, browser)` hands both to the suite; after them both stop,
// whatever failed.
export function serverAndBrowser(use, make = async () => new DevServer()) {
  let server;
  let browser;
  // Bounded, so that a hang fails here with its step named instead of
  // running into ctest's timeout with nothing said.
  before(async () => {
    server = await make();
    await server.start();
    browser = await launchBrowser();
    progress('Chromium launched');
    use(server, browser);
  }, { timeout: 240000 });
  after(async () => {
    await within(browser?.close() ?? Promise.resolve(), 30000, 'closing Chromium')
      .catch((e) => progress(e.message));
    const log = server?.logText().trimEnd().split('\n').slice(-30).join('\n');
    if (log) progress(`the last lines of sealpost's log:\n${log}`);
    await server?.stop();
  }, { timeout: 90000 });
}

// On the portal page `link` of `server`'s mail, asks for a one-time
// passcode for `email`; returns the mail that brings it (passcodeOf reads
// the code and reference from its text).
export async function askPasscode(server, page, link, email) {
  await page.goto(link);
  await page.getByLabel('Your e-mail address').fill(email);
  const seen = new Set(server.mails().map((m) => m.name));
  await page.getByRole('button', { name: 'Sign in with a one-time passcode' }).click();
  return server.waitForMail((m) => m.text.includes(`Delivered-To: ${email}`) &&
    m.text.includes('one-time passcode'), 'passcode mail', seen);
}

// Waits for a heading; on timeout the error carries what the page showed.
export async function heading(page, name) {
  try {
    await page.getByRole('heading', { name }).waitFor({ timeout: 20000 });
  } catch (e) {
    const shown = await page.locator('body').innerText().catch(() => '?');
    throw new Error(`no heading ${name} at ${page.url()}; the page shows:\n${shown}`);
  }
}

export async function newContext(browser, options = {}) {
  return browser.newContext({ ignoreHTTPSErrors: true, ...options });
}

export function writeArtifact(name, data) {
  spawnSync('mkdir', ['-p', ARTIFACTS]);
  writeFileSync(join(ARTIFACTS, name), data);
  return join(ARTIFACTS, name);
}

// A TCP port that was free a moment ago (for servers that must know each
// other's address before they start).
export async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Starts tests/browser/oidc_provider.mjs; resolves to {issuer, proc}.
export async function startOidcProvider({ clientId, clientSecret, redirectUri, extraArgs = [] }) {
  const proc = spawn(process.execPath, [join(import.meta.dirname, 'oidc_provider.mjs'), '--port', '0',
    '--client-id', clientId, '--client-secret', clientSecret, '--redirect-uri', redirectUri, ...extraArgs],
  { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const issuer = await new Promise((resolve, reject) => {
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/ready (\S+)/);
      if (m) resolve(m[1]);
    });
    proc.once('exit', (code) => reject(new Error(`oidc provider exited ${code}`)));
    setTimeout(() => reject(new Error('oidc provider: not ready in 60 s')), 60000).unref();
  });
  progress(`OIDC provider ready: ${issuer}`);
  return { issuer, proc };
}
