#!/usr/bin/env bash
# Azurite (Azure Blob emulator, npm azurite@3.35.0) for the cloud tests: blob service only on
# http://127.0.0.1:10000, data under STATE/data (wiped at start), well-known account devstoreaccount1 plus a second account
# "nzacct" with a key generated at start (STATE/accounts.env holds its name and key).
# NZ_AZURITE_OAUTH=1: HTTPS with a test CA (STATE/certs/ca.crt) and `--oauth basic`, so Azure AD
# bearer tokens are accepted (Azurite checks their iss/aud/nbf/exp, not the signature).
#   azurite.sh start STATE_DIR     azurite.sh stop STATE_DIR
set -euo pipefail
cmd=${1:?usage: azurite.sh start|stop STATE_DIR}
state=${2:?usage: azurite.sh start|stop STATE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
port=${NZ_AZURITE_PORT:-10000}
. "$here/server_lib.sh"
stop() { nz_stop_pidfile "$state/azurite.pid" 100; }  # Azurite takes up to ~2 s to exit
if [[ $cmd == stop ]]; then stop; exit 0; fi
[[ $cmd == start ]] || { echo "unknown command $cmd" >&2; exit 2; }

"$here/install.sh"
stop
mkdir -p "$state"
state=$(cd "$state" && pwd)
key=$(openssl rand -base64 64 | tr -d '\n')
devkey='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
printf 'NZ_AZ_ACCOUNT=nzacct\nNZ_AZ_KEY=%s\n' "$key" > "$state/accounts.env"
rm -rf "$state/data"; mkdir -p "$state/data"
tls=()
if [[ ${NZ_AZURITE_OAUTH:-0} == 1 ]]; then
  "$here/make_test_certs.sh" "$state/certs"
  tls=(--cert "$state/certs/server.crt" --key "$state/certs/server.key" --oauth basic)
fi
AZURITE_ACCOUNTS="devstoreaccount1:$devkey;nzacct:$key" \
  nohup "$here/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$port" \
  --location "$state/data" --disableTelemetry "${tls[@]}" \
  > "$state/azurite.log" 2>&1 &
echo $! > "$state/azurite.pid"
nz_wait_ready azurite "$state/azurite.log" "successfully listens" "$state/azurite.pid" ||
  { stop; exit 1; }
