#!/usr/bin/env bash
# Test CA + server certificate for localhost / 127.0.0.1 in DIR (ca.crt, server.crt,
# server.key), made once per state directory (a new start of the server reuses them).
#   make_test_certs.sh DIR
set -euo pipefail
certs=${1:?usage: make_test_certs.sh DIR}
mkdir -p "$certs"
[[ -f $certs/server.crt && -f $certs/ca.crt ]] && exit 0
cd "$certs"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
  -subj "/CN=nzview Test CA" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:*.blob.localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > ext.cnf
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt \
  -days 825 -extfile ext.cnf 2>/dev/null
