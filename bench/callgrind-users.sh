#!/bin/bash
# Instructions per request of the users example's `GET /users/{id}`, by
# callgrind, in the style of bench/callgrind.sh: a route that parses a UUID
# path parameter and answers a `User` holding a UUID and a timestamp (the
# bench service's routes hold neither), for the scalar types' section of
# BENCHMARKS.md.
#
#   bench/callgrind-users.sh BINARY LABEL
#
# BINARY is the users example's server (`cargo build --release` in
# examples/users). Starts it under callgrind, creates one user, warms the
# route up with wrk for 2 s, zeroes the counters, loads it for 5 s
# (`wrk -t1 -c4`), dumps, and prints user-space instructions divided by the
# requests wrk counted. Needs valgrind, wrk, curl and python3. The profile
# stays in target/callgrind/LABEL for callgrind_annotate.
set -u
BIN=$1; LABEL=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/target/callgrind/$LABEL
PORT=$((20000 + RANDOM % 10000))
TOKEN=callgrind-token
mkdir -p "$OUT"
rm -f "$OUT"/cg.get_user.*
PORT=$PORT GATI_HOST=127.0.0.1 USERS_API_TOKEN=$TOKEN valgrind --tool=callgrind \
  --callgrind-out-file="$OUT/cg.get_user.%p" "$BIN" >/dev/null 2>"$OUT/vg.get_user.log" &
VPID=$!
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break
  sleep 0.2
done
id=$(curl -s -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d '{"handle": "ada", "email": "ada@example.com", "display_name": "Ada Lovelace"}' \
  "http://127.0.0.1:$PORT/users" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
url="http://127.0.0.1:$PORT/users/$id"
wrk -t1 -c4 -d2s "$url" >/dev/null
callgrind_control -z $VPID >/dev/null 2>&1
requests=$(wrk -t1 -c4 -d5s "$url" | awk '/requests in/ {print $1}')
callgrind_control -d $VPID >/dev/null 2>&1
kill $VPID; wait $VPID 2>/dev/null
total=$(cat "$OUT"/cg.get_user.*.1 | awk '/^summary:/ {s += $2} END {print s}')
echo "$LABEL get_user requests=$requests instructions/request=$((total / requests))"
