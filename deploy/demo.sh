#!/usr/bin/env bash
# A local three-organisation Cairn federation on loopback: Leeds City Council, West Yorkshire
# Police and Leeds Teaching Hospitals NHS Trust, each running its own cairnd with certificates
# from pki.sh. Each records lessons from the mobile-working story; the police admin then decides,
# per peer, what may leave: policies, explanations, a preview, the export view and the audit log.
# The council and the NHS trust then pull from the police over mTLS, each receiving what its
# policy allows, and a lesson is withdrawn from the council when its policy tightens.
#
#   deploy/demo.sh [--keep]
#
# Each node also serves the web console; the demo prints its addresses and how to load a demo
# user's certificate into a browser. --keep leaves the nodes running (Ctrl-C stops them) and
# prints how to use the CLI against them.
# Binaries come from $CAIRN_BUILD_DIR (default: build/ beside deploy/); state goes to
# $CAIRN_DEMO_DIR (default: build/demo), recreated on every run.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${CAIRN_BUILD_DIR:-$root/build}
demo=${CAIRN_DEMO_DIR:-$build/demo}
cairnd=$build/server/cairnd
cairn=$build/client/cairn
keep=false
[ "${1:-}" = "--keep" ] && keep=true
for binary in "$cairnd" "$cairn"; do
  [ -x "$binary" ] || { echo "demo: $binary is missing; build first (./build.sh demo does both)" >&2; exit 1; }
done

federation=uk-public-sector
orgs=(leeds-council west-yorkshire-police leeds-nhs-trust)
declare -A sector=([leeds-council]=local-government [west-yorkshire-police]=policing [leeds-nhs-trust]=health)
declare -A editor=([leeds-council]=amira [west-yorkshire-police]=dan [leeds-nhs-trust]=priya)
declare -A analyst=([leeds-council]=tom [west-yorkshire-police]=sian [leeds-nhs-trust]=kwame)
declare -A admin=([leeds-council]=jo [west-yorkshire-police]=raj [leeds-nhs-trust]=ellen)
declare -A contributor=([leeds-council]=sam [west-yorkshire-police]=lee [leeds-nhs-trust]=noor)
declare -A pid port

rm -rf "$demo"
mkdir -p "$demo"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }

step "Certificates: one federation CA, a node certificate and user certificates per organisation"
"$root/deploy/pki.sh" ca "$demo/pki" "$federation" >/dev/null
for org in "${orgs[@]}"; do
  "$root/deploy/pki.sh" node "$demo/pki" "$federation" "$org" >/dev/null
  for user in "${editor[$org]}" "${analyst[$org]}" "${admin[$org]}" "${contributor[$org]}"; do
    "$root/deploy/pki.sh" user "$demo/pki" "$federation" "$org" "$user" >/dev/null
  done
  echo "  $org: node spiffe://$federation/org/$org; users ${editor[$org]} (editor), ${analyst[$org]} (analyst), ${admin[$org]} (admin), ${contributor[$org]} (contributor)"
done

step "Starting one cairnd per organisation (ports chosen by the OS)"
for org in "${orgs[@]}"; do
  mkdir -p "$demo/$org"
  peers=""
  for other in "${orgs[@]}"; do
    [ "$other" = "$org" ] || peers+="peers { org_id: \"$other\" sector: \"${sector[$other]}\" }"$'\n'
  done
  cat > "$demo/$org/cairnd.textproto" <<CONF
federation: "$federation"
org_id: "$org"
sector: "${sector[$org]}"
listen_address: "127.0.0.1:0"
data_dir: "data"
tls {
  cert_file: "../pki/$org/node.crt"
  key_file: "../pki/$org/node.key"
  trust_bundle_file: "../pki/ca.crt"
}
users { name: "${editor[$org]}" role: EDITOR }
users { name: "${analyst[$org]}" role: ANALYST }
users { name: "${admin[$org]}" role: ADMIN }
users { name: "${contributor[$org]}" role: CONTRIBUTOR }
console { listen_address: "127.0.0.1:0" }
$peers
CONF
  "$cairnd" --config "$demo/$org/cairnd.textproto" --port-file "$demo/$org/port" \
    --console-port-file "$demo/$org/console-port" 2> "$demo/$org/cairnd.log" &
  pids+=($!)
