// Launcher for @20minutes/s3rver 4.0.4 (its npm tarball ships no bin script): adds the key pair
// from S3_ACCESS_KEY/S3_SECRET_KEY, turns off virtual-hosted buckets (path-style only), creates
// S3_BUCKETS, and prints READY host:port.
'use strict';
const path = require('path');
const S3rver = require(path.join(__dirname, 'node_modules/@20minutes/s3rver'));
const AWSAccount = require(path.join(__dirname, 'node_modules/@20minutes/s3rver/lib/models/account'));
const access = process.env.S3_ACCESS_KEY, secret = process.env.S3_SECRET_KEY;
if (access && secret) AWSAccount.DUMMY_ACCOUNT.createKeyPair(access, secret);
const server = new S3rver({
  address: '127.0.0.1', port: Number(process.env.S3_PORT || 14568), silent: true,
  directory: process.env.S3_DIR, vhostBuckets: false, resetOnClose: false,
  configureBuckets: (process.env.S3_BUCKETS || '').split(',').filter(Boolean).map((name) => ({ name })),
});
server.run().then(({ address, port }) => console.log(`READY ${address}:${port}`))
  .catch((e) => { console.error(e); process.exit(1); });
process.on('SIGTERM', () => server.close().finally(() => process.exit(0)));
