#!/usr/bin/env bash
# Creates the self-signed certificate `hcbench serve` uses by default, for CN=localhost with
# subjectAltName DNS:localhost, IP:127.0.0.1 and IP:::1, valid 10 years. Re-runnable: it
# overwrites the files it writes.
#
#   certs/generate.sh          ECDSA P-256 key (the default: the cheapest safe handshake for
#                              mbedTLS 2.28 here, see docs/tls.md)
#                              -> localhost.crt, localhost.key, ca.crt (= localhost.crt)
#   certs/generate.sh --rsa    RSA 2048 key (the original project's key type)
#                              -> localhost-rsa.crt, localhost-rsa.key
#   certs/generate.sh --all    both
#
# Clients trust it with ca.crt (curl --cacert certs/ca.crt). Options: --dir DIR writes
# elsewhere (default: the folder of this script).
set -euo pipefail

out_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
kinds=(ecdsa)
while (($# > 0)); do
  case "$1" in
    --rsa) kinds=(rsa) ;;
    --ecdsa) kinds=(ecdsa) ;;
    --all) kinds=(ecdsa rsa) ;;
    --dir) out_dir="$2"; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "generate.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
command -v openssl >/dev/null || { echo "generate.sh: openssl is missing (apt-get install openssl)" >&2; exit 1; }
mkdir -p "$out_dir"

# The certificate is its own CA (clients pass it with --cacert), so it carries what strict
# verifiers (OpenSSL's X509_STRICT, which Python 3.13 enables by default) expect of a CA and
# of a server certificate: critical basicConstraints, keyUsage, serverAuth, key identifiers.
generate() {
  local kind="$1" base key_args key_usage
  case "$kind" in
    ecdsa)
      base=localhost
      key_args=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1)
      key_usage="critical,digitalSignature,keyCertSign" ;;
    rsa)
      base=localhost-rsa
      key_args=(-newkey rsa:2048)
      key_usage="critical,digitalSignature,keyEncipherment,keyCertSign" ;;
  esac
  local tmp_key tmp_crt
  tmp_key="$(mktemp "$out_dir/.key.XXXXXX")"
  tmp_crt="$(mktemp "$out_dir/.crt.XXXXXX")"
  trap 'rm -f "$tmp_key" "$tmp_crt"' RETURN
  openssl req -x509 "${key_args[@]}" -sha256 -nodes -days 3650 \
    -subj "/CN=localhost" \
    -keyout "$tmp_key" -out "$tmp_crt" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=$key_usage" \
    -addext "extendedKeyUsage=serverAuth" \
    2>/dev/null
  chmod 644 "$tmp_key" "$tmp_crt" # a test key, readable by whoever runs the server
  mv "$tmp_key" "$out_dir/$base.key"
  mv "$tmp_crt" "$out_dir/$base.crt"
  if [[ "$kind" == ecdsa ]]; then cp "$out_dir/$base.crt" "$out_dir/ca.crt"; fi
  echo "generate.sh: wrote $out_dir/$base.crt and $base.key ($kind)"
}

for kind in "${kinds[@]}"; do generate "$kind"; done