done
for org in "${orgs[@]}"; do
  for _ in $(seq 100); do [ -s "$demo/$org/port" ] && break; sleep 0.1; done
  [ -s "$demo/$org/port" ] || { echo "demo: $org did not start:" >&2; cat "$demo/$org/cairnd.log" >&2; exit 1; }
  port[$org]=$(cat "$demo/$org/port")
  echo "  $org listening on 127.0.0.1:${port[$org]}; web console https://127.0.0.1:$(cat "$demo/$org/console-port")/"
done

# as ORG USER cairn-args...: runs the CLI as that user of that organisation.
as() {
  local org=$1 user=$2; shift 2
  "$cairn" --addr "127.0.0.1:${port[$org]}" --ca "$demo/pki/ca.crt" \
    --cert "$demo/pki/$org/users/$user.crt" --key "$demo/pki/$org/users/$user.key" "$@"
}

step "Editors record what they learned about mobile working"
as west-yorkshire-police dan lesson add --marking green --community mobile-working \
  --status learned --polarity good-practice \
  --title "Lock down wireless on mobile data terminals before rollout" \
  --summary "Officers' terminals joined open café and hotel Wi-Fi; we enforced an always-on VPN and certificate-based Wi-Fi." \
  --lesson "The VPN build is documented; ask pc.jones@example.police.uk or call 0113 496 0000 for a copy" \
  --recommendation "Issue devices with an always-on VPN and WPA2-Enterprise profiles; block open networks" \
  --topic wireless-security --topic mobile-working --contact "force-it-security@example.police.uk" >/dev/null
as west-yorkshire-police dan lesson add --marking amber --status learned \
  --title "Radio and tablet batteries fail on long shifts" \
  --summary "Devices died mid-shift in cold weather; vehicle chargers and a swap-at-briefing routine fixed it." \
  --recommendation "Fit vehicle chargers and swap batteries at every shift briefing" \
  --topic battery-management --topic mobile-working >/dev/null
as leeds-council amira lesson add --marking green --community mobile-working --status identified \
  --polarity area-for-improvement \
  --title "Social workers did not report lost or damaged tablets" \
  --summary "Staff feared blame, so lost devices went unreported for days; a no-blame reporting line is proposed." \
  --topic device-care --topic mobile-working >/dev/null
as leeds-council amira lesson add --marking red --status observation \
  --title "Home-visit tablets left in cars overnight" \
  --summary "Internal only: names the teams involved." --topic device-care \
  --notes "Teams: north-east children's services" >/dev/null
as leeds-nhs-trust priya lesson add --marking clear --status learned --polarity good-practice \
  --title "Community nurses keep kit working with a weekly device check" \
  --summary "A five-minute weekly check of each handheld device (charge, updates, case, screen) cut faults by a third." \
  --recommendation "Add a weekly device check to community nursing team huddles" \
  --topic device-care --topic battery-management --topic mobile-working >/dev/null
echo "  5 lessons recorded (markings RED to CLEAR)"

step "sam (contributor, leeds-council) speaks up in confidence; amira (editor) makes it a lesson"
observation=$(as leeds-council sam observation submit --json --confidential \
  --title "Chargers for the new tablets do not fit the pool cars" \
  --driving-event "Three home-visit tablets ran flat this week: the car sockets take the old plugs." |
  sed -n 's/.*"lesson_id": *"\([^"]*\)".*/\1/p')
as leeds-council amira observation queue
as leeds-council amira observation promote "$observation" --status identified --marking green \
  --topic battery-management --topic mobile-working
as leeds-council sam observation mine

for org in "${orgs[@]}"; do
  step "${analyst[$org]} (analyst, $org) lists the lessons on the $org node"
  as "$org" "${analyst[$org]}" lesson list
done

step "An analyst cannot write"
as leeds-council tom lesson add --title "Analysts only read" || true

step "An analyst reads one lesson in full (local-only notes show on the node that owns them)"
id=$(as leeds-council tom lesson list --marking red --json | sed -n 's/.*"id":"\([^"]*\)".*/\1/p' | head -1)
as leeds-council tom lesson get "$id"

