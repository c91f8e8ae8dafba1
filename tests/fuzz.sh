#!/bin/sh
# fuzz.sh - build the proxy parser's libFuzzer harness with clang (ASan +
# UBSan) and run it for a bounded time from a small seed corpus.  Fails if
# clang is missing (CI installs it from tests/packages.txt) or the fuzzer
# finds a crash.  FUZZ_SECONDS overrides the default 20 s.
set -u
echo "1..2"
src=${JR_SRC:?}
out=$(mktemp -d "${TMPDIR:-/tmp}/jrfuzz.XXXXXX")
trap 'rm -rf "$out"' EXIT
if ! command -v clang >/dev/null 2>&1; then
  echo "not ok 1 - clang is not installed (apt-get install clang)"; echo "not ok 2 - fuzz run"; exit 1
fi
if clang -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$src/runtime" -I"$src/netns" -I"$src/seccomp" -o "$out/fuzz" "$src/tests/fuzz_proxy.c" \
    "$src/netns/proxy_policy.c" "$src/netns/proxy_http.c" "$src/netns/proxy_resp.c" "$src/netns/config_net.c" "$src/runtime/error.c" \
    "$src/netns/hostroutes.c" "$src/netns/rtnl.c" "$src/runtime/hostfile.c" -lmnl \
    > "$out/build.log" 2>&1; then
  echo "ok 1 - harness builds with clang -fsanitize=fuzzer,address,undefined"
else
  sed 's/^/# /' "$out/build.log" | tail -20; echo "not ok 1 - harness build"; echo "not ok 2 - fuzz run"; exit 1
fi
mkdir "$out/corpus"
i=0
for s in 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n' \
         'GET http://example.com/a?b HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n\r\n' \
         'POST http://[::1]:8080/ HTTP/1.0\r\nHost: [::1]:8080\r\nTransfer-Encoding: chunked\r\n\r\n'; do
  i=$((i + 1)); printf "\\000$s" > "$out/corpus/head$i"
done
printf '\001Example.COM.' > "$out/corpus/h1"; printf '\0010x7f.1' > "$out/corpus/h2"; printf '\001[::ffff:127.0.0.1]' > "$out/corpus/h3"
printf '\002*.example.test:8443\nevilexample.test' > "$out/corpus/a1"; printf '\002127.0.0.1:80\n127.0.0.1' > "$out/corpus/a2"
secs=${FUZZ_SECONDS:-20}
if (cd "$out" && ./fuzz -max_total_time="$secs" -max_len=9000 -timeout=10 -rss_limit_mb=1024 corpus > fuzz.log 2>&1); then
  echo "ok 2 - no crash in ${secs}s of fuzzing ($(grep -o 'Done [0-9]* runs' "$out/fuzz.log"))"
else
  grep -A15 'ERROR\|==ERROR' "$out/fuzz.log" | head -30 | sed 's/^/# /'; echo "not ok 2 - the fuzzer found a crash"; exit 1
fi
