#!/usr/bin/env bash
# Sets up Cairn on a Debian 12 machine: installs the Debian packages it needs (apt-get), builds
# it, then runs what you ask for.
#
#   ./build.sh demo    install, build, run the three-organisation demo
#   ./build.sh test    install, build, run the whole test suite (ctest)
#   ./build.sh bench   install, build, run the benchmarks under tests/bench
#   ./build.sh build   install and build only
set -euo pipefail
cd "$(dirname "$0")"

packages=(
  build-essential cmake ccache openssl ca-certificates
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev
  libabsl-dev librocksdb-dev libssl-dev libgtest-dev libgmock-dev libstemmer-dev libsqlite3-dev
  libgoogle-perftools-dev
)

install_missing() {
  local missing=()
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "build.sh: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
  cmake --build build -j2
}

case "${1:-}" in
  demo)  install_missing; build; deploy/demo.sh ;;
  test)  install_missing; build; ctest --test-dir build -j2 --output-on-failure ;;
  bench) install_missing; build
         build/tests/bench/lesson_bench; build/tests/bench/policy_bench
         build/tests/bench/replication_bench; build/tests/bench/search_bench
         build/tests/bench/federation_bench; build/tests/bench/attack_bench ;;
  build) install_missing; build ;;
  *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
