#!/usr/bin/env node
// A small GCS JSON-API fake for the nzview cloud tests (Node stdlib only). No real GCS server
// runs offline, and the available emulators never check credentials, so this one does:
//  - data requests need a bearer token this server issued (401 otherwise), except reads of
//    --public buckets without any Authorization header;
//  - POST /token: service-account JWT-bearer grant (RS256 signature checked against the public
//    key of the configured key file, plus iss, aud, iat/exp and scope) and refresh_token grant;
//  - GET /computeMetadata/v1/instance/service-accounts/default/token (Metadata-Flavor: Google);
//  - Azure stand-ins for credential tests: POST /<tenant>/oauth2/v2.0/token (client secret)
//    and GET /metadata/identity/oauth2/token (Metadata: true) issuing JWT-shaped tokens;
//  - JSON API: media download with Range, metadata GET, list, simple and resumable uploads,
//    DELETE. Objects live in memory.
//  - GET /_stats: request counters for tests (token grants per kind and per service account).
// Usage: node gcs_fake.js --port 14443 --token-port 14444 --config config.json
'use strict';
const http = require('http');
const crypto = require('crypto');
const fs = require('fs');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const port = Number(args.port || 14443);
const tokenPort = Number(args['token-port'] || 14444);
const cfg = JSON.parse(fs.readFileSync(args.config, 'utf8'));
// cfg: { serviceAccounts: [sa.json paths], refreshTokens: [{client_id, client_secret, refresh_token}],
//        azureClients: [{tenant, client_id, client_secret}], publicBuckets: [..], tokenTtl: 3600 }
const serviceAccounts = (cfg.serviceAccounts || []).map((p) => {
  const sa = JSON.parse(fs.readFileSync(p, 'utf8'));
  return { email: sa.client_email, kid: sa.private_key_id, tokenUri: sa.token_uri,
           publicKey: crypto.createPublicKey(sa.private_key) };
});
const publicBuckets = new Set(cfg.publicBuckets || []);
const ttl = Number(cfg.tokenTtl || 3600);
const tokens = new Map();  // token -> expiry ms
const objects = new Map(); // "bucket/name" -> {data, generation, contentType}
const uploads = new Map(); // upload id -> {bucket, name, chunks: [], received, total}
const stats = { serviceAccountGrants: 0, refreshGrants: 0, metadataGrants: 0, azureClientGrants: 0,
                azureImdsGrants: 0, rejectedGrants: 0, unauthorized: 0, requests: 0,
                grantsByAccount: {} };  // service-account email -> grants

