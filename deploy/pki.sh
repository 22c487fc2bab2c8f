#!/usr/bin/env bash
# Creates a Cairn federation's certificates with openssl (SPEC section 5).
#
#   pki.sh ca   DIR FEDERATION [NAME]   federation CA: DIR/ca.crt, DIR/ca.key (kept if present)
#   pki.sh node DIR FEDERATION ORG [SANS] node certificate: DIR/ORG/node.crt, DIR/ORG/node.key
#   pki.sh user DIR FEDERATION ORG USER user certificate: DIR/ORG/users/USER.crt, .key
#
# Node certificates carry the URI SAN spiffe://FEDERATION/org/ORG plus localhost and 127.0.0.1,
# and SANS: the names peers and users reach the node by, e.g. "DNS:cairn.leeds.example,IP:10.0.0.5".
# User certificates carry spiffe://FEDERATION/org/ORG/user/USER.
# Keys are ECDSA P-256. DIR/ca.crt is the trust bundle every node and user is given; to trust
# several CAs (one per sector, say), concatenate their ca.crt files.
set -euo pipefail

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "pki.sh: $*" >&2; exit 1; }
valid_id() { [[ "$1" =~ ^[a-z][a-z0-9-]{0,62}$ ]] || die "'$1' is not a valid id (a-z, 0-9, '-', starting with a letter)"; }
valid_token() { [[ "$1" =~ ^[a-z0-9._-]{1,63}$ ]] || die "'$1' is not a valid name (a-z, 0-9, '.', '_', '-')"; }

DAYS=${CAIRN_CERT_DAYS:-365}

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; chmod 600 "$1"; }

# sign DIR KEY CERT SUBJECT EXTENSIONS: a certificate for KEY issued by DIR's CA.
sign() {
  local dir=$1 key=$2 cert=$3 subject=$4 extensions=$5
  [ -f "$dir/ca.crt" ] && [ -f "$dir/ca.key" ] || die "no CA in $dir; run: pki.sh ca $dir FEDERATION"
  local csr ext
  csr=$(mktemp) ext=$(mktemp)
  printf '%s\n' "$extensions" > "$ext"
  openssl req -new -key "$key" -subj "$subject" -out "$csr" 2>/dev/null
  openssl x509 -req -in "$csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days "$DAYS" -sha256 -extfile "$ext" -out "$cert" 2>/dev/null
  rm -f "$csr" "$ext"
}

cmd=${1:-}; [ $# -ge 3 ] || usage
dir=$2 federation=$3
valid_token "$federation"
mkdir -p "$dir"
case "$cmd" in
  ca)
    name=${4:-"$federation federation CA"}
    if [ -f "$dir/ca.crt" ] && [ -f "$dir/ca.key" ]; then exit 0; fi
    new_key "$dir/ca.key"
    openssl req -x509 -new -key "$dir/ca.key" -subj "/O=$federation/CN=$name" -days "$((DAYS * 3))" \
      -sha256 -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$dir/ca.crt" 2>/dev/null
    echo "$dir/ca.crt"
    ;;
  node)
    [ $# -eq 4 ] || [ $# -eq 5 ] || usage
    org=$4; valid_id "$org"
    extra=${5:+,$5}
    [[ "$extra" =~ ^(,(DNS|IP):[A-Za-z0-9.:*-]+)*$ ]] || die "SANS must look like DNS:name,IP:address"
    mkdir -p "$dir/$org"
    new_key "$dir/$org/node.key"
    sign "$dir" "$dir/$org/node.key" "$dir/$org/node.crt" "/O=$federation/OU=$org/CN=$org" \
"basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=URI:spiffe://$federation/org/$org,DNS:localhost,IP:127.0.0.1$extra"
    echo "$dir/$org/node.crt"
    ;;
  user)
    [ $# -eq 5 ] || usage
    org=$4 user=$5; valid_id "$org"; valid_token "$user"
    mkdir -p "$dir/$org/users"
    new_key "$dir/$org/users/$user.key"
    sign "$dir" "$dir/$org/users/$user.key" "$dir/$org/users/$user.crt" \
      "/O=$federation/OU=$org/CN=$user" \
"basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectAltName=URI:spiffe://$federation/org/$org/user/$user"
    echo "$dir/$org/users/$user.crt"
    ;;
  *) usage ;;
esac
