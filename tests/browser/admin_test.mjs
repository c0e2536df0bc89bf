// The admin dashboard and the sender's open details in a real browser
// (Debian's Chromium via playwright-core) against a real `sealpost server
// -dev`: mail sent with Python's smtplib, an open from a phone, a wrong
// password, a passcode asked for, a revocation; then the dashboard's counts
// for the day match /metrics, a non-administrator gets 403, and axe-core
// finds no accessibility violation on the new pages (also at 360 px).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { before, describe, test } from 'node:test';

import { DevServer, freePort, heading, newContext, serverAndBrowser, waitFor, writeArtifact } from './lib.mjs';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 ' +
  '(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';
const READER = `reader-${randomBytes(3).toString('hex')}@gmail.test`;

let server;
let browser;

async function signIn(page, email, next, password = server.users[email]) {
  await page.goto(server.url + '/signin?next=' + next);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

function protectedIds() {
  const r = server.cli(['message', 'list', '--protected', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const list = JSON.parse(r.stdout.toString());
  return (list.messages ?? list).map((m) => m.id);
}

// sealpost_x{labels} values from /metrics, summed over the label sets that
// contain every `want` label.
function metric(text, name, want = {}) {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = line.match(/^([a-z_]+)(\{[^}]*\})? ([0-9.e+]+)$/);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(want).every(([k, v]) => labels[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

// axe-core goes in through the DevTools protocol: the page's CSP (rightly)
// refuses an inline script tag.
async function axeViolations(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice'] } }));
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

describe('admin dashboard', () => {
  // The next hop is down: every delivery is deferred and stays queued.
  serverAndBrowser((s, b) => { server = s; browser = b; },
    async () => new DevServer({ args: ['--next-hop', `127.0.0.1:${await freePort()}`] }));
  before(() => {
    for (const args of [['group', 'add', 'Administrators'],
      ['group', 'member', 'add', 'Administrators', 'bob@example.com']]) {
      const r = server.cli(args);
      assert.equal(r.status, 0, r.stderr);
    }
    for (let i = 0; i < 3; ++i) {
      const to = i === 0 ? 'bob@example.com' : READER;
      server.sendMail('alice@example.com', [to],
        `From: alice@example.com\nTo: ${to}\nSubject: [encrypt] Report ${i}\n` +
        `Message-ID: <admin-${i}@example.com>\n\nBody ${i}\n`);
    }
  });

  test('an open records the device kind and sign-in; dates narrow /sent', async () => {
    const ids = await waitFor(() => { const l = protectedIds(); return l.length === 3 ? l : null; },
      { what: 'three protected messages' });
    // bob opens alice's message to him from a phone, with his org account.
    const phone = await newContext(browser, { userAgent: IPHONE, viewport: { width: 360, height: 740 } });
    const bobPage = await phone.newPage();
    const toBob = await (async () => {
      for (const id of ids) {
        const st = server.cli(['message', 'status', id]).stdout.toString();
        if (st.includes('bob@example.com')) return id;
      }
      throw new Error('no message to bob');
    })();
    await signIn(bobPage, 'bob@example.com', `/m/${toBob}`);
    await heading(bobPage, 'Report 0');
    await phone.close();

    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await signIn(page, 'alice@example.com', '/sent');
    await heading(page, 'Sent protected messages');
    const row = page.locator(`tr[data-id="${toBob}"]`);
    assert.match(await row.innerText(), /bob@example\.com · .*\n?.*phone, organisation account/);
    // A passcode asked for in a fresh browser (audited as a passcode mail).
    const other = ids.find((id) => id !== toBob);
    const anon = await newContext(browser);
    const reader = await anon.newPage();
    await reader.goto(`${server.url}/m/${other}`);
    await reader.getByLabel('Your e-mail address').fill(READER);
    await reader.getByRole('button', { name: 'Sign in with a one-time passcode' }).click();
    await reader.getByLabel('One-time passcode').waitFor();
    await anon.close();

    // Dates: today finds all three, a range that ended yesterday none.
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
    await page.goto(server.url + '/sent');
    await page.getByLabel('Sent from').fill(today);
    await page.getByLabel('Sent until').fill(today);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/until=/);
    assert.equal(await page.locator('table.sent tbody tr').count(), 3);
    await page.getByLabel('Sent from').fill('');
    await page.getByLabel('Sent until').fill(yesterday);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL((u) => u.searchParams.get('until') === yesterday);
    await page.getByText('No sent message matches.').waitFor();
    const bad = await page.goto(server.url + '/sent?until=2026-13-45');
    assert.equal(bad.status(), 400);
    assert.deepEqual(await axeViolations(await (async () => {
      await page.goto(server.url + '/sent');
      return page;
    })()), []);
    await ctx.close();

    // A wrong password (a sign-in failure) and a revocation.
    const wrong = await newContext(browser);
    const w = await wrong.newPage();
    await signIn(w, 'alice@example.com', '/sent', 'not-the-password');
    await w.getByRole('alert').waitFor();
    await wrong.close();
    const rv = server.cli(['message', 'revoke', other]);
    assert.equal(rv.status, 0, rv.stderr);
  });

  test('a signed-in non-administrator gets 403; signed out goes to sign-in', async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    const anon = await page.goto(server.url + '/admin');
    assert.match(page.url(), /\/signin\?next=\/admin/);
    assert.equal(anon.status(), 200);
    await signIn(page, 'alice@example.com', '/sent');
    await heading(page, 'Sent protected messages');
    assert.equal(await page.getByRole('link', { name: 'Dashboard' }).count(), 0);
    const r = await page.goto(server.url + '/admin');
    assert.equal(r.status(), 403);
    await heading(page, 'This page is for administrators');
    const trace = await page.goto(server.url + '/admin/messages/anything');
    assert.equal(trace.status(), 403);
    await ctx.close();
  });

  test("the dashboard's counts for the day match /metrics", async () => {
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await signIn(page, 'bob@example.com', '/sent');
    await heading(page, 'Sent protected messages');
    await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Dashboard' }).click();
    await heading(page, 'Dashboard');
    const expected = (text) => ({
      protected: metric(text, 'sealpost_audit_records_total', { action: 'protect', result: 'ok' }),
      opens: metric(text, 'sealpost_audit_records_total', { action: 'license.acquire', result: 'granted' }),
      revocations: metric(text, 'sealpost_audit_records_total', { action: 'message.revoke', result: 'ok' }),
      deferred: metric(text, 'sealpost_queue_deferred_total'),
      bounced: metric(text, 'sealpost_queue_bounced_total'),
      passcodes: metric(text, 'sealpost_audit_records_total', { action: 'portal.otp', result: 'sent' }),
      'signin-failures': metric(text, 'sealpost_audit_records_total', { action: 'auth.sign_in', result: 'refused' }) +
        metric(text, 'sealpost_audit_records_total', { action: 'portal.otp', result: 'refused' }),
      'queue-depth': metric(text, 'sealpost_queue_depth'),
    });
    const shown = async () => Object.fromEntries(await page.locator('[data-total]').evaluateAll(
      (els) => els.map((e) => [e.dataset.total, Number(e.textContent)])));
    // Deliveries are retried in the background: compare when /metrics
    // holds still around a reading of the page.
    const { want, got } = await waitFor(async () => {
      const before = expected(await (await page.request.get(server.url + '/metrics')).text());
      await page.goto(server.url + '/admin?period=24h');
      const got = await shown();
      const after = expected(await (await page.request.get(server.url + '/metrics')).text());
      return JSON.stringify(before) === JSON.stringify(after) ? { want: after, got } : null;
    }, { what: 'steady metrics' });
    assert.deepEqual(got, want);
    assert.equal(want.protected, 3);
    assert.ok(want.opens >= 1, 'the phone open');
    assert.equal(want.revocations, 1);
    assert.equal(want.passcodes, 1);
    assert.ok(want['signin-failures'] >= 1);
    assert.ok(want['queue-depth'] >= 3);
    // The week and the month count the same day.
    for (const period of ['7d', '30d']) {
      await page.goto(server.url + '/admin?period=' + period);
      assert.equal((await shown()).protected, 3);
    }

    // Charts are SVG images with names; no script on the page.
    const charts = page.getByRole('img');
    assert.ok(await charts.count() >= 7);
    assert.equal(await page.locator('script:not([src])').count(), 0);

    // Keyboard: Tab reaches the period links; Enter follows one.
    await page.goto(server.url + '/admin');
    let focused = '';
    for (let i = 0; i < 30 && focused !== '7 days'; ++i) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.textContent ?? '');
    }
    assert.equal(focused, '7 days');
    await page.keyboard.press('Enter');
    await page.waitForURL(/period=7d/);
    assert.equal(await page.getByRole('link', { name: '7 days' }).getAttribute('aria-current'), 'page');

    assert.deepEqual(await axeViolations(page), []);
    // A message's trace from the recent events.
    await page.locator('table.audit a').first().click();
    await heading(page, /^Message /);
    assert.ok(await page.locator('table.audit tbody tr').count() >= 1);
    assert.deepEqual(await axeViolations(page), []);
    await ctx.close();
  });

  test('phone-size dashboard: no sideways scrolling, no violations', async () => {
    const ctx = await newContext(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    const page = await ctx.newPage();
    await signIn(page, 'bob@example.com', '/admin');
    await heading(page, 'Dashboard');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `dashboard is ${width}px wide`);
    writeArtifact('admin-phone-360.png', await page.screenshot({ fullPage: true }));
    assert.deepEqual(await axeViolations(page), []);
    await ctx.close();
  });
});
