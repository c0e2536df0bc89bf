// The portal in a real browser (Debian's Chromium via playwright-core)
// against a real `sealpost server -dev`: mail goes in with Python's
// smtplib, wrapper and passcode mails are read from the dev Maildir, and
// replies are opened with `sealpost open`.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';

import { askPasscode, heading, newContext, passcodeOf, portalLink, serverAndBrowser, writeArtifact } from './lib.mjs';

// A fresh external address per message: passcodes are limited to 5 per
// address per hour from one network.
let EXT = 'ext@gmail.test';
function freshExt() { EXT = `ext-${randomBytes(4).toString('hex')}@gmail.test`; return EXT; }

function token() { return 'T' + randomBytes(5).toString('hex'); }

function rfc822({ from = 'alice@example.com', to = [EXT], subject, body = 'Hello from Alice.', headers = {} }) {
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\n`).join('');
  return `From: Alice <${from}>\nTo: ${to.join(', ')}\nSubject: ${subject}\n` +
    `Date: Sun, 29 Nov 2026 10:00:00 +0000\nMessage-ID: <${token()}@example.com>\n${extra}` +
    `MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n${body}\n`;
}

let server;
let browser;

// Sends a protected mail and returns the portal link of the wrapper that
// reached `recipient`.
async function sendProtected({ subject, to = [freshExt()], recipient = to[0], ...rest }) {
  const t = token();
  const fullSubject = `${subject} ${t}`;
  server.sendMail('alice@example.com', to, rfc822({ subject: fullSubject, to, ...rest }));
  const wrapper = await server.waitForMail((m) => m.text.includes(`Delivered-To: ${recipient}`) &&
    m.text.includes(t) && m.text.includes('X-Sealpost-Protected'), `wrapper for ${recipient}`);
  return { link: portalLink(wrapper.text), token: t, wrapper };
}

async function signInWithOtp(page, link, email = EXT) {
  const mail = await askPasscode(server, page, link, email);
  const { code, reference } = passcodeOf(mail.text);
  await page.getByText(reference).waitFor();
  return { code, reference };
}

async function enterCode(page, code, keep = false) {
  await page.getByLabel('One-time passcode').fill(code);
  if (keep) await page.getByLabel('Keep me signed in').check();
  await page.getByRole('button', { name: 'Continue' }).click();
}

// A browser context of its own, signed in to `link` with a passcode mailed
// to `email`: the context and its page, on the message.
async function readWithOtp(link, { email = EXT, keep = false } = {}) {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  const { code } = await signInWithOtp(page, link, email);
  await enterCode(page, code, keep);
  return { ctx, page };
}

async function orgSignIn(page, email) {
  await page.goto(server.url + '/signin?next=/sent');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(server.users[email]);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('portal', () => {
  serverAndBrowser((s, b) => { server = s; browser = b; });

  test('external journey: wrapper link, passcode, read, reply arrives protected', async () => {
    const { link, token: t } = await sendProtected({ subject: '[encrypt] Quarterly numbers', body: 'The numbers are 42 and 17.' });
    const { ctx, page } = await readWithOtp(link);
    await heading(page, `Quarterly numbers ${t}`);
    assert.match(await page.locator('.body-text').innerText(), /The numbers are 42 and 17\./);
    assert.match(await page.locator('.meta').innerText(), /alice@example\.com/);

    // Session cookie flags: Secure, HttpOnly, SameSite=Lax, no expiry
    // without "keep me signed in".
    const cookies = await ctx.cookies();
    const session = cookies.find((c) => c.name === '__Host-sp_s');
    assert.ok(session, 'session cookie set');
    assert.equal(session.secure, true);
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Lax');
    assert.equal(session.expires, -1, 'a browser-session cookie');

    // Reply: goes to alice only, protected with the same template.
    await page.getByRole('link', { name: 'Reply', exact: true }).click();
    assert.equal(await page.locator('.recipients').innerText(), 'alice@example.com');
    const reply = 'Thanks ' + token();
    await page.getByLabel('Message').fill(reply + '\n');
    const seen = new Set(server.mails().map((m) => m.name));
    await page.getByRole('button', { name: 'Send' }).click();
    await heading(page, 'Your message was sent');
    const back = await server.waitForMail((m) => m.text.includes('Delivered-To: alice@example.com') &&
      m.text.includes('X-Sealpost-Protected'), 'protected reply for alice', seen);
    assert.doesNotMatch(back.text, new RegExp(reply), 'the reply is not in clear');
    assert.match(back.text, /template=Encrypt/);
    const opened = server.cli(['open', '-', '--user', 'alice@example.com'], { input: back.text, user: 'alice@example.com' });
    assert.equal(opened.status, 0, opened.stderr);
    assert.match(opened.stdout.toString(), new RegExp(reply));
    assert.match(opened.stdout.toString(), /In-Reply-To: </);
    // Written by an outsider through our gateway: our address in From (SPF,
    // DMARC), the reader named there and in Reply-To.
    assert.match(opened.stdout.toString(), new RegExp(`From: "${EXT} via secure message" <noreply@example\\.com>`));
    assert.match(opened.stdout.toString(), new RegExp(`Reply-To: ${EXT}`));
    await ctx.close();
  });

  test('Do Not Forward shows no forward and no print; Encrypt-only forward works', async () => {
    const dnf = await sendProtected({ subject: 'Board minutes', headers: { 'X-Sealpost-Template': 'Do Not Forward' } });
    const { ctx, page } = await readWithOtp(dnf.link, { keep: true });
    await heading(page, `Board minutes ${dnf.token}`);
    const actions = page.getByRole('navigation', { name: 'Message actions' });
    assert.equal(await actions.getByRole('link', { name: 'Reply', exact: true }).count(), 1);
    assert.equal(await actions.getByRole('link', { name: 'Forward' }).count(), 0);
    assert.equal(await actions.getByRole('button', { name: 'Print' }).count(), 0);
    // Typing the URL does not help either.
    const refused = await page.goto(dnf.link + '/forward');
    assert.equal(refused.status(), 403);
    // "Keep me signed in": a 12-hour cookie.
    const session = (await ctx.cookies()).find((c) => c.name === '__Host-sp_s');
    const hours = (session.expires - Date.now() / 1000) / 3600;
    assert.ok(hours > 11.9 && hours <= 12.01, `session lasts ${hours} h`);

    const enc = await sendProtected({ subject: '[encrypt] Trip plan', body: 'Meet at gate 12.', to: [EXT] });
    await page.goto(enc.link);
    await actions.getByRole('button', { name: 'Print' }).waitFor();
    await actions.getByRole('link', { name: 'Forward' }).click();
    const friend = `friend-${token().toLowerCase()}@outlook.test`;
    await page.getByLabel('To').fill(friend);
    await page.getByRole('button', { name: 'Send' }).click();
    await heading(page, 'Your message was sent');
    const fwd = await server.waitForMail((m) => m.text.includes(`Delivered-To: ${friend}`), 'forward wrapper');
    // The new recipient can open the forward...
    const { ctx: ctx2, page: page2 } = await readWithOtp(portalLink(fwd.text), { email: friend });
    await heading(page2, new RegExp(`^Fwd: .*Trip plan ${enc.token}`));
    assert.match(await page2.locator('.body-text').innerText(), /Meet at gate 12\./);
    // ...but not the original: a link forwarded by hand opens for nobody new.
    await page2.goto(enc.link);
    await heading(page2, "You can't open this message");
    await ctx.close();
    await ctx2.close();
  });

  test('revoke from Sent shows the recipient the revoked page; expiry shows expired', async () => {
    const msg = await sendProtected({ subject: '[encrypt] Salary review' });
    const { ctx: reader, page: rp } = await readWithOtp(msg.link);
    await heading(rp, `Salary review ${msg.token}`);

    const sender = await newContext(browser);
    const sp = await sender.newPage();
    await orgSignIn(sp, 'alice@example.com');
    await heading(sp, 'Sent protected messages');
    const id = msg.link.split('/m/')[1];
    const row = sp.locator(`tr[data-id="${id}"]`);
    assert.match(await row.innerText(), new RegExp(EXT));
    assert.match(await row.innerText(), /Active/);
    assert.match(await row.innerText(), new RegExp(`${EXT} ·`), 'the open is in the tracking log');
    await row.getByRole('button', { name: 'Revoke' }).click();
    await sp.locator(`tr[data-id="${id}"] .state`).getByText(/Revoked/).waitFor();

    await rp.reload();
    await heading(rp, 'This message has been revoked by the sender');

    const later = await sendProtected({ subject: '[encrypt] Short lived', to: [EXT] });
    const laterId = later.link.split('/m/')[1];
    await rp.goto(later.link);
    await heading(rp, `Short lived ${later.token}`);
    const expired = server.cli(['message', 'expire', laterId, '--at', String(Math.floor(Date.now() / 1000) - 60)]);
    assert.equal(expired.status, 0, expired.stderr);
    await rp.reload();
    await heading(rp, 'This message has expired');
    await reader.close();
    await sender.close();
  });

  test('five wrong passcodes from one network stop the code there', async () => {
    const msg = await sendProtected({ subject: '[encrypt] Guess me' });
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    const { code } = await signInWithOtp(page, msg.link);
    const wrong = code === '00000000' ? '11111111' : '00000000';
    // Each answer is the same page with the same text: wait for it.
    const tryCode = async (c) => {
      const answered = page.waitForResponse((r) => r.url().endsWith('/otp/verify'));
      await enterCode(page, c);
      await answered;
      await page.waitForLoadState();
    };
    for (let i = 0; i < 5; ++i) {
      await tryCode(wrong);
      await page.getByRole('alert').getByText("That passcode isn't right").waitFor();
    }
    await tryCode(wrong);
    await page.getByRole('alert').getByText(/Too many wrong passcodes from your network/).waitFor();
    await tryCode(code);
    await page.getByRole('alert').getByText(/Too many wrong passcodes from your network/).waitFor();
    assert.equal((await ctx.cookies()).find((c) => c.name === '__Host-sp_s'), undefined);
    await ctx.close();
  });

  test('hostile HTML is inert; remote pictures wait for a click', async () => {
    const t = token();
    const html = `<html><body><h2 id="hello">Hello ${t}</h2>
<script>parent.postMessage('pwned', '*'); window.top.pwned = 1;</script>
<img src="x" onerror="window.top.pwned = 2">
<a id="js" href="javascript:window.top.pwned=3">click</a>
<a id="ok" href="https://example.org/page">fine link</a>
<div id="css" style="width: expression(alert(1)); color: red; background: url(https://tracker.test/bg.png)">styled</div>
<img id="remote" src="https://tracker.test/pixel.png">
<form action="https://evil.test/"><input name="x"></form>
<svg onload="window.top.pwned=4"><script>window.top.pwned=5</script></svg>
<iframe src="https://evil.test/"></iframe>
</body></html>`;
    // A 1x1 PNG referenced from the HTML by Content-ID (multipart/related).
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const related = html.replace('</body>', '<img alt="inline logo" src="cid:logo@test"></body>');
    const body = `--b0\nContent-Type: multipart/alternative; boundary=b1\n\n` +
      `--b1\nContent-Type: text/plain; charset=utf-8\n\nplain ${t}\n--b1\nContent-Type: text/html; charset=utf-8\n\n${related}\n--b1--\n` +
      `--b0\nContent-Type: image/png\nContent-ID: <logo@test>\nContent-Transfer-Encoding: base64\n\n${png}\n--b0--`;
    freshExt();
    server.sendMail('alice@example.com', [EXT],
      `From: alice@example.com\nTo: ${EXT}\nSubject: [encrypt] Hostile ${t}\nMIME-Version: 1.0\nContent-Type: multipart/related; boundary=b0\n\n${body}\n`.replace(/\r?\n/g, '\r\n'));
    const wrapper = await server.waitForMail((m) => m.text.includes(t) && m.text.includes(`Delivered-To: ${EXT}`), 'hostile wrapper');
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    const dialogs = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
    const remoteRequests = [];
    ctx.on('request', (r) => { if (!r.url().startsWith(server.url)) remoteRequests.push(r.url()); });
    const { code } = await signInWithOtp(page, portalLink(wrapper.text));
    await enterCode(page, code);
    const frame = page.frameLocator('iframe.body-frame');
    await frame.getByText(`Hello ${t}`).waitFor();
    await page.waitForTimeout(500);
    const inner = await frame.locator('body').evaluate((b) => b.innerHTML);
    assert.doesNotMatch(inner, /<script/i);
    assert.doesNotMatch(inner, /onerror|onload/i);
    assert.doesNotMatch(inner, /javascript:/i);
    assert.doesNotMatch(inner, /expression\(|url\(/i);
    assert.doesNotMatch(inner, /<form|<iframe|<svg/i);
    assert.doesNotMatch(inner, /tracker\.test/);
    assert.match(inner, /href="https:\/\/example\.org\/page"/);
    // The picture from the message itself is shown (served by the portal).
    const inline = frame.getByAltText('inline logo');
    assert.match(await inline.getAttribute('src'), /^data:image\/png;base64,/);
    assert.equal(await inline.evaluate((img) => img.complete && img.naturalWidth), 1);
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(remoteRequests, []);
    // The body's own CSP forbids script even if something slipped through.
    const bodyResp = await page.request.get(page.url() + '/body');
    assert.match(bodyResp.headers()['content-security-policy'], /default-src 'none'/);
    assert.doesNotMatch(bodyResp.headers()['content-security-policy'], /script-src/);
    // Remote pictures: blocked until asked.
    await page.getByRole('link', { name: 'Show pictures' }).click();
    await frame.getByText(`Hello ${t}`).waitFor();
    assert.match(await frame.locator('body').evaluate((b) => b.innerHTML), /tracker\.test\/pixel\.png/);

    // Posts without the CSRF token are refused.
    const id = page.url().split('/m/')[1].split('?')[0];
    const noCsrf = await page.request.post(`${server.url}/m/${id}/reply`, { form: { text: 'x' } });
    assert.equal(noCsrf.status(), 403);
    const badCsrf = await page.request.post(`${server.url}/m/${id}/reply`, { form: { text: 'x', csrf: 'forged' } });
    assert.equal(badCsrf.status(), 403);
    const signout = await page.request.post(`${server.url}/signout`, { form: {} });
    assert.equal(signout.status(), 403);
    // Page headers.
    const resp = await page.request.get(`${server.url}/m/${id}`);
    const h = resp.headers();
    assert.match(h['content-security-policy'], /script-src 'self'/);
    assert.doesNotMatch(h['content-security-policy'], /unsafe-inline/);
    assert.equal(h['cache-control'], 'no-store');
    assert.match(h['strict-transport-security'], /max-age=/);
    await ctx.close();
  });

  test('phone-size screen: no sideways scrolling; screenshot kept', async () => {
    const brand = server.cli(['branding', 'set', '--portal-text', 'Contoso secure mail', '--background-color', '#123456',
      '--disclaimer-text', 'Confidential: for the addressee only.']);
    assert.equal(brand.status, 0, brand.stderr);
    const msg = await sendProtected({ subject: '[encrypt] On the go', body: 'A long line '.repeat(40) });
    const ctx = await newContext(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    const page = await ctx.newPage();
    await page.goto(msg.link);
    // The branding on every page: portal text, colour, disclaimer.
    await page.getByText('Contoso secure mail').waitFor();
    await page.getByText('Confidential: for the addressee only.').waitFor();
    assert.equal(await page.locator('.brand-bar').evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(18, 52, 86)');
    const signin = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(signin <= 360, `sign-in page is ${signin}px wide`);
    const { code } = await signInWithOtp(page, msg.link);
    await enterCode(page, code);
    await heading(page, `On the go ${msg.token}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `message page is ${width}px wide`);
    const png = await page.screenshot({ fullPage: true });
    writeArtifact('portal-phone-360.png', png);
    assert.ok(png.length > 5000);
    await ctx.close();
  });

  test('attachments download as the rights allow; compose; internal reading with the org sign-in', async () => {
    const t = token();
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(3000), Buffer.from('\r\n.\r\n%%EOF\n')]);
    freshExt();
    const raw = `From: alice@example.com\nTo: ${EXT}\nSubject: [encrypt] Report ${t}\nMIME-Version: 1.0\n` +
      `Content-Type: multipart/mixed; boundary=b2\n\n--b2\nContent-Type: text/plain\n\nSee attached.\n--b2\n` +
      `Content-Type: application/pdf\nContent-Disposition: attachment; filename="report.pdf"\n` +
      `Content-Transfer-Encoding: base64\n\n${pdf.toString('base64').replace(/.{76}/g, '$&\n')}\n--b2--\n`;
    server.sendMail('alice@example.com', [EXT], raw);
    const w = await server.waitForMail((m) => m.text.includes(t) && m.text.includes(`Delivered-To: ${EXT}`), 'wrapper with attachment');
    const { ctx, page } = await readWithOtp(portalLink(w.text));
    // Encrypt-only with DecryptAttachmentForEncryptOnly False (the default):
    // a protected copy, which the sender can open with `sealpost open`.
    const sealedLink = page.getByRole('link', { name: 'report.pdf.sealed' });
    await sealedLink.waitFor();
    const sealed = await page.request.get(new URL(await sealedLink.getAttribute('href'), page.url()).href);
    assert.equal(sealed.headers()['content-type'], 'application/vnd.sealpost.sealed');
    assert.equal(Buffer.from(await sealed.body()).indexOf(pdf.subarray(0, 64)), -1, 'not in clear');
    const opened = server.cli(['open', '-', '--user', 'alice@example.com'], { input: await sealed.body(), user: 'alice@example.com' });
    assert.equal(opened.status, 0, opened.stderr);
    assert.ok(Buffer.compare(opened.stdout, pdf) === 0, 'the protected copy opens to the same bytes');
    // With the setting on, the download is the attachment itself.
    const set = server.cli(['irm', 'set', '--DecryptAttachmentForEncryptOnly', 'True']);
    assert.equal(set.status, 0, set.stderr);
    await page.reload();
    const plainLink = page.getByRole('link', { name: 'report.pdf', exact: true });
    await plainLink.waitFor();
    const plain = await page.request.get(new URL(await plainLink.getAttribute('href'), page.url()).href);
    assert.ok(Buffer.compare(Buffer.from(await plain.body()), pdf) === 0, 'decrypted download is byte-identical');
    assert.match(plain.headers()['content-disposition'], /attachment; filename="report\.pdf"/);
    await ctx.close();

    // Compose (the Protect button), shown once SimplifiedClientAccessEnabled.
    assert.equal(server.cli(['irm', 'set', '--SimplifiedClientAccessEnabled', 'True']).status, 0);
    const actx = await newContext(browser);
    const ap = await actx.newPage();
    await orgSignIn(ap, 'alice@example.com');
    await ap.getByRole('link', { name: 'New protected message' }).click();
    const t2 = token();
    await ap.getByLabel('To').fill('bob@example.com');
    await ap.getByLabel('Protection').selectOption('Do Not Forward');
    await ap.getByLabel('Subject').fill(`Plans ${t2}`);
    await ap.getByLabel('Message').fill(`Composed in the portal ${t2}.`);
    await ap.getByLabel('Attachments').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('attached notes') });
    await ap.getByRole('button', { name: 'Send' }).click();
    await heading(ap, 'Your message was sent');
    const bw = await server.waitForMail((m) => m.text.includes('Delivered-To: bob@example.com') && m.text.includes(t2), 'composed wrapper for bob');
    assert.match(bw.text, /template="Do Not Forward"/);
    assert.doesNotMatch(bw.text, new RegExp(`Composed in the portal ${t2}`));

    // bob reads it in the portal with his organisation password.
    const bctx = await newContext(browser);
    const bp = await bctx.newPage();
    await bp.goto(portalLink(bw.text));
    await bp.getByLabel('E-mail address', { exact: true }).fill('bob@example.com');
    await bp.getByLabel('Password').fill(server.users['bob@example.com']);
    await bp.getByRole('button', { name: 'Sign in', exact: true }).click();
    await heading(bp, `Plans ${t2}`);
    assert.match(await bp.locator('.body-text').innerText(), new RegExp(`Composed in the portal ${t2}`));
    assert.equal(await bp.getByRole('link', { name: 'Forward' }).count(), 0);
    await bp.getByRole('link', { name: /notes\.txt/ }).waitFor();
    await actx.close();
    await bctx.close();
  });

  test('dev mailbox lists delivered mail newest first and renders it', async () => {
    const msg = await sendProtected({ subject: '[encrypt] Mailbox check' });
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await page.goto(server.url + '/dev/mailbox');
    const first = page.locator('.mailbox li').first();
    assert.match(await first.innerText(), new RegExp(`Mailbox check ${msg.token}`));
    await first.getByRole('link').click();
    await page.getByRole('link', { name: new RegExp(msg.link.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) }).waitFor();
    await ctx.close();
  });
});
