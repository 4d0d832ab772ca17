#!/usr/bin/env bash
# Creates a throw-away CA and two certificates signed by it, in DIR (skipped if DIR/ca.pem exists):
#   ca.pem                      the CA certificate: what clients (curl --cacert, libcurl CAINFO) must trust
#   server.pem / server.key     for the WebDAV storage servers; SAN IP:127.0.0.1, DNS:localhost
#   x509up                      client certificate + key in one PEM, mode 600: handed to rucio-clients as
#                               X509_USER_PROXY because its WebDAV protocol refuses to connect without a proxy
#                               file (or a JWT). The storage servers never ask for a client certificate.
# Usage: make_tls.sh DIR
set -euo pipefail
dir=$1
[ -f "$dir/ca.pem" ] && exit 0
mkdir -p "$dir"
cd "$dir"
umask 077
days=30
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days $days -keyout ca.key -out ca.pem \
    -subj "/CN=sciencefs Rucio test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

sign() {  # sign NAME SUBJECT EXTENSIONS
    openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
    printf '%s\n' "$3" > "$1.ext"
    openssl x509 -req -sha256 -days $days -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
        -extfile "$1.ext" -out "$1.pem" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}
sign server "/CN=127.0.0.1" "subjectAltName=IP:127.0.0.1,DNS:localhost
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth"
sign client "/CN=alice" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
cat client.pem client.key > x509up
chmod 600 x509up
chmod 644 ca.pem server.pem
openssl verify -CAfile ca.pem server.pem client.pem > /dev/null
