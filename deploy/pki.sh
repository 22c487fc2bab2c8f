#!/usr/bin/env bash
# Creates and revokes a Cairn federation's certificates with openssl (SPEC section 5).
#
#   pki.sh ca     DIR FEDERATION [NAME]    federation CA: DIR/ca.crt, DIR/ca.key (kept if present)
#   pki.sh node   DIR FEDERATION ORG [SANS] node certificate: DIR/ORG/node.crt, DIR/ORG/node.key
#   pki.sh user   DIR FEDERATION ORG USER  user certificate: DIR/ORG/users/USER.crt, .key, and
#                                          USER.p12 (both, for a browser; password
#                                          $CAIRN_P12_PASSWORD, default none)
#   pki.sh revoke DIR FEDERATION ORG[/USER]|FILE.crt [REASON]
#                                          revokes a node's or user's current certificate, or
#                                          FILE.crt; REASON is one of openssl's: unspecified,
#                                          keyCompromise, CACompromise, affiliationChanged,
#                                          superseded, cessationOfOperation (default unspecified)
#   pki.sh crl    DIR FEDERATION           writes DIR/crl.pem, the CA's signed revocation list
#
# Node certificates carry the URI SAN spiffe://FEDERATION/org/ORG plus localhost and 127.0.0.1,
# and SANS: the names peers and users reach the node by, e.g. "DNS:cairn.leeds.example,IP:10.0.0.5".
# User certificates carry spiffe://FEDERATION/org/ORG/user/USER. Keys are ECDSA P-256.
# DIR/ca.crt is the trust bundle every node and user is given; to trust several CAs (one per
# sector, say), concatenate their ca.crt files, and likewise their crl.pem files for crl_file.
# Issuing again (a renewal) writes a new key and certificate over the old; keep the old .crt if
# you may need to revoke it later. Certificates are valid for CAIRN_CERT_DAYS days (default 365),
# or from CAIRN_CERT_NOT_BEFORE to CAIRN_CERT_NOT_AFTER when set (anything `date -d` reads, e.g.
# "now + 90 days"). CRLs say the next one is due in CAIRN_CRL_DAYS days (default 7).
set -euo pipefail

usage() { sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "pki.sh: $*" >&2; exit 1; }
valid_id() { [[ "$1" =~ ^[a-z][a-z0-9-]{0,62}$ ]] || die "'$1' is not a valid id (a-z, 0-9, '-', starting with a letter)"; }
valid_token() { [[ "$1" =~ ^[a-z0-9._-]{1,63}$ ]] || die "'$1' is not a valid name (a-z, 0-9, '.', '_', '-')"; }

DAYS=${CAIRN_CERT_DAYS:-365}
CRL_DAYS=${CAIRN_CRL_DAYS:-7}

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; chmod 600 "$1"; }

# openssl's time format for a `date -d` expression, e.g. 20270131120000Z.
asn1_time() { date -u -d "$1" +%Y%m%d%H%M%SZ || die "cannot read the date '$1'"; }

# The CA's database (DIR/ca-db) and the openssl ca configuration that names it.
ca_config() {
  local dir=$1
  [ -f "$dir/ca.crt" ] && [ -f "$dir/ca.key" ] || die "no CA in $dir; run: pki.sh ca $dir FEDERATION"
  mkdir -p "$dir/ca-db/issued"
  [ -f "$dir/ca-db/index.txt" ] || : > "$dir/ca-db/index.txt"
  [ -f "$dir/ca-db/serial" ] || openssl rand -hex 16 > "$dir/ca-db/serial"
  [ -f "$dir/ca-db/crlnumber" ] || echo 1000 > "$dir/ca-db/crlnumber"
  cat > "$dir/ca-db/openssl.cnf" <<CONF
[ ca ]
default_ca = cairn
[ cairn ]
database = $dir/ca-db/index.txt
new_certs_dir = $dir/ca-db/issued
certificate = $dir/ca.crt
private_key = $dir/ca.key
serial = $dir/ca-db/serial
crlnumber = $dir/ca-db/crlnumber
default_md = sha256
default_days = $DAYS
default_crl_days = $CRL_DAYS
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
organizationName = optional
organizationalUnitName = optional
commonName = supplied
CONF
  echo "$dir/ca-db/openssl.cnf"
}

