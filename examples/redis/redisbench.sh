#!/bin/sh
# redisbench.sh PORT REQUESTS CLIENTS: one measured run of redis-server.
#
# Starts redis-server on 127.0.0.1:PORT (never another address), without
# persistence, under whatever allocator LD_PRELOAD names; waits until it
# answers; drives it with redis-benchmark (REQUESTS SETs and as many GETs
# from CLIENTS connections, at most two minutes); then shuts it down and
# exits with the server's status. redis-cli and redis-benchmark run with
# LD_PRELOAD removed, so that only the server (and this small script) run
# under the allocator being measured:
#
#   allocbench exec -- sh examples/redis/redisbench.sh 6390 200000 50
set -eu

usage() { echo "usage: redisbench.sh PORT REQUESTS CLIENTS ($1)" >&2; exit 2; }
[ $# -eq 3 ] || usage "three arguments, got $#"
for a in "$1" "$2" "$3"; do
	case $a in '' | *[!0-9]*) usage "not a whole number: '$a'" ;; esac
done
[ "$1" -ge 1024 ] && [ "$1" -le 65535 ] || usage "port $1: 1024 to 65535"
port=$1 requests=$2 clients=$3

client() { env -u LD_PRELOAD "$@"; }

dir=$(mktemp -d)
redis-server --bind 127.0.0.1 --port "$port" --protected-mode yes \
	--save '' --appendonly no --dir "$dir" --daemonize no \
	--loglevel warning --logfile '' >/dev/null &
server=$!
cleanup() {
	kill "$server" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT

tries=0
until client redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; do
	if ! kill -0 "$server" 2>/dev/null; then
		echo "redisbench: redis-server exited before answering on 127.0.0.1:$port" >&2
		exit 1
	fi
	tries=$((tries + 1))
	if [ "$tries" -ge 200 ]; then
		echo "redisbench: redis-server did not answer on 127.0.0.1:$port within 10 s" >&2
		exit 1
	fi
	sleep 0.05
done

client timeout 120 redis-benchmark -h 127.0.0.1 -p "$port" \
	-n "$requests" -c "$clients" -t set,get -q >"$dir/benchmark.out"
# Its final lines only (it redraws a progress line with carriage returns).
tr '\r' '\n' <"$dir/benchmark.out" | grep 'requests per second' || true
client redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
status=0
wait "$server" || status=$?
trap - EXIT
rm -rf "$dir"
exit "$status"
