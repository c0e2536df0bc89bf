// OpenID Connect sign-in to the portal against a real provider
// (node-oidc-provider, started here), in Debian's Chromium: a recipient
// whose provider vouches for the e-mail gets in; an unverified e-mail and a
// verified address that is not a recipient are refused.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { DevServer, freePort, newContext, portalLink, progress, serverAndBrowser, startOidcProvider } from './lib.mjs';

let server;
let provider;
let browser;

async function protectedLink(to) {
  const t = 'T' + randomBytes(5).toString('hex');
  server.sendMail('alice@example.com', [to],
    `From: alice@example.com\nTo: ${to}\nSubject: [encrypt] Via OIDC ${t}\nMIME-Version: 1.0\nContent-Type: text/plain\n\nSecret ${t}\n`);
  progress(`sent ${t} to ${to}`);
  const w = await server.waitForMail((m) => m.text.includes(t) && m.text.includes(`Delivered-To: ${to}`), 'wrapper');
  return { link: portalLink(w.text), token: t };
}

async function providerLogin(page, link, login) {
  progress(`opening ${link} as ${login}`);
  await page.goto(link);
  await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
  // node-oidc-provider's development login page.
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('any password');
  await page.locator('button[type=submit]').click();
}

describe('portal OpenID Connect sign-in', () => {
  serverAndBrowser((s, b) => { server = s; browser = b; }, async () => {
    const port = await freePort();
    const url = `https://127.0.0.1:${port}`;
    const secret = randomBytes(16).toString('hex');
    // With two providers each has its own redirect URI, registered with it
    // (docs/portal.md); the second is never asked here.
    provider = await startOidcProvider({ clientId: 'sealpost-portal', clientSecret: secret, redirectUri: `${url}/oidc/callback/test-idp` });
    const dev = new DevServer({ httpsListen: `127.0.0.1:${port}` });
    const file = join(dev.dataDir + '-oidc.json');
    writeFileSync(file, JSON.stringify([
      { name: 'Test IdP', issuer: provider.issuer, client_id: 'sealpost-portal', client_secret: secret },
      { name: 'Partner SSO', issuer: `http://127.0.0.1:${await freePort()}`, client_id: 'sealpost', client_secret: 'partner-secret', email_domains: ['partner.test'] },
    ]));
    dev.env = { SEALPOST_PORTAL_OIDC_PROVIDERS_FILE: file };
    return dev;
  });
  after(() => provider?.proc.kill('SIGTERM'));

  test('a recipient with a verified e-mail reads the message', async () => {
    const { link, token } = await protectedLink('ext@gmail.test');
    const ctx = await newContext(browser);
    const page = await ctx.newPage();
    await providerLogin(page, link, 'ext@gmail.test');
    await page.getByRole('heading', { name: `Via OIDC ${token}` }).waitFor();
    assert.match(await page.locator('.body-text').innerText(), new RegExp(`Secret ${token}`));
    assert.ok(page.url().startsWith(link));
    await ctx.close();
  });

  // Each refusal leaves no session cookie behind.
  for (const { name, recipient, login, shown } of [
    { name: 'an unverified e-mail is refused', recipient: 'mallory@evil.test',
      login: 'mallory@evil.test', shown: "Your e-mail address isn't verified" },
    { name: 'a verified e-mail that is not a recipient is refused', recipient: 'someone@gmail.test',
      login: 'ext@gmail.test', shown: "You can't open this message" },
  ]) {
    test(name, async () => {
      const { link } = await protectedLink(recipient);
      const ctx = await newContext(browser);
      const page = await ctx.newPage();
      await providerLogin(page, link, login);
      await page.getByRole('heading', { name: shown }).waitFor();
      assert.equal((await ctx.cookies()).find((c) => c.name === '__Host-sp_s'), undefined);
      await ctx.close();
    });
  }
});
