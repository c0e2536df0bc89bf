// A second factor outside the inbox, in a real browser against a real
// `sealpost server -dev`: a reader adds an authenticator app (codes
// computed here from the shared secret with Node's own HMAC-SHA-1, not by
// Sealpost's code), and from then on the mailed passcode alone does not
// open the message; a branding that requires the app; a sender's PIN for
// one message (X-Sealpost-Pin-Required), shown to the sender on /sent.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { askPasscode, heading, newContext, passcodeOf, portalLink, serverAndBrowser, writeArtifact } from './lib.mjs';

let server;
let browser;

function token() { return 'T' + randomBytes(5).toString('hex'); }
function freshExt() { return `ext-${randomBytes(4).toString('hex')}@gmail.test`; }

// RFC 4648 base32 (the key the page shows, spaces allowed).
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    const i = alphabet.indexOf(c);
    assert.ok(i >= 0, `base32 character ${c}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// RFC 6238 with HMAC-SHA-1, 6 digits, 30 s: `stepOffset` steps from now.
function totp(secret, stepOffset = 0) {
  const step = Math.floor(Date.now() / 1000 / 30) + stepOffset;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const offset = mac[19] & 0x0f;
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1000000;
  return String(n).padStart(6, '0');
}

async function sendProtected(to, headers = {}) {
  const t = token();
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\n`).join('');
  server.sendMail('alice@example.com', [to],
    `From: Alice <alice@example.com>\nTo: ${to}\nSubject: [encrypt] Payroll ${t}\n` +
    `Date: Thu, 03 Dec 2026 06:00:00 +0000\nMessage-ID: <${t}@example.com>\n${extra}` +
    'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nSalaries attached.\n');
  const wrapper = await server.waitForMail((m) => m.text.includes(`Delivered-To: ${to}`) &&
    m.text.includes(t) && m.text.includes('X-Sealpost-Protected'), `wrapper for ${to}`);
  return { link: portalLink(wrapper.text), subject: `Payroll ${t}`, wrapper };
}

// No file of the data directory (the SQLite store, its WAL) holds `needle`.
function assertNotAtRest(needle, what) {
  const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]);
  for (const f of walk(server.dataDir)) {
    assert.ok(!readFileSync(f).includes(needle), `${what} in clear in ${f}`);
  }
}

// Asks for a passcode and enters it.
async function passcodeSignIn(page, link, email) {
  const mail = await askPasscode(server, page, link, email);
  await page.getByLabel('One-time passcode').fill(passcodeOf(mail.text).code);
  await page.getByRole('button', { name: 'Continue' }).click();
}

// On the enrolment page: the key shown, as bytes; checks the QR code.
async function shownSecret(page) {
  await heading(page, 'Add an authenticator app');
  const qr = page.getByRole('img', { name: 'QR code of the key for your authenticator app' });
  assert.equal(await qr.evaluate((e) => e.tagName.toLowerCase()), 'svg');
  const shown = (await page.locator('.totp-secret').innerText()).replace(/\s/g, '');
  const secret = base32Decode(shown);
  assert.equal(secret.length, 20, '160-bit secret');
  // The QR code, read back by zbar from a screenshot, carries the same key.
  const png = writeArtifact('second-factor-qr.png', await qr.screenshot());
  const read = spawnSync('zbarimg', ['--raw', '-q', png]);
  assert.equal(read.status, 0, 'zbarimg read no QR code: ' + read.stderr);
  const uri = new URL(read.stdout.toString().trim());
  assert.equal(uri.protocol, 'otpauth:');
  assert.equal(uri.searchParams.get('secret'), shown);
  assert.equal(uri.searchParams.get('digits'), '6');
  return secret;
}

async function enterTotp(page, code, button) {
  await page.getByLabel('Code from the app').fill(code);
  await page.getByRole('button', { name: button }).click();
}

