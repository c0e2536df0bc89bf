// The portal's OpenID Connect client against a real provider: starts
// oidc_provider.mjs, drives oidc_flow_probe (OidcClient::Begin/Finish) and
// walks the provider's login pages with a small cookie-keeping HTTP client,
// as a browser would, up to the redirect back with ?code=.
//
//   OIDC_FLOW_PROBE=build/src/portal/oidc_flow_probe \
//     node --test tests/browser/oidc_flow_test.mjs
import { strict as assert } from 'node:assert';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const probePath = process.env.OIDC_FLOW_PROBE;
const CLIENT_ID = 'sealpost-portal';
const CLIENT_SECRET = 'portal-client-secret';
// A provider's own redirect URI, as the portal sends it with several
// providers configured (portal::OidcRedirectUri).
const REDIRECT_URI = 'https://portal.example.test/oidc/callback/probe';

const children = [];
let tmp;

function kill(child) {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}
process.on('exit', () => children.forEach(kill));

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'sealpost-oidc-'));
});
after(() => {
  children.forEach(kill);
  rmSync(tmp, { recursive: true, force: true });
});

// Reads a child's stdout line by line.
function lines(child) {
  const queue = [];
  const waiters = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const w = waiters.shift();
    if (w) w.resolve(line); else queue.push(line);
  });
  child.on('exit', (code) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`exited with ${code}`));
  });
  return () => {
    if (queue.length) return Promise.resolve(queue.shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no output in 30 s')), 30000);
      waiters.push({
        resolve: (l) => { clearTimeout(timer); resolve(l); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
    });
  };
}

async function startProvider(extraArgs) {
  const child = spawn(process.execPath, [
    join(here, 'oidc_provider.mjs'), '--port', '0',
    '--client-id', CLIENT_ID, '--client-secret', CLIENT_SECRET,
    '--redirect-uri', REDIRECT_URI, ...extraArgs,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const next = lines(child);
  const line = await next().catch((e) => {
    throw new Error(`provider did not start (${e.message}): ${stderr}`);
  });
  const m = /^ready (\S+)$/.exec(line);
  assert.ok(m, `unexpected provider output: ${line}`);
  return m[1];
}

function startProbe(issuer, caFile) {
  const env = {
    ...process.env,
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_ID: CLIENT_ID,
    OIDC_CLIENT_SECRET: CLIENT_SECRET,
    OIDC_REDIRECT_URI: REDIRECT_URI,
  };
  if (caFile) env.OIDC_CA_FILE = caFile; else delete env.OIDC_CA_FILE;
  const child = spawn(probePath, [], { stdio: ['pipe', 'pipe', 'inherit'], env });
  children.push(child);
  const next = lines(child);
  return {
    next: async () => JSON.parse(await next()),
    send: (line) => child.stdin.write(`${line}\n`),
    close: () => child.stdin.end(),
  };
}

// A browser, as far as the provider's login pages need one: cookies by name
// (the test talks to one host), manual redirects, forms posted.
class Browser {
  constructor(ca) { this.ca = ca; this.cookies = new Map(); }

  request(method, url, body) {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : http;
    const headers = { accept: 'text/html' };
    if (this.cookies.size) {
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = Buffer.byteLength(body);
    }
    return new Promise((resolve, reject) => {
      const req = lib.request(u, { method, headers, ca: this.ca, timeout: 10000 }, (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { data += d; });
        res.on('end', () => {
          for (const c of res.headers['set-cookie'] ?? []) {
            const [pair, ...attrs] = c.split(';');
            const eq = pair.indexOf('=');
            const name = pair.slice(0, eq).trim();
            const value = pair.slice(eq + 1).trim();
            const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) ||
              (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now()));
            if (expired || value === '') this.cookies.delete(name);
            else this.cookies.set(name, value);
          }
          resolve({ status: res.statusCode, location: res.headers.location, body: data });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${url}`)));
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  // Follows the sign-in from the authorization URL to the redirect back to
  // the portal, logging in as `login` on the way. Returns that redirect URL.
  async signIn(authorizationUrl, login) {
    let method = 'GET';
    let url = authorizationUrl;
    let body;
    for (let step = 0; step < 12; step++) {
      const res = await this.request(method, url, body);
      if (res.status >= 300 && res.status < 400) {
        const next = new URL(res.location, url).href;
        if (next.startsWith(REDIRECT_URI)) return next;
        method = 'GET'; url = next; body = undefined;
        continue;
      }
      assert.equal(res.status, 200, `${method} ${url}: ${res.body.slice(0, 300)}`);
      const action = /<form[^>]*action="([^"]+)"/.exec(res.body);
      const prompt = /name="prompt" value="(\w+)"/.exec(res.body);
      assert.ok(action && prompt, `no sign-in form at ${url}`);
      const fields = new URLSearchParams({ prompt: prompt[1] });
      if (prompt[1] === 'login') {
        fields.set('login', login);
        fields.set('password', 'any password');
      }
      method = 'POST';
      url = new URL(action[1].replaceAll('&amp;', '&'), url).href;
      body = fields.toString();
    }
    throw new Error('sign-in did not come back to the portal');
  }
}

function makeCa(dir) {
  const run = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
    '-subj', '/CN=Sealpost test IdP CA');
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', 'idp.key', '-out', 'idp.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'ext.cnf'),
    'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  run('x509', '-req', '-in', 'idp.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
    '-CAcreateserial', '-out', 'idp.pem', '-days', '2', '-extfile', 'ext.cnf');
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'idp.pem'), key: join(dir, 'idp.key') };
}

const skip = probePath ? false : 'set OIDC_FLOW_PROBE to the oidc_flow_probe binary';

test('http provider: email from userinfo, client_secret_basic, RS256', { skip }, async () => {
  const issuer = await startProvider([]);
  assert.match(issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
  const probe = startProbe(issuer);
  const begun = await probe.next();
  assert.equal(begun.ok, true, JSON.stringify(begun));
  const auth = new URL(begun.authorization_url);
  assert.equal(auth.searchParams.get('response_type'), 'code');
  assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(auth.searchParams.get('state'), begun.state);

  const callback = await new Browser().signIn(begun.authorization_url, 'ext@gmail.test');
  const back = new URL(callback);
  assert.ok(back.searchParams.get('code'));
  assert.equal(back.searchParams.get('state'), begun.state);

  // RFC 9207: the provider names itself in its answer (and says in its
  // discovery document that it always does), so an answer without its iss,
  // or with another, is refused before the code is redeemed; the same code
  // then still signs in.
  assert.equal(back.searchParams.get('iss'), issuer);
  for (const [iss, said] of [[null, /without its issuer/], ['https://sso.partner.test', /another issuer/]]) {
    const changed = new URL(callback);
    if (iss === null) changed.searchParams.delete('iss'); else changed.searchParams.set('iss', iss);
    probe.send(changed.href);
    const refused = await probe.next();
    assert.equal(refused.code, 'PERMISSION_DENIED', JSON.stringify(refused));
    assert.match(refused.message, said);
  }
  probe.send(callback);
  const identity = await probe.next();
  assert.deepEqual(identity, {
    ok: true, subject: 'ext@gmail.test', email: 'ext@gmail.test',
    email_verified: true, issuer,
  });
  // A code is good once (RFC 6749 §4.1.2): the replay is refused.
  probe.send(callback);
  const replay = await probe.next();
  assert.equal(replay.ok, false);
  assert.equal(replay.code, 'PERMISSION_DENIED');
  // The portal's state check.
  probe.send(callback.replace(/state=[^&]+/, 'state=forged'));
  assert.equal((await probe.next()).ok, false);
  probe.close();
});

test('https provider: claims in the id_token, client_secret_post, ES256', { skip }, async () => {
  const pki = makeCa(tmp);
  const issuer = await startProvider(['--cert', pki.cert, '--key', pki.key,
    '--id-token-alg', 'ES256', '--auth-method', 'client_secret_post',
    '--claims-in-id-token']);
  assert.match(issuer, /^https:\/\/127\.0\.0\.1:\d+$/);
  const probe = startProbe(issuer, pki.ca);
  const begun = await probe.next();
  assert.equal(begun.ok, true, JSON.stringify(begun));
  const ca = readFileSync(pki.ca);
  const callback = await new Browser(ca).signIn(begun.authorization_url, 'mallory@evil.test');
  probe.send(callback);
  const identity = await probe.next();
  // Delivered as it is: refusing an unverified address is the portal's job.
  assert.deepEqual(identity, {
    ok: true, subject: 'mallory@evil.test', email: 'mallory@evil.test',
    email_verified: false, issuer,
  });
  probe.close();

  // Without the test CA the provider's certificate is not trusted.
  const untrusting = startProbe(issuer);
  const refused = await untrusting.next();
  assert.equal(refused.ok, false);
  assert.equal(refused.code, 'UNAVAILABLE');
  assert.match(refused.message, /discovery/);
  untrusting.close();
});