# sign DIR KEY CERT SUBJECT EXTENSIONS: a certificate for KEY issued by DIR's CA.
sign() {
  local dir=$1 key=$2 cert=$3 subject=$4 extensions=$5
  local config csr ext validity=()
  config=$(ca_config "$dir")
  csr=$(mktemp) ext=$(mktemp)
  printf '%s\n' "$extensions" > "$ext"
  if [ -n "${CAIRN_CERT_NOT_BEFORE:-}" ]; then validity+=(-startdate "$(asn1_time "$CAIRN_CERT_NOT_BEFORE")"); fi
  if [ -n "${CAIRN_CERT_NOT_AFTER:-}" ]; then validity+=(-enddate "$(asn1_time "$CAIRN_CERT_NOT_AFTER")"); fi
  openssl req -new -key "$key" -subj "$subject" -out "$csr" 2>/dev/null
  openssl ca -batch -notext -config "$config" -in "$csr" -out "$cert.new" -extfile "$ext" \
    "${validity[@]}" 2>/dev/null || { rm -f "$csr" "$ext" "$cert.new"; die "openssl ca could not issue $cert"; }
  mv "$cert.new" "$cert"
  rm -f "$csr" "$ext"
}

# issue DIR KEY CERT SUBJECT EXTENSIONS: a new key and certificate, moved into place together
# (key first), so a node watching the files never keeps a half-renewed pair for long.
issue() {
  local dir=$1 key=$2 cert=$3 subject=$4 extensions=$5
  new_key "$key.new"
  sign "$dir" "$key.new" "$cert.next" "$subject" "$extensions"
  mv "$key.new" "$key"
  mv "$cert.next" "$cert"
}

cmd=${1:-}; [ $# -ge 3 ] || usage
dir=$2 federation=$3
valid_token "$federation"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
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
    issue "$dir" "$dir/$org/node.key" "$dir/$org/node.crt" "/O=$federation/OU=$org/CN=$org" \
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
    issue "$dir" "$dir/$org/users/$user.key" "$dir/$org/users/$user.crt" \
      "/O=$federation/OU=$org/CN=$user" \
"basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectAltName=URI:spiffe://$federation/org/$org/user/$user"
    # Browsers import a certificate with its key as one PKCS#12 file (the web console).
    openssl pkcs12 -export -in "$dir/$org/users/$user.crt" -inkey "$dir/$org/users/$user.key" \
      -name "$user ($org, $federation)" -passout "pass:${CAIRN_P12_PASSWORD:-}" \
      -out "$dir/$org/users/$user.p12"
    chmod 600 "$dir/$org/users/$user.p12"
    echo "$dir/$org/users/$user.crt"
    ;;
  revoke)
    [ $# -eq 4 ] || [ $# -eq 5 ] || usage
    target=$4 reason=${5:-unspecified}
    case "$reason" in
      unspecified|keyCompromise|CACompromise|affiliationChanged|superseded|cessationOfOperation) ;;
      *) die "REASON '$reason' is not one of unspecified, keyCompromise, CACompromise, affiliationChanged, superseded, cessationOfOperation" ;;
    esac
    if [[ "$target" == *.crt ]]; then
      cert=$target
    elif [[ "$target" == */* ]]; then
      org=${target%%/*} user=${target#*/}; valid_id "$org"; valid_token "$user"
      cert=$dir/$org/users/$user.crt
    else
      valid_id "$target"; cert=$dir/$target/node.crt
    fi
    [ -f "$cert" ] || die "no certificate $cert to revoke"
    config=$(ca_config "$dir")
    openssl ca -batch -config "$config" -revoke "$cert" -crl_reason "$reason" 2>/dev/null ||
      die "openssl ca could not revoke $cert (already revoked, or not issued by $dir/ca.crt?)"
    echo "revoked $(openssl x509 -in "$cert" -noout -serial) ($reason); now run: pki.sh crl $dir $federation"
    ;;
  crl)
    [ $# -eq 3 ] || usage
    config=$(ca_config "$dir")
    openssl ca -batch -config "$config" -gencrl -out "$dir/crl.pem.new" 2>/dev/null ||
      die "openssl ca could not make the CRL"
    mv "$dir/crl.pem.new" "$dir/crl.pem"
    echo "$dir/crl.pem"
    ;;
  *) usage ;;
esac