step "sian (police analyst) searches: ranked, stemmed (batteries finds battery), with snippets and facets"
as west-yorkshire-police sian search battery shift

step "raj (admin, west-yorkshire-police) lets the council and the NHS trust pull, with different policies"
as west-yorkshire-police raj peer add leeds-council --may-pull yes --may-query yes >/dev/null
as west-yorkshire-police raj peer add leeds-nhs-trust --may-pull yes --community mobile-working >/dev/null
cat > "$demo/police-to-council.textproto" <<'POLICY'
# The council may have our GREEN and AMBER mobile-working lessons, with contact details scrubbed.
export {
  markings: [TLP_AMBER, TLP_GREEN, TLP_CLEAR]
  include_topics: ["wireless-security", "battery-management", "mobile-working"]
  scrub_personal_data: true
}
POLICY
cat > "$demo/police-to-nhs.textproto" <<'POLICY'
# The NHS trust gets GREEN and CLEAR only: no AMBER.
export {
  markings: [TLP_GREEN, TLP_CLEAR]
  scrub_personal_data: true
}
POLICY
as west-yorkshire-police raj policy set --peer leeds-council --file "$demo/police-to-council.textproto"
as west-yorkshire-police raj policy set --peer leeds-nhs-trust --file "$demo/police-to-nhs.textproto"
as west-yorkshire-police raj peer list

amber=$(as west-yorkshire-police raj lesson list --marking amber --json | sed -n 's/.*"id":"\([^"]*\)".*/\1/p' | head -1)
step "Why would the AMBER battery lesson go to the council but not to the NHS trust?"
as west-yorkshire-police raj policy explain "$amber" --peer leeds-council
as west-yorkshire-police raj policy explain "$amber" --peer leeds-nhs-trust

step "What the council would receive from the police, exactly as sent (e-mail scrubbed, contact dropped)"
as west-yorkshire-police raj policy view --peer leeds-council
echo "its 'lesson' text as the police hold it, then as the council would receive it:"
as west-yorkshire-police sian lesson list --json | grep -o '"lesson":"[^"]*"' | head -1
as west-yorkshire-police raj policy view --peer leeds-council --json | grep -o '"lesson":"[^"]*"' | head -1

step "Preview: what if the NHS trust were allowed AMBER too?"
cat > "$demo/police-to-nhs-draft.textproto" <<'POLICY'
export { markings: [TLP_AMBER, TLP_GREEN, TLP_CLEAR] scrub_personal_data: true }
POLICY
as west-yorkshire-police raj policy preview --peer leeds-nhs-trust --file "$demo/police-to-nhs-draft.textproto"

step "The police audit log: who changed what"
as west-yorkshire-police raj audit --limit 8

step "Only admins manage sharing"
as west-yorkshire-police dan policy set --peer leeds-council --file "$demo/police-to-nhs.textproto" || true

# wait_for ORG USER PATTERN [absent]: waits (up to 10 s) until the node's lesson list shows, or
# with "absent" no longer shows, PATTERN.
wait_for() {
  for _ in $(seq 100); do
    if as "$1" "$2" lesson list --all | grep -q "$3"; then [ "${4:-}" = absent ] || return 0
    else [ "${4:-}" = absent ] && return 0; fi
    sleep 0.1
  done
  echo "demo: gave up waiting for '$3' at $1" >&2
}

step "The council and the NHS trust start pulling from the police (mTLS, signed lessons)"
police_addr=127.0.0.1:${port[west-yorkshire-police]}
as leeds-council jo peer add west-yorkshire-police --address "$police_addr" --pull-from yes >/dev/null
as leeds-nhs-trust ellen peer add west-yorkshire-police --address "$police_addr" --pull-from yes >/dev/null
wait_for leeds-council tom "Radio and tablet batteries"
wait_for leeds-nhs-trust kwame "Lock down wireless"

step "tom (council analyst) now sees the police lessons the police let the council have"
as leeds-council tom lesson list --origin west-yorkshire-police
step "kwame (NHS analyst) sees only what the police let the NHS trust have: no AMBER"
as leeds-nhs-trust kwame lesson list --origin west-yorkshire-police
step "The council's copy: signed by the police, e-mail and phone scrubbed, contact details never sent"
as leeds-council tom lesson list --origin west-yorkshire-police --json | grep -o '"lesson":"[^"]*"' | head -1
as leeds-council jo peer status

