// The sender's Sent page in a real browser (Debian's Chromium via
// playwright-core) against a real `sealpost server -dev`: 120 protected
// messages sent with Python's smtplib, then found by a subject word,
// revoked, paged through, filtered, given a new expiry; the header's
// navigation on every signed-in page; a 360 px phone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { before, describe, test } from 'node:test';

import { DevServer, freePort, heading, newContext, serverAndBrowser, writeArtifact } from './lib.mjs';

const COUNT = 120;
const WORD = 'Zanzibar' + randomBytes(4).toString('hex');
const TARGET = 37;  // the message whose subject carries WORD
const TARGET_TO = `finance-${randomBytes(3).toString('hex')}@gmail.test`;

let server;
let browser;

// All of them in one SMTP session: alice's [encrypt] keyword protects each.
function seed() {
  const py = `
import smtplib, sys, json
a = json.loads(sys.argv[1])
with smtplib.SMTP(a["host"], a["port"], timeout=60) as s:
    for i in range(a["count"]):
        to = a["target_to"] if i == a["target"] else "reader%d@gmail.test" % (i % 7)
        subject = "Budget %s draft" % a["word"] if i == a["target"] else "Weekly report %d" % i
        msg = ("From: Alice <alice@example.com>\\r\\nTo: %s\\r\\nSubject: [encrypt] %s\\r\\n"
               "Date: Sun, 29 Nov 2026 10:00:00 +0000\\r\\nMessage-ID: <seed-%d@example.com>\\r\\n"
               "\\r\\nBody %d\\r\\n") % (to, subject, i, i)
        s.sendmail("alice@example.com", [to], msg.encode())
`;
  const r = spawnSync('python3', ['-c', py, JSON.stringify({
    host: server.smtpHost, port: server.smtpPort, count: COUNT, target: TARGET, word: WORD, target_to: TARGET_TO,
  })]);
  if (r.status !== 0) throw new Error('smtplib: ' + r.stderr.toString());
}

async function signIn(page) {
  await page.goto(server.url + '/signin?next=/sent');
  await page.getByLabel('E-mail address').fill('alice@example.com');
  await page.getByLabel('Password').fill(server.users['alice@example.com']);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await heading(page, 'Sent protected messages');
}

const rows = (page) => page.locator('table.sent tbody tr');

