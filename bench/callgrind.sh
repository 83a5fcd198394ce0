#!/bin/bash
# Instructions per request of one server, by callgrind: the way the
# "Findings" of BENCHMARKS.md were measured.
#
#   bench/callgrind.sh BINARY LABEL [ROUTE...]   # routes: plaintext json post get
#
# Starts BINARY under callgrind (PORT and GATI_HOST set), warms each route up
# with wrk for 2 s, zeroes the counters, loads it for 5 s (`wrk -t1 -c4`),
# dumps, and prints user-space instructions divided by the requests wrk
# counted. Needs valgrind, wrk and curl, and the harness's Lua scripts in
# target/bench/lua (any harness run, `--smoke` included, writes them).
# Profiles stay in target/callgrind/LABEL for callgrind_annotate.
set -u
BIN=$1; LABEL=$2; shift 2
ROUTES=${*:-plaintext json post get}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LUA=$ROOT/target/bench/lua
OUT=$ROOT/target/callgrind/$LABEL
PORT=$((20000 + RANDOM % 10000))
mkdir -p "$OUT"
for r in $ROUTES; do
  rm -f "$OUT"/cg."$r".*
  PORT=$PORT GATI_HOST=127.0.0.1 valgrind --tool=callgrind \
    --callgrind-out-file="$OUT/cg.$r.%p" "$BIN" >/dev/null 2>"$OUT/vg.$r.log" &
  VPID=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
    sleep 0.2
  done
  case $r in get) path=/people/42 ;; post) path=/people ;; *) path=/$r ;; esac
  wrk -t1 -c4 -d2s -s "$LUA/$r.lua" "http://127.0.0.1:$PORT$path" >/dev/null
  callgrind_control -z $VPID >/dev/null 2>&1
  result=$(wrk -t1 -c4 -d5s -s "$LUA/$r.lua" "http://127.0.0.1:$PORT$path" | sed -n 's/^RESULT //p')
  callgrind_control -d $VPID >/dev/null 2>&1
  kill $VPID; wait $VPID 2>/dev/null
  requests=$(echo "$result" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
  total=$(cat "$OUT"/cg."$r".*.1 | awk '/^summary:/ {s += $2} END {print s}')
  echo "$LABEL $r requests=$requests instructions/request=$((total / requests))"
  PORT=$((PORT + 1))
done