step "tom searches the council node: its own lessons and the police copies, in one ranked list"
as leeds-council tom search 'tablets OR devices -cars' --topic mobile-working

step "tom asks in the council's own words; the police wrote \"mobile data terminal\""
as leeds-council tom search 'tablet wifi'

step "The NHS trust lets the council ask it questions too (GREEN and CLEAR lessons only)"
as leeds-nhs-trust ellen peer add leeds-council --may-query yes >/dev/null
cat > "$demo/nhs-to-council.textproto" <<'POLICY'
export { markings: [TLP_GREEN, TLP_CLEAR] }
POLICY
as leeds-nhs-trust ellen policy set --peer leeds-council --file "$demo/nhs-to-council.textproto" >/dev/null
as leeds-council jo peer add leeds-nhs-trust --address "127.0.0.1:${port[leeds-nhs-trust]}" >/dev/null

step "tom asks the whole federation about batteries: a line per node as it answers, then one ranking"
as leeds-council tom search --federated battery

step "tom asks the federation about tablets: the NHS trust says \"handheld device\""
as leeds-council tom search --federated tablet

step "tom tells the police the council adopted their battery lesson (signed, sealed for the police)"
batteries=$(as leeds-council tom lesson list --origin west-yorkshire-police |
  awk '/Radio and tablet batteries/ { print $1; exit }')
as leeds-council tom feedback give "$batteries" --adoption adopted --marking green \
  --note "Spare batteries for every carer since March"
for _ in $(seq 100); do
  as west-yorkshire-police sian feedback show "$batteries" | grep -q leeds-council && break
  sleep 0.1
done
as west-yorkshire-police sian feedback show "$batteries"

step "sian makes the police's lessons report for today (one self-contained HTML page)"
today=$(date -u +%F)
as west-yorkshire-police sian report --since "$today" --until "$today" --out "$demo/police-report.html"

step "raj tightens the council's policy to GREEN only: the AMBER copy is withdrawn from the council"
cat > "$demo/police-to-council-green.textproto" <<'POLICY'
export {
  markings: [TLP_GREEN, TLP_CLEAR]
  include_topics: ["wireless-security", "battery-management", "mobile-working"]
  scrub_personal_data: true
}
POLICY
as west-yorkshire-police raj policy set --peer leeds-council --file "$demo/police-to-council-green.textproto"
wait_for leeds-council tom "Radio and tablet batteries" absent
as leeds-council tom lesson list --origin west-yorkshire-police
as west-yorkshire-police raj audit --action replication.sent --limit 4

step "The web console of each node (a browser needs a user certificate of that organisation)"
for org in "${orgs[@]}"; do
  echo "  $org: https://127.0.0.1:$(cat "$demo/$org/console-port")/  (users ${editor[$org]}, ${analyst[$org]}, ${admin[$org]}, ${contributor[$org]})"
done
echo "  To sign in as tom (council analyst), import into your browser's certificate settings:"
echo "    your certificate: $demo/pki/leeds-council/users/tom.p12 (no password)"
echo "    an authority to trust for websites: $demo/pki/ca.crt"
echo "  e.g. Chromium on Linux: pk12util -i $demo/pki/leeds-council/users/tom.p12 -d sql:\$HOME/.pki/nssdb -W ''"
echo "       and certutil -A -d sql:\$HOME/.pki/nssdb -n cairn-demo-ca -t C,, -i $demo/pki/ca.crt"
$keep || echo "  (deploy/demo.sh --keep leaves the nodes running to try this)"

if $keep; then
  step "The nodes keep running; press Ctrl-C to stop them. Try, for example:"
  org=leeds-council
  echo "  export CAIRN_ADDR=127.0.0.1:${port[$org]} CAIRN_CA=$demo/pki/ca.crt \\"
  echo "         CAIRN_CERT=$demo/pki/$org/users/amira.crt CAIRN_KEY=$demo/pki/$org/users/amira.key"
  echo "  $cairn lesson list"
  wait
fi
step "Demo finished; stopping the nodes"
