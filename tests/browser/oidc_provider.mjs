// A real OpenID Connect provider for tests (node-oidc-provider): one static
// confidential client and two accounts, login through the provider's own
// development interaction pages (any password).
//
//   node tests/browser/oidc_provider.mjs --port 0 \
//     --client-id sealpost-portal --client-secret s3cret \
//     --redirect-uri https://portal.example.test/oidc/callback \
//     [--cert cert.pem --key key.pem] [--id-token-alg RS256|ES256] \
//     [--auth-method client_secret_basic|client_secret_post] \
//     [--claims-in-id-token]
//
// Every flag has an environment variable: OIDC_PORT, OIDC_CLIENT_ID,
// OIDC_CLIENT_SECRET, OIDC_REDIRECT_URIS (comma-separated), OIDC_TLS_CERT,
// OIDC_TLS_KEY, OIDC_ID_TOKEN_ALG, OIDC_AUTH_METHOD, OIDC_CLAIMS_IN_ID_TOKEN=1.
// Listens on 127.0.0.1 only (https with --cert/--key, else plain http) and
// prints "ready <issuer>" on stdout once it accepts connections. Port 0 picks
// a free port. Runs until SIGTERM/SIGINT. (oidc-provider warns that it wants
// Node 22; it works on Debian 12's Node 20.)
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    cert: { type: 'string' },
    key: { type: 'string' },
    'id-token-alg': { type: 'string' },
    'auth-method': { type: 'string' },
    'claims-in-id-token': { type: 'boolean' },
  },
});
const env = process.env;
const port = Number(args.port ?? env.OIDC_PORT ?? 0);
const clientId = args['client-id'] ?? env.OIDC_CLIENT_ID ?? 'sealpost-portal';
const clientSecret = args['client-secret'] ?? env.OIDC_CLIENT_SECRET;
const redirectUris = args['redirect-uri'] ??
  (env.OIDC_REDIRECT_URIS ?? '').split(',').filter(Boolean);
const certFile = args.cert ?? env.OIDC_TLS_CERT;
const keyFile = args.key ?? env.OIDC_TLS_KEY;
const idTokenAlg = args['id-token-alg'] ?? env.OIDC_ID_TOKEN_ALG ?? 'RS256';
const authMethod = args['auth-method'] ?? env.OIDC_AUTH_METHOD ??
  'client_secret_basic';
const claimsInIdToken = args['claims-in-id-token'] ||
  env.OIDC_CLAIMS_IN_ID_TOKEN === '1';

if (!clientSecret || clientSecret.length < 6 || redirectUris.length === 0) {
  console.error('oidc_provider: need --client-secret (6+ chars) and --redirect-uri');
  process.exit(2);
}
if (!!certFile !== !!keyFile) {
  console.error('oidc_provider: --cert and --key go together');
  process.exit(2);
}

// The accounts. The login name is the account id and the subject.
const accounts = {
  'ext@gmail.test': { email: 'ext@gmail.test', email_verified: true },
  'mallory@evil.test': { email: 'mallory@evil.test', email_verified: false },
};

// Fresh signing keys for each run, one of each type the portal accepts.
function signingKey(type, options, kid, alg) {
  const { privateKey } = generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
}
const jwks = {
  keys: [
    signingKey('rsa', { modulusLength: 2048 }, 'rsa-1', 'RS256'),
    signingKey('ec', { namedCurve: 'P-256' }, 'ec-1', 'ES256'),
  ],
};

const tls = !!certFile;
const server = tls
  ? https.createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) })
  : http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', resolve);
});
const issuer = `${tls ? 'https' : 'http'}://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: authMethod,
    id_token_signed_response_alg: idTokenAlg,
  }],
  // Discovery then lists only the method the client uses, so the relying
  // party has to pick client_secret_post when that is all there is.
  clientAuthMethods: [authMethod],
  jwks,
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  // true (the default): with the code flow, scope-requested claims go to
  // the userinfo endpoint only, as at many real providers.
  conformIdTokenClaims: !claimsInIdToken,
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...account }) };
  },
  // A first-party client: no consent page.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId ||
      ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email');
    await grant.save();
    return grant;
  },
  renderError(ctx, out) {
    ctx.type = 'json';
    ctx.body = out;
  },
});
provider.on('server_error', (ctx, err) => console.error('oidc_provider:', err));
server.on('request', provider.callback());

console.log(`ready ${issuer}`);

function stop() {
  server.close();
  server.closeAllConnections();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
