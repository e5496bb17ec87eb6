#!/usr/bin/env bash
# Runs `nzview-cli info` on the dataset that tst_cloud_azure left in Azurite with each way of
# giving a secret (key flag, SAS in the URI, connection string in the environment), then with a
# wrong key, and checks that no secret appears anywhere in stdout or stderr.
#   cli_info_no_secrets.sh NZVIEW_CLI AZURITE_STATE_DIR
set -uo pipefail
cli=${1:?usage: cli_info_no_secrets.sh NZVIEW_CLI AZURITE_STATE}
state=${2:?usage: cli_info_no_secrets.sh NZVIEW_CLI AZURITE_STATE}
# shellcheck disable=SC1091
source "$state/accounts.env"
endpoint=http://127.0.0.1:10000
uri=az://nzcli/a.nii.zarr
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0
unset AZURE_STORAGE_CONNECTION_STRING AZURE_STORAGE_ACCOUNT_KEY AZURE_STORAGE_SAS_TOKEN

check_clean() {  # name secret...
  local name=$1; shift
  for s in "$@"; do
    if grep -qF -- "$s" "$out/$name.out" "$out/$name.err"; then
      echo "FAIL: $name: a secret appears in the output"; fail=1
    fi
  done
}

"$cli" info "$uri" --json --azure-account "$NZ_AZ_ACCOUNT" --azure-key "$NZ_AZ_KEY" \
  --azure-endpoint "$endpoint" >"$out/key.out" 2>"$out/key.err"
rc=$?
if [[ $rc -ne 0 ]] || ! grep -q '"shape"' "$out/key.out"; then
  echo "FAIL: info with --azure-key (rc=$rc)"; cat "$out/key.err"; fail=1
fi
check_clean key "$NZ_AZ_KEY"

# SAS in the URI: generated with openssl like any client would (service SAS, container, r+l).
se=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
# (piped, not captured: $(...) would drop the string-to-sign's trailing empty fields)
hexkey=$(printf '%s' "$NZ_AZ_KEY" | base64 -d | od -An -tx1 | tr -d ' \n')
sig=$(printf 'rl\n\n%s\n/blob/%s/nzcli\n\n\n\n2021-08-06\nc\n\n\n\n\n\n\n' "$se" "$NZ_AZ_ACCOUNT" |
  openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hexkey" -binary | base64 -w0)
sig_enc=$(printf '%s' "$sig" | sed 's/+/%2B/g; s/\//%2F/g; s/=/%3D/g')
sas="sv=2021-08-06&se=${se//:/%3A}&sr=c&sp=rl&sig=$sig_enc"
"$cli" info "$uri?$sas" --json --azure-account "$NZ_AZ_ACCOUNT" --azure-endpoint "$endpoint" \
  >"$out/sas.out" 2>"$out/sas.err"
rc=$?
if [[ $rc -ne 0 ]] || ! grep -q '"shape"' "$out/sas.out"; then
  echo "FAIL: info with a SAS in the URI (rc=$rc)"; cat "$out/sas.err"; fail=1
fi
check_clean sas "$sig" "$sig_enc"

AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=$NZ_AZ_ACCOUNT;AccountKey=$NZ_AZ_KEY;BlobEndpoint=$endpoint/$NZ_AZ_ACCOUNT" \
  "$cli" info "$uri" >"$out/env.out" 2>"$out/env.err"
rc=$?
[[ $rc -eq 0 ]] || { echo "FAIL: info with AZURE_STORAGE_CONNECTION_STRING (rc=$rc)"; cat "$out/env.err"; fail=1; }
check_clean env "$NZ_AZ_KEY"

wrong=$(openssl rand -base64 64 | tr -d '\n')
"$cli" info "$uri" --json --azure-account "$NZ_AZ_ACCOUNT" --azure-key "$wrong" \
  --azure-endpoint "$endpoint" >"$out/wrong.out" 2>"$out/wrong.err"
rc=$?
if [[ $rc -eq 0 ]]; then echo "FAIL: a wrong key must fail"; fail=1; fi
if ! grep -q '403' "$out/wrong.err" || ! grep -q -- '--azure-key' "$out/wrong.err"; then
  echo "FAIL: the wrong-key error must say 403 and name --azure-key:"; cat "$out/wrong.err"; fail=1
fi
check_clean wrong "$wrong" "$NZ_AZ_KEY"

[[ $fail -eq 0 ]] && echo "cli_info_no_secrets: all checks passed"
exit $fail