describe('sent page', () => {
  // The next hop is down: wrappers stay queued, encrypted, and no
  // Maildir copy lands in the data directory (grep below).
  serverAndBrowser((s, b) => { server = s; browser = b; },
    async () => new DevServer({ args: ['--next-hop', `127.0.0.1:${await freePort()}`] }));
  before(() => {
    const irm = server.cli(['irm', 'set', '--SimplifiedClientAccessEnabled', 'True']);
    assert.equal(irm.status, 0, irm.stderr);
    seed();
  });

  test('subjects are never in clear in the data directory', () => {
    const grep = spawnSync('grep', ['-r', '-l', '-i', WORD, server.dataDir]);
    assert.equal(grep.status, 1, 'found in: ' + grep.stdout.toString());
  });

  test('navigation, subjects without the keyword, pages of 50', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await signIn(page);
    const nav = page.getByRole('navigation', { name: 'Portal' });
    await nav.getByRole('link', { name: 'Sent' }).waitFor();
    await nav.getByRole('link', { name: 'Compose' }).waitFor();
    await nav.getByRole('button', { name: 'Sign out' }).waitFor();
    assert.equal(await rows(page).count(), 50);
    // The keyword is not part of the subject shown.
    assert.match(await rows(page).first().locator('.subject').innerText(), /^Weekly report \d+$/);
    assert.doesNotMatch(await page.locator('table.sent').innerText(), /\[encrypt\]/);
    const seen = new Set();
    const pageIds = () => rows(page).evaluateAll((trs) => trs.map((t) => t.dataset.id));
    const older = async () => {
      const url = page.url();
      await page.getByRole('link', { name: 'Older' }).click();
      await page.waitForURL((u) => u.href !== url);
    };
    for (const id of await pageIds()) seen.add(id);
    await older();
    assert.equal(await rows(page).count(), 50);
    for (const id of await pageIds()) {
      assert.ok(!seen.has(id), 'no row twice');
      seen.add(id);
    }
    await older();
    assert.equal(await rows(page).count(), COUNT - 100);
    for (const id of await pageIds()) seen.add(id);
    assert.equal(seen.size, COUNT, 'every message once');
    assert.equal(await page.getByRole('link', { name: 'Older' }).count(), 0, 'the last page');
    await page.getByRole('link', { name: 'Newest' }).click();
    await page.waitForURL((u) => !u.searchParams.has('before'));
    assert.equal(await rows(page).count(), 50);
    // The header is on the compose page too.
    await nav.getByRole('link', { name: 'Compose' }).click();
    await heading(page, 'New protected message');
    await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Sent' }).waitFor();
    await ctx.close();
  });

  test('find one among many by a subject word and revoke it', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await signIn(page);
    // Keyboard only: type the word and press Enter.
    await page.getByLabel('Subject words').fill(WORD.toLowerCase());
    await page.getByLabel('Subject words').press('Enter');
    await page.waitForURL(/q=/);
    assert.equal(await rows(page).count(), 1);
    const row = rows(page).first();
    assert.equal(await row.locator('.subject').innerText(), `Budget ${WORD} draft`);
    assert.match(await row.innerText(), new RegExp(TARGET_TO));
    const id = await row.getAttribute('data-id');

    // The message page shows the subject as the wrapper did: no keyword.
    await row.getByRole('link', { name: `Budget ${WORD} draft` }).click();
    await heading(page, `Budget ${WORD} draft`);
    assert.doesNotMatch(await page.locator('h1').innerText(), /encrypt/);
    assert.doesNotMatch(await page.title(), /encrypt/);
    await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Sent' }).waitFor();
    await page.goBack();

    await rows(page).first().getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Revoke selected' }).click();
    await heading(page, '1 message revoked');
    const status = server.cli(['message', 'status', id]);
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout.toString(), /Status\s*: revoked/);

    // Filters: the recipient, the status.
    await page.goto(server.url + '/sent');
    await page.getByLabel('Recipient').fill(TARGET_TO);
    await page.getByLabel('Status').selectOption('revoked');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/state=revoked/);
    assert.equal(await rows(page).count(), 1);
    assert.match(await rows(page).first().locator('.state').innerText(), /Revoked/);
    await page.getByLabel('Recipient').fill('');
    await page.getByLabel('Status').selectOption('active');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/state=active/);
    assert.equal(await rows(page).count(), 50);
    assert.equal(await page.locator(`tr[data-id="${id}"]`).count(), 0);
    await ctx.close();
  });

  test('revoke several at once; change an expiry', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await signIn(page);
    // Rows still revocable (they have a checkbox): the message revoked by
    // the test before may be among the first rows, as rows of one second
    // are in id order.
    const revocable = () => rows(page).evaluateAll((trs) =>
      trs.filter((t) => t.querySelector('input[type=checkbox]')).map((t) => t.dataset.id));
    const ids = (await revocable()).slice(0, 3);
    assert.equal(ids.length, 3);
    for (const id of ids) await page.locator(`tr[data-id="${id}"]`).getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Revoke selected' }).click();
    await heading(page, '3 messages revoked');
    await page.goto(server.url + '/sent');
    for (const id of ids) {
      assert.match(await page.locator(`tr[data-id="${id}"] .state`).innerText(), /Revoked/);
    }
    // A new expiry in the past: the message is expired at once.
    const otherId = (await revocable())[0];
    assert.ok(otherId && !ids.includes(otherId));
    const other = page.locator(`tr[data-id="${otherId}"]`);
    const yesterday = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
    await other.getByLabel(/Expires on/).fill(yesterday);
    await other.getByRole('button', { name: 'Set expiry' }).click();
    await heading(page, 'Sent protected messages');
    assert.match(await page.locator(`tr[data-id="${otherId}"] .state`).innerText(), /Expired/);
    const st = server.cli(['message', 'status', otherId]);
    assert.match(st.stdout.toString(), /Status\s*: expired/);
    // And back to a date ahead.
    const later = new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 10);
    const row = page.locator(`tr[data-id="${otherId}"]`);
    await row.getByLabel(/Expires on/).fill(later);
    await row.getByRole('button', { name: 'Set expiry' }).click();
    await heading(page, 'Sent protected messages');
    assert.match(await page.locator(`tr[data-id="${otherId}"] .state`).innerText(), /Active/);
    // A post without the CSRF token is refused.
    const forged = await page.request.post(server.url + '/sent/revoke', { form: { id: otherId } });
    assert.equal(forged.status(), 403);
    await ctx.close();
  });

  test('phone-size Sent page: no sideways scrolling', async () => {
    const ctx = await newContext(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    const page = await ctx.newPage();
    await signIn(page);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `sent page is ${width}px wide`);
    writeArtifact('sent-phone-360.png', await page.screenshot());
    await ctx.close();
  });
});
