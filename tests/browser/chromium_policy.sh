#!/usr/bin/env bash
# Installs (or removes) the Chromium policy the browser tests need: Chromium picks a client
# certificate for https://127.0.0.1 without asking, as headless Chromium has no one to ask.
# Chromium reads managed policies only from a machine-wide directory, so the tests' ctest
# fixture installs this before the browser tests and removes it after them.
#
#   tests/browser/chromium_policy.sh install|remove
set -euo pipefail
dir=/etc/chromium/policies/managed
file=$dir/cairn-browser-tests.json
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo -n"
case "${1:-}" in
  install)
    $sudo mkdir -p "$dir"
    # Each test's browser profile holds one user certificate, so any certificate will do. The
    # pattern is matched against the server's URL, not the page's, so Chromium presents it to
    # the console whichever site's page sends the request: cross_site.mjs relies on that.
    echo '{"AutoSelectCertificateForUrls": ["{\"pattern\":\"https://127.0.0.1:*\",\"filter\":{}}"]}' |
      $sudo tee "$file" >/dev/null
    ;;
  remove) $sudo rm -f "$file" ;;
  *) echo "usage: $0 install|remove" >&2; exit 2 ;;
esac
