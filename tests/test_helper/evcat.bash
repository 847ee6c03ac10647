# Helpers for the evcat suites (tests/evcat*.bats).
#
#   setup() { load test_helper/common; ev_setup; load test_helper/evcat; }

# Used by the test files that load this one.
# shellcheck disable=SC2034
E="$FIX/evcat"
# shellcheck disable=SC2034
EVCAT_USAGE='usage: evcat [-fu] [-t glob] [--since time] [--until time]
             [--from beginning | end] [--checkpoint file]
             [--idle-exit duration] [--shard i/n] [--stamp]
             [--id-field path] [--type-field path] [--time-field path]
             [--time-unit unit] [--max-line-bytes n] [--reject file]
             [--max-errors n] [--stats] [--progress | --no-progress]
             [file | dir ...]'

# Runs evcat with "$@", expecting a usage error: exit 2, nothing on stdout
# and exactly $EXPECT on stderr.
expect_usage_error() {
	run_to_files evcat "$@"
	# shellcheck disable=SC2154 # set by run_to_files
	[ "$status" -eq 2 ] || fail "evcat $*: exit $status, expected 2"
	[ ! -s "$T/out" ] || fail "evcat $*: wrote to stdout"
	printf '%s\n' "$EXPECT" >"$T/expected"
	assert_files_equal "$T/err" "$T/expected"
}

# Prints file $1 with the variable "seconds" member of --stats lines removed.
no_seconds() {
	sed -E 's/,"seconds":[0-9]+\.[0-9]+\}$/}/' "$1"
}

# Fails unless file $1 (stderr of a --stats run) ends with the stats line $2
# (without "seconds").
assert_stats() {
	local last
	last=$(tail -n 1 "$1" | sed -E 's/,"seconds":[0-9]+\.[0-9]+\}$/}/')
	[ "$last" = "$2" ] || fail "stats: got $last
expected $2"
}

# Polls until "$@" succeeds, for at most $WAIT_TIMEOUT seconds (default 10);
# fails the test on timeout.  Use it instead of fixed sleeps.
wait_for() {
	local deadline=$((SECONDS + ${WAIT_TIMEOUT:-10}))
	until "$@"; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			fail "timed out waiting for: $*"
		fi
		sleep 0.05
	done
}

# True when file $1 has at least $2 lines.
has_lines() {
	[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]
}

# True when file $1 contains the fixed string $2.
has_text() {
	[ -f "$1" ] && grep -qF -- "$2" "$1"
}

# The shard oracle, written apart from common/hash.c: reads ids (one per
# line, bytes as they are) on stdin and prints for each its shard among $1:
# ev_hash64 (murmur3 fmix64 of 64-bit FNV-1a) as an unsigned number, modulo
# N.  It runs in a child bash because bats' tracing makes loops slow.
# shellcheck disable=SC2016 # a script for bash -c
SHARD_ORACLE='
export LC_ALL=C
n=$1
while IFS= read -r s; do
	h=$((0xcbf29ce484222325))
	for ((i = 0; i < ${#s}; i++)); do
		printf -v b %d "'"'"'${s:i:1}"
		h=$(((h ^ (b & 255)) * 0x100000001b3))
	done
	h=$((h ^ ((h >> 33) & 0x7fffffff)))
	h=$((h * 0xff51afd7ed558ccd))
	h=$((h ^ ((h >> 33) & 0x7fffffff)))
	h=$((h * 0xc4ceb9fe1a85ec53))
	h=$((h ^ ((h >> 33) & 0x7fffffff)))
	if ((h >= 0)); then
		echo $((h % n))
	else
		lo=$((h & 0x7fffffffffffffff))
		two63=$((((0x4000000000000000 % n) * 2) % n))
		echo $(((two63 + lo % n) % n))
	fi
done'

# Prints the shard of each id on stdin among $1 (see SHARD_ORACLE).
shards_of() {
	bash -c "$SHARD_ORACLE" shards_of "$1"
}

# The shard of the id bytes $1 among $2.
shard_of() {
	printf '%s\n' "$1" | shards_of "$2"
}

# The --stamp id of the bytes in file $1: the RFC 4122 version 5 UUID in
# evcat's namespace 6f1c3a52-0e94-4b7d-9a21-e50837c6d45b, from sha1sum.
stamp_uuid() {
	local h b6 b8
	h=$({
		printf '\x6f\x1c\x3a\x52\x0e\x94\x4b\x7d\x9a\x21\xe5\x08\x37\xc6\xd4\x5b'
		cat "$1"
	} | sha1sum | cut -c1-32)
	b6=$(((0x${h:12:2} & 0x0f) | 0x50))
	b8=$(((0x${h:16:2} & 0x3f) | 0x80))
	printf '%s-%s-%02x%s-%02x%s-%s\n' "${h:0:8}" "${h:8:4}" "$b6" \
		"${h:14:2}" "$b8" "${h:18:2}" "${h:20:12}"
}

# make_lake DIR LAYOUT: a small lake written the way evpartition writes
# one (gzip files, the layout marker), by hand.  LAYOUT is "default" or
# "hive".  Types a.x and b.y, days 2024-01-01 and 2024-01-02, hours 00 and
# 01; one event per hour directory at HH:30.
make_lake() {
	local dir=$1 layout=$2 ty d h sub tmpl
	for ty in a.x b.y; do
		for d in 2024-01-01 2024-01-02; do
			for h in 00 01; do
				if [ "$layout" = hive ]; then
					sub="type=$ty/dt=$d/hr=$h"
				else
					sub="$ty/$d/$h"
				fi
				mkdir -p "$dir/$sub"
				printf '{"type":"%s","time":"%sT%s:30:00Z"}\n' \
					"$ty" "$d" "$h" | gzip -n >"$dir/$sub/part-0.jsonl.gz"
			done
		done
	done
	if [ "$layout" = hive ]; then
		tmpl='type={type}/dt={time:%Y-%m-%d}/hr={time:%H}'
	else
		tmpl='{type}/{time:%Y-%m-%d}/{time:%H}'
	fi
	printf '{"version":1,"layout":"%s","type_field":"type","time_field":"time"}\n' \
		"$tmpl" >"$dir/_evtools_layout.json"
}

# Runs "$@" as an unprivileged user (root ignores file permissions).
as_unprivileged() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
	else
		"$@"
	fi
}

# True when process $1 has ended (gone, or a zombie waiting for "wait").
has_ended() {
	local s
	s=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
	[[ $s == Z* ]]
}

# For teardown(): kills the test's background processes that are still
# running, so that a failed test cannot hang the suite.
kill_background() {
	local p
	for p in $(jobs -p); do
		kill -9 "$p" 2>/dev/null || true
	done
}

# True when file $1 has at least $2 bytes.
has_bytes() {
	[ -f "$1" ] && [ "$(stat -c %s "$1")" -ge "$2" ]
}

# Appends lines {"n":FROM} .. {"n":TO} to file $3.
add() {
	local i
	for ((i = $1; i <= $2; i++)); do printf '{"n":%d}\n' "$i"; done >>"$3"
}

# Writes lines {"n":FROM} .. {"n":TO} to $T/expected.
want() {
	: >"$T/expected"
	add "$1" "$2" "$T/expected"
}