describe('second factor', () => {
  serverAndBrowser((s, b) => { server = s; browser = b; });

  test('a reader adds an authenticator app; then the passcode alone does not open', async () => {
    const ext = freshExt();
    let { link, subject } = await sendProtected(ext);
    const ctx = await newContext(browser, { viewport: { width: 360, height: 800 } });
    const page = await ctx.newPage();
    await passcodeSignIn(page, link, ext);
    await heading(page, subject);
    await page.getByRole('link', { name: 'Authenticator app' }).click();
    const secret = await shownSecret(page);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'fits 360 px');
    writeArtifact('second-factor-enrol-360.png', await page.screenshot({ fullPage: true }));
    await enterTotp(page, totp(secret, 3), 'Turn on');
    await page.getByRole('alert').filter({ hasText: "isn't right" }).waitFor();
    const enrolCode = totp(secret);
    await enterTotp(page, enrolCode, 'Turn on');
    await heading(page, 'Your authenticator app is set up');
    assertNotAtRest(secret, 'the authenticator secret');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await heading(page, 'You are signed out');

    // The mailed passcode alone: the code page, and the message stays shut.
    // (Another message: a passcode per message and address, and a new one
    // for the same message no sooner than a minute after the last.)
    ({ link, subject } = await sendProtected(ext));
    await passcodeSignIn(page, link, ext);
    await heading(page, 'Enter the code from your authenticator app');
    await page.goto(link);
    await heading(page, /has sent you a protected message/);
    const body = await page.request.get(link + '/body', { maxRedirects: 0 });
    assert.notEqual(body.status(), 200);
    await page.goBack();
    await heading(page, 'Enter the code from your authenticator app');
    // The code used to enrol does not open twice; a wrong one neither.
    await enterTotp(page, enrolCode, 'Continue');
    await page.getByRole('alert').filter({ hasText: 'used already' }).waitFor();
    await enterTotp(page, '000000' === totp(secret, 1) ? '111111' : '000000', 'Continue');
    await page.getByRole('alert').filter({ hasText: "isn't right" }).waitFor();
    // A fresh code (the next step: within the ±1 window) opens.
    await enterTotp(page, totp(secret, 1), 'Continue');
    await heading(page, subject);

    // Recovery: an admin resets it, audited; then a passcode opens again.
    const reset = server.cli(['user', 'reset-second-factor', ext]);
    assert.equal(reset.status, 0, reset.stderr);
    assert.notEqual(server.cli(['user', 'reset-second-factor', ext]).status, 0, 'nothing left to reset');
    await page.getByRole('button', { name: 'Sign out' }).click();
    ({ link, subject } = await sendProtected(ext));
    await passcodeSignIn(page, link, ext);
    await heading(page, subject);
    await ctx.close();
  });

  test('a branding that requires it: readers enrol at their first sign-in', async () => {
    const set = server.cli(['branding', 'set', '--require-second-factor']);
    assert.equal(set.status, 0, set.stderr);
    assert.match(set.stdout.toString(), /RequireSecondFactor\s*:?\s*True/i);
    try {
      const ext = freshExt();
      const { link, subject } = await sendProtected(ext);
      const ctx = await newContext(browser);
      const page = await ctx.newPage();
      await passcodeSignIn(page, link, ext);
      const secret = await shownSecret(page);
      await page.getByRole('status').filter({ hasText: 'asks readers' }).waitFor();
      // Not in yet: the message stays shut until the app is added.
      const shut = await page.request.get(link + '/body', { maxRedirects: 0 });
      assert.notEqual(shut.status(), 200);
      await enterTotp(page, totp(secret), 'Turn on');
      await heading(page, subject);
      await ctx.close();
    } finally {
      const off = server.cli(['branding', 'set', '--reset', 'RequireSecondFactor']);
      assert.equal(off.status, 0, off.stderr);
    }
  });

  test('a PIN for one message: asked after sign-in, a wrong one refused, shown on /sent', async () => {
    const ext = freshExt();
    const { link, subject, wrapper } = await sendProtected(ext, { 'X-Sealpost-Pin-Required': 'yes' });
    assert.ok(!/X-Sealpost-Pin-Required/i.test(wrapper.text), 'the header does not leave');
    const ctx = await newContext(browser, { viewport: { width: 360, height: 800 } });
    const page = await ctx.newPage();
    await passcodeSignIn(page, link, ext);
    await heading(page, 'Enter the PIN for this message');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'fits 360 px');
    const body = await page.request.get(link + '/body', { maxRedirects: 0 });
    assert.notEqual(body.status(), 200, 'the body needs the PIN too');

    // The sender sees the PIN on /sent.
    const alice = await (await newContext(browser)).newPage();
    await alice.goto(server.url + '/signin?next=/sent');
    await alice.getByLabel('E-mail address').fill('alice@example.com');
    await alice.getByLabel('Password').fill(server.users['alice@example.com']);
    await alice.getByRole('button', { name: 'Sign in' }).click();
    const row = alice.getByRole('row').filter({ hasText: subject });
    const pin = (await row.locator('.pin').innerText()).trim();
    assert.match(pin, /^\d{6}$/);

    const wrong = pin === '000000' ? '111111' : '000000';
    await page.getByLabel('PIN').fill(wrong);
    await page.getByRole('button', { name: 'Open the message' }).click();
    await page.getByRole('alert').filter({ hasText: "isn't right" }).waitFor();
    await page.getByLabel('PIN').press('Tab');  // keyboard reaches the button
    await page.getByLabel('PIN').fill(pin);
    await page.keyboard.press('Enter');
    await heading(page, subject);
    await ctx.close();

    // From the compose page: the checkbox, and a PIN on /sent.
    assert.equal(server.cli(['irm', 'set', '--SimplifiedClientAccessEnabled', 'True']).status, 0);
    await alice.goto(server.url + '/compose');
    const t = token();
    await alice.getByLabel('To').fill(freshExt());
    await alice.getByLabel('Subject').fill(`Contract ${t}`);
    await alice.getByLabel('Message').fill('Please sign.');
    await alice.getByLabel('Ask the reader for a PIN as well').check();
    await alice.getByRole('button', { name: 'Send' }).click();
    await heading(alice, 'Your message was sent');
    await alice.goto(server.url + '/sent');
    const composed = alice.getByRole('row').filter({ hasText: `Contract ${t}` });
    assert.match((await composed.locator('.pin').innerText()).trim(), /^\d{6}$/);
  });
});