function send(res, status, body, headers = {}) {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.writeHead(status, Object.assign({ 'Content-Length': buf.length }, headers));
  res.end(buf);
}
function gcsError(res, status, message, reason) {
  send(res, status, { error: { code: status, message, errors: [{ message, reason: reason || 'invalid' }] } },
       { 'Content-Type': 'application/json' });
}
function oauthError(res, status, error, description) {
  send(res, status, { error, error_description: description }, { 'Content-Type': 'application/json' });
}
function issue(kind) {
  const token = 'ya29.fake-' + kind + '-' + crypto.randomBytes(16).toString('hex');
  tokens.set(token, Date.now() + ttl * 1000);
  return token;
}
function b64url(buf) { return Buffer.from(buf).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'); }
// A JWT-shaped Azure AD token (Azurite's "basic" OAuth check reads iss/aud/nbf/exp only).
// `lifetime` (seconds) may be a client's own (config azureClients[].ttl; negative = issued
// already expired, as a token endpoint with a wrong clock or a stale cache would).
function azureToken(tenant, lifetime = ttl) {
  const now = Math.floor(Date.now() / 1000);
  const body = { aud: 'https://storage.azure.com', iss: `https://sts.windows.net/${tenant}/`,
                 iat: now, nbf: now - 60 + Math.min(0, lifetime), exp: now + lifetime, tid: tenant };
  const token = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' })) + '.' + b64url(JSON.stringify(body)) + '.' + b64url(crypto.randomBytes(32));
  tokens.set(token, Date.now() + lifetime * 1000);
  return token;
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

function verifyJwt(assertion) {
  const parts = (assertion || '').split('.');
  if (parts.length !== 3) return 'malformed JWT';
  let header, claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString());
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
  } catch (e) { return 'malformed JWT'; }
  if (header.alg !== 'RS256') return 'unsupported alg';
  const sa = serviceAccounts.find((s) => s.email === claims.iss);
  if (!sa) return 'Invalid JWT: unknown service account';
  if (header.kid && sa.kid && header.kid !== sa.kid) return 'Invalid JWT: unknown key id';
  const ok = crypto.verify('RSA-SHA256', Buffer.from(parts[0] + '.' + parts[1]), sa.publicKey,
                           Buffer.from(parts[2], 'base64url'));
  if (!ok) return 'Invalid JWT Signature.';
  const auds = ['https://oauth2.googleapis.com/token', 'https://www.googleapis.com/oauth2/v4/token',
                'https://accounts.google.com/o/oauth2/token', sa.tokenUri];
  if (!auds.includes(claims.aud)) return 'Invalid JWT: wrong aud';
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number' || claims.exp <= now ||
      claims.exp - claims.iat > 3600 || claims.iat > now + 300) return 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.';
  if (!/devstorage|cloud-platform/.test(claims.scope || '')) return 'scope';
  return null;
}

