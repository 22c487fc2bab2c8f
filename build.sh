#!/usr/bin/env bash
# Sets up Cairn on a Debian 12 machine: installs the Debian packages it needs (apt-get), builds
# it, then runs what you ask for.
#
#   ./build.sh demo    install, build, run the three-organisation demo
#   ./build.sh test    install, build, run the whole test suite (ctest)
#   ./build.sh bench   install, build, run the benchmarks under tests/bench
#   ./build.sh build   install and build only
#   ./build.sh fuzz    install clang, build the libFuzzer targets (build-fuzz/), run each briefly
#                      from its seed corpus (FUZZ_SECONDS each, default 5)
#   ./build.sh sanitize  build with ASan+UBSan (build-asan/) and run the whole test suite
set -euo pipefail
cd "$(dirname "$0")"

packages=(
  build-essential cmake ccache openssl ca-certificates
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev
  libabsl-dev librocksdb-dev libssl-dev libgtest-dev libgmock-dev libstemmer-dev libsqlite3-dev
  libgoogle-perftools-dev prometheus-cpp-dev libcivetweb-dev libcpp-httplib-dev
  nodejs
)

# The browser tests drive Debian's Chromium, which takes the user's certificate from an NSS
# database (certutil and pk12util).
test_packages=(chromium libnss3-tools)

# Only `fuzz` needs clang and its sanitizer and libFuzzer runtimes.
fuzz_packages=(clang libclang-rt-14-dev)

# install_missing [EXTRA_PACKAGE...]: apt-get installs whatever of packages (and the extras) is
# missing.
install_missing() {
  local missing=()
  for package in "${packages[@]}" "$@"; do
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

# Debian's nodejs comes without npm (a separate package); a nodejs from elsewhere may bring its own.
install_npm() {
  command -v npm >/dev/null && return 0
  packages+=(npm)
  install_missing
}

build() {
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
  cmake --build build -j2
}

# Each fuzz target runs for FUZZ_SECONDS from a scratch copy of its seeds (tests/fuzz/corpus/<target>
# stays as committed); a crash, sanitizer report, leak or broken invariant fails the run and
# leaves the input in build-fuzz/findings/.
fuzz() {
  cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAIRN_FUZZ=ON \
    -DCMAKE_CXX_COMPILER=clang++
  cmake --build build-fuzz -j2 --target cairn_fuzzers
  local seconds=${FUZZ_SECONDS:-5}
  mkdir -p build-fuzz/findings
  for target in fuzz_query fuzz_policy fuzz_import_json fuzz_import_llis fuzz_page_token \
                fuzz_replication_batch; do
    local max_len=4096
    case "$target" in fuzz_import_* | fuzz_replication_batch) max_len=65536 ;; esac
    local dict=()
    [ -f "tests/fuzz/$target.dict" ] && dict=("-dict=tests/fuzz/$target.dict")
    mkdir -p "build-fuzz/corpus/$target"
    echo "build.sh: fuzzing $target for ${seconds}s" >&2
    "build-fuzz/tests/fuzz/$target" -max_total_time="$seconds" -max_len="$max_len" \
      -rss_limit_mb=2048 -timeout=25 -print_final_stats=1 "${dict[@]}" \
      -artifact_prefix="build-fuzz/findings/$target-" \
      "build-fuzz/corpus/$target" "tests/fuzz/corpus/$target"
  done
}

# ASan and UBSan reports fail the test that caused them. Every process writes its reports to
# build-asan/sanitizer-reports/ too, since cairnd's own stderr goes to a log that its test removes:
# any report there fails the run. The suppressions are for findings in the system libraries (see
# tests/sanitizer/).
sanitize() {
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAIRN_SANITIZE=ON
  cmake --build build-asan -j2
  local reports=$PWD/build-asan/sanitizer-reports
  rm -rf "$reports" && mkdir -p "$reports"
  local status=0
  ASAN_OPTIONS=detect_leaks=1:log_path=$reports/asan \
  LSAN_OPTIONS=suppressions=$PWD/tests/sanitizer/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan:suppressions=$PWD/tests/sanitizer/ubsan.supp \
    ctest --test-dir build-asan -j2 --output-on-failure || status=$?
  if [ -n "$(ls -A "$reports")" ]; then
    echo "build.sh: sanitizer reports in $reports:" >&2
    head -n 40 "$reports"/* >&2
    status=1
  fi
  return $status
}

case "${1:-}" in
  demo)  install_missing; install_npm; build; deploy/demo.sh ;;
  test)  install_missing "${test_packages[@]}"; install_npm; build
         ctest --test-dir build -j2 --output-on-failure ;;
  bench) install_missing "${test_packages[@]}"; install_npm; build
         build/tests/bench/lesson_bench; build/tests/bench/policy_bench
         build/tests/bench/replication_bench; build/tests/bench/search_bench
         build/tests/bench/federation_bench; build/tests/bench/attack_bench
         build/tests/bench/metrics_bench; build/tests/bench/ranking_bench
         build/tests/bench/alert_bench
         # The console in Chromium, which picks the user's certificate by policy.
         tests/browser/chromium_policy.sh install
         status=0; build/tests/bench/console_bench || status=$?
         tests/browser/chromium_policy.sh remove; exit $status ;;
  build) install_missing; install_npm; build ;;
  fuzz)  install_missing "${fuzz_packages[@]}"; fuzz ;;
  sanitize) install_missing "${test_packages[@]}"; install_npm; sanitize ;;
  *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
