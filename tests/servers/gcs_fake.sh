#!/usr/bin/env bash
# The GCS fake (gcs_fake.js) for the cloud tests: storage API on http://127.0.0.1:14443, token
# and metadata endpoints on http://127.0.0.1:14444. At start it generates a test RSA key and
#   STATE/sa.json            service-account key file (token_uri http://127.0.0.1:14444/token)
#   STATE/sa-forged.json     same email and key id, another key (must be refused)
#   STATE/sa-solo.json       a second account (same key), used only by tst_cloud_gcs
#   STATE/user.json          authorized_user file (refresh token)
#   STATE/creds.env          NZ_AZ_CLIENT_ID/NZ_AZ_TENANT_ID/NZ_AZ_CLIENT_SECRET for the fake
#                            Azure token endpoint http://127.0.0.1:14444/<tenant>/oauth2/v2.0/token
#                            (plus NZ_AZ_SHORT_CLIENT_ID / NZ_AZ_EXPIRED_CLIENT_ID: same secret,
#                            tokens that live 120 s / are issued expired 600 s ago)
# Bucket "nzpublic" is readable anonymously; every other bucket needs a token.
#   gcs_fake.sh start STATE_DIR     gcs_fake.sh stop STATE_DIR
# Env NZ_GCS_TOKEN_TTL (seconds, default 3600) shortens token lifetimes for refresh tests.
set -euo pipefail
cmd=${1:?usage: gcs_fake.sh start|stop STATE_DIR}
state=${2:?usage: gcs_fake.sh start|stop STATE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
port=${NZ_GCS_PORT:-14443}
token_port=${NZ_GCS_TOKEN_PORT:-14444}
. "$here/server_lib.sh"
stop() { nz_stop_pidfile "$state/gcs_fake.pid"; }
if [[ $cmd == stop ]]; then stop; exit 0; fi
[[ $cmd == start ]] || { echo "unknown command $cmd" >&2; exit 2; }

stop
mkdir -p "$state"
state=$(cd "$state" && pwd)
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$state/sa.key" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$state/forged.key" 2>/dev/null
secret=$(openssl rand -hex 20)
refresh=$(openssl rand -hex 24)
kid=$(openssl rand -hex 20)
STATE="$state" TOKEN_PORT="$token_port" SECRET="$secret" REFRESH="$refresh" KID="$kid" \
TTL="${NZ_GCS_TOKEN_TTL:-3600}" node - <<'JS'
const fs = require('fs');
const s = process.env.STATE;
const tokenUri = `http://127.0.0.1:${process.env.TOKEN_PORT}/token`;
const sa = (keyFile, name = 'nzview-test') => ({ type: 'service_account', project_id: 'nzview-test', private_key_id: process.env.KID,
  private_key: fs.readFileSync(`${s}/${keyFile}`, 'utf8'), client_email: `${name}@nzview-test.iam.gserviceaccount.com`,
  client_id: '1234567890', token_uri: tokenUri });
fs.writeFileSync(`${s}/sa.json`, JSON.stringify(sa('sa.key'), null, 2), { mode: 0o600 });
// An account only tst_cloud_gcs uses, so it can count its own token grants while other tests
// run beside it.
fs.writeFileSync(`${s}/sa-solo.json`, JSON.stringify(sa('sa.key', 'nzview-solo'), null, 2), { mode: 0o600 });
fs.writeFileSync(`${s}/sa-forged.json`, JSON.stringify(sa('forged.key'), null, 2), { mode: 0o600 });
const user = { type: 'authorized_user', client_id: 'nzview-client.apps.googleusercontent.com',
  client_secret: 'user-' + process.env.SECRET, refresh_token: '1//' + process.env.REFRESH, token_uri: tokenUri };
fs.writeFileSync(`${s}/user.json`, JSON.stringify(user, null, 2), { mode: 0o600 });
const azure = { tenant: 'nztenant', client_id: 'nz-client-id', client_secret: 'az-' + process.env.SECRET };
// Two more clients of the same tenant and secret whose tokens live 120 s and -600 s (issued
// already expired), for the doctor's token-lifetime report.
const shortLived = { ...azure, client_id: 'nz-short-client', ttl: 120 };
const expired = { ...azure, client_id: 'nz-expired-client', ttl: -600 };
fs.writeFileSync(`${s}/creds.env`, `NZ_AZ_CLIENT_ID=${azure.client_id}\nNZ_AZ_TENANT_ID=${azure.tenant}\nNZ_AZ_CLIENT_SECRET=${azure.client_secret}\n` +
  `NZ_AZ_SHORT_CLIENT_ID=${shortLived.client_id}\nNZ_AZ_EXPIRED_CLIENT_ID=${expired.client_id}\n`);
fs.writeFileSync(`${s}/config.json`, JSON.stringify({ serviceAccounts: [`${s}/sa.json`, `${s}/sa-solo.json`],
  refreshTokens: [{ client_id: user.client_id, client_secret: user.client_secret, refresh_token: user.refresh_token }],
  azureClients: [azure, shortLived, expired], publicBuckets: ['nzpublic'], tokenTtl: Number(process.env.TTL) }));
JS
nohup node "$here/gcs_fake.js" --port "$port" --token-port "$token_port" --config "$state/config.json" \
  > "$state/gcs_fake.log" 2>&1 &
echo $! > "$state/gcs_fake.pid"
nz_wait_ready gcs_fake "$state/gcs_fake.log" "^READY" "$state/gcs_fake.pid" 100 || { stop; exit 1; }