async function handleToken(req, res, url) {
  const body = new URLSearchParams((await readBody(req)).toString());
  const grant = body.get('grant_type');
  if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
    const err = verifyJwt(body.get('assertion'));
    if (err === 'scope') { stats.rejectedGrants++; return oauthError(res, 400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.'); }
    if (err) { stats.rejectedGrants++; return oauthError(res, 400, 'invalid_grant', err); }
    stats.serviceAccountGrants++;
    const iss = JSON.parse(Buffer.from(body.get('assertion').split('.')[1], 'base64url').toString()).iss;
    stats.grantsByAccount[iss] = (stats.grantsByAccount[iss] || 0) + 1;
    return send(res, 200, { access_token: issue('sa'), expires_in: ttl, token_type: 'Bearer' }, { 'Content-Type': 'application/json' });
  }
  if (grant === 'refresh_token') {
    const ok = (cfg.refreshTokens || []).some((r) => r.client_id === body.get('client_id') &&
      r.client_secret === body.get('client_secret') && r.refresh_token === body.get('refresh_token'));
    if (!ok) { stats.rejectedGrants++; return oauthError(res, 400, 'invalid_grant', 'Bad Request'); }
    stats.refreshGrants++;
    return send(res, 200, { access_token: issue('user'), expires_in: ttl, token_type: 'Bearer' }, { 'Content-Type': 'application/json' });
  }
  if (grant === 'client_credentials') {
    const tenant = url.pathname.split('/')[1];
    const client = (cfg.azureClients || []).find((c) => c.tenant === tenant && c.client_id === body.get('client_id') &&
      c.client_secret === body.get('client_secret'));
    const ok = !!client;
    if (!ok) { stats.rejectedGrants++; return oauthError(res, 401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.'); }
    if (!/storage\.azure\.com/.test(body.get('scope') || '')) { stats.rejectedGrants++; return oauthError(res, 400, 'invalid_scope', 'scope'); }
    stats.azureClientGrants++;
    const lifetime = client.ttl !== undefined ? Number(client.ttl) : ttl;
    return send(res, 200, { access_token: azureToken(tenant, lifetime), expires_in: lifetime, token_type: 'Bearer' }, { 'Content-Type': 'application/json' });
  }
  stats.rejectedGrants++;
  return oauthError(res, 400, 'unsupported_grant_type', 'Invalid grant_type: ' + grant);
}

function authorized(req, bucket, write) {
  const auth = req.headers['authorization'];
  if (!auth) return !write && publicBuckets.has(bucket);
  const m = /^Bearer (.+)$/.exec(auth);
  if (!m) return false;
  const exp = tokens.get(m[1]);
  return exp !== undefined && exp > Date.now();
}

function metadata(bucket, name, o) {
  return { kind: 'storage#object', id: `${bucket}/${name}/${o.generation}`, name, bucket,
           generation: String(o.generation), size: String(o.data.length), contentType: o.contentType,
           md5Hash: crypto.createHash('md5').update(o.data).digest('base64'), etag: 'CAE=' };
}

function serveMedia(req, res, bucket, name, o) {
  const size = o.data.length;
  const headers = { 'Content-Type': o.contentType, 'Accept-Ranges': 'bytes',
                    'x-goog-generation': String(o.generation), 'x-goog-stored-content-length': String(size) };
  const range = req.headers['range'];
  if (!range) return send(res, 200, o.data, headers);
  const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  if (!m || (m[1] === '' && m[2] === '')) return send(res, 200, o.data, headers);
  let start, end;
  if (m[1] === '') { const n = Number(m[2]); start = Math.max(0, size - n); end = size - 1; }
  else { start = Number(m[1]); end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1); }
  if (start >= size || start > end) return send(res, 416, '', { 'Content-Range': `bytes */${size}` });
  headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  return send(res, 206, o.data.subarray(start, end + 1), headers);
}

async function handle(req, res) {
  stats.requests++;
  const url = new URL(req.url, 'http://127.0.0.1');
  const p = url.pathname;
  if (p === '/_stats') return send(res, 200, stats, { 'Content-Type': 'application/json' });
  if (p === '/token' || /^\/[^/]+\/oauth2\/v2\.0\/token$/.test(p)) {
    if (req.method !== 'POST') return oauthError(res, 405, 'invalid_request', 'POST only');
    return handleToken(req, res, url);
  }
  if (p === '/computeMetadata/v1/instance/service-accounts/default/token') {
    if (req.headers['metadata-flavor'] !== 'Google') return send(res, 403, 'Missing Metadata-Flavor:Google header.');
    stats.metadataGrants++;
    return send(res, 200, { access_token: issue('gce'), expires_in: ttl, token_type: 'Bearer' }, { 'Content-Type': 'application/json' });
  }
  if (p === '/metadata/identity/oauth2/token') {
    if (req.headers['metadata'] !== 'true') return send(res, 400, { error: 'invalid_request', error_description: 'Required metadata header not specified' });
    stats.azureImdsGrants++;
    const exp = Math.floor(Date.now() / 1000) + ttl;
    return send(res, 200, { access_token: azureToken('imds'), expires_on: String(exp), resource: url.searchParams.get('resource'), token_type: 'Bearer' }, { 'Content-Type': 'application/json' });
  }

  let m;
  // Resumable upload session chunks.
  if ((req.method === 'PUT' || req.method === 'POST') && url.searchParams.get('upload_id')) {
    const up = uploads.get(url.searchParams.get('upload_id'));
    if (!up) return gcsError(res, 404, 'No such upload', 'notFound');
    if (!authorized(req, up.bucket, true)) { stats.unauthorized++; return gcsError(res, 401, 'Invalid Credentials', 'authError'); }
    const body = await readBody(req);
    const cr = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(req.headers['content-range'] || '');
    if (!cr || Number(cr[1]) !== up.received) return gcsError(res, 400, 'bad Content-Range', 'invalid');
    up.chunks.push(body);
    up.received += body.length;
    if (cr[3] !== '*' && up.received === Number(cr[3])) {
      const o = { data: Buffer.concat(up.chunks), generation: Date.now(), contentType: up.contentType };
      objects.set(up.bucket + '/' + up.name, o);
      uploads.delete(url.searchParams.get('upload_id'));
      return send(res, 200, metadata(up.bucket, up.name, o), { 'Content-Type': 'application/json' });
    }
    return send(res, 308, '', { Range: `bytes=0-${up.received - 1}` });
  }
  if ((m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(p)) && req.method === 'POST') {
    const bucket = decodeURIComponent(m[1]);
    const name = url.searchParams.get('name');
    if (!authorized(req, bucket, true)) { stats.unauthorized++; await readBody(req); return gcsError(res, 401, 'Anonymous caller does not have storage.objects.create access', 'required'); }
    if (!name) return gcsError(res, 400, 'Required parameter: name', 'required');
    const type = url.searchParams.get('uploadType');
    const body = await readBody(req);
    if (type === 'media') {
      const o = { data: body, generation: Date.now(), contentType: req.headers['content-type'] || 'application/octet-stream' };
      objects.set(bucket + '/' + name, o);
      return send(res, 200, metadata(bucket, name, o), { 'Content-Type': 'application/json' });
    }
    if (type === 'resumable') {
      const id = crypto.randomBytes(12).toString('hex');
      uploads.set(id, { bucket, name, chunks: [], received: 0, contentType: req.headers['x-upload-content-type'] || 'application/octet-stream' });
      return send(res, 200, '', { Location: `http://${req.headers.host}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&upload_id=${id}` });
    }
    return gcsError(res, 400, 'unsupported uploadType', 'invalid');
  }
  if ((m = /^\/(?:download\/)?storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(p))) {
    const bucket = decodeURIComponent(m[1]);
    const name = decodeURIComponent(m[2]);
    const write = req.method === 'DELETE';
    if (!authorized(req, bucket, write)) {
      stats.unauthorized++;
      return gcsError(res, 401, req.headers['authorization'] ? 'Invalid Credentials' :
        `Anonymous caller does not have storage.objects.get access to the Google Cloud Storage object.`, 'required');
    }
    const o = objects.get(bucket + '/' + name);
    if (req.method === 'DELETE') {
      if (!o) return gcsError(res, 404, 'No such object: ' + bucket + '/' + name, 'notFound');
      objects.delete(bucket + '/' + name);
      return send(res, 204, '');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return gcsError(res, 405, 'method', 'invalid');
    if (!o) return gcsError(res, 404, 'No such object: ' + bucket + '/' + name, 'notFound');
    if (url.searchParams.get('alt') === 'media') return serveMedia(req, res, bucket, name, o);
    return send(res, 200, metadata(bucket, name, o), { 'Content-Type': 'application/json' });
  }
  if ((m = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(p)) && req.method === 'GET') {
    const bucket = decodeURIComponent(m[1]);
    if (!authorized(req, bucket, false)) { stats.unauthorized++; return gcsError(res, 401, 'Invalid Credentials', 'authError'); }
    const prefix = url.searchParams.get('prefix') || '';
    const items = [];
    for (const [k, o] of objects) {
      if (!k.startsWith(bucket + '/')) continue;
      const name = k.slice(bucket.length + 1);
      if (name.startsWith(prefix)) items.push(metadata(bucket, name, o));
    }
    return send(res, 200, { kind: 'storage#objects', items }, { 'Content-Type': 'application/json' });
  }
  return gcsError(res, 404, 'Not Found: ' + p, 'notFound');
}

function listen(p) {
  return new Promise((resolve, reject) => {
    const srv = http.createServer((req, res) => handle(req, res).catch((e) => {
      try { gcsError(res, 500, String(e), 'backendError'); } catch (_) { /* response already sent */ }
    }));
    srv.on('error', reject);
    srv.listen(p, '127.0.0.1', () => resolve(srv));
  });
}

Promise.all([listen(port), listen(tokenPort)]).then(() => {
  console.log(`READY 127.0.0.1:${port} 127.0.0.1:${tokenPort}`);
}).catch((e) => { console.error(String(e)); process.exit(1); });
process.on('SIGTERM', () => process.exit(0));
