#!/usr/bin/env bats
# evcat on a partitioned lake: directories outside the type and time range
# are never opened.  The lakes are built by hand the way evpartition writes
# them (gzip files under TYPE/YYYY-MM-DD/HH/ or type=/dt=/hr=, and the
# layout marker ROOT/_evtools_layout.json).  strace (package strace) shows
# which files were opened.

setup() {
	load test_helper/common
	ev_setup
	load test_helper/evcat
}

# Runs evcat "$@" under strace; the paths it opened go to $T/opened, its
# stdout to $T/out, its stderr (without strace's lines) to $T/err.
traced() {
	set +e
	# LeakSanitizer cannot run under ptrace: off for the sanitizer build.
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=openat,open -o "$T/trace" evcat "$@" >"$T/out" 2>"$T/err"
	status=$?
	set -e
	sed -nE 's/.*open(at)?\((AT_FDCWD, )?"([^"]*)".*/\3/p' "$T/trace" >"$T/opened"
}

# Fails if a path under $1 was opened.
never_opened() {
	if grep -q -- "^$1" "$T/opened"; then
		fail "opened below $1: $(grep -- "^$1" "$T/opened" | head -3)"
	fi
}

@test "default layout with marker: only the partitions in range are opened" {
	make_lake "$T/lake" default
	cd "$T"
	traced --stats -t a.x --since 2024-01-02T01:00:00Z lake
	[ "$status" -eq 0 ]
	printf '%s\n' '{"type":"a.x","time":"2024-01-02T01:30:00Z"}' >"$T/expected"
	assert_files_equal "$T/out" "$T/expected"
	# b.y, a.x/2024-01-01 and a.x/2024-01-02/00 are pruned.
	assert_stats "$T/err" '{"tool":"evcat","lines_in":1,"blank":0,"rejected":0,"lines_out":1,"bytes_in":45,"bytes_out":45,"filtered":0,"files":1,"pruned_dirs":3}'
	never_opened lake/b.y
	never_opened lake/a.x/2024-01-01
	never_opened lake/a.x/2024-01-02/00
	grep -qx lake/a.x/2024-01-02/01/part-0.jsonl.gz "$T/opened"
}

@test "pruning agrees with filtering for every range (half-open, hour granularity)" {
	make_lake "$T/lake" default
	# A reference: every event, filtered without pruning.
	evcat "$T/lake" >"$T/all"
	[ "$(wc -l <"$T/all")" -eq 8 ]
	for range in "2024-01-01T00:30:00Z 2024-01-01T01:30:00Z" \
		"2024-01-01T00:30:00.000001Z 2024-01-01T01:30:00.000001Z" \
		"2024-01-01T01:00:00Z 2024-01-02T01:00:00Z" \
		"2024-01-01T23:59:59Z 2024-01-02T00:00:01Z" \
		"2023-12-31 2024-01-01T00:30:00Z" "2024-01-02T01:31:00Z 2024-01-03"; do
		set -- $range
		evcat --since "$1" --until "$2" --stats "$T/lake" >"$T/got" 2>"$T/err"
		evcat --since "$1" --until "$2" "$T/all" >"$T/want"
		assert_files_equal "$T/got" "$T/want"
	done
	# The last range selects nothing: per type, 2024-01-01 and 2024-01-02/00
	# are pruned; 2024-01-02/01 overlaps the range, is read and filtered.
	assert_stats "$T/err" '{"tool":"evcat","lines_in":2,"blank":0,"rejected":0,"lines_out":0,"bytes_in":90,"bytes_out":0,"filtered":2,"files":2,"pruned_dirs":4}'
}

@test "an operand below the lake root finds the marker above it" {
	make_lake "$T/lake" default
	cd "$T/lake/b.y"
	traced --stats --since 2024-01-01T01:00:00Z --until 2024-01-02 .
	[ "$status" -eq 0 ]
	printf '%s\n' '{"type":"b.y","time":"2024-01-01T01:30:00Z"}' >"$T/expected"
	assert_files_equal "$T/out" "$T/expected"
	tail -n 1 "$T/err" | grep -q '"files":1,"pruned_dirs":2,"seconds"'
	never_opened ./2024-01-02
	never_opened ./2024-01-01/00
	# An operand that is itself out of range is not opened at all.
	cd "$T"
	traced --stats --since 2024-01-02 lake/a.x/2024-01-01 lake/b.y/2024-01-01/01
	[ "$status" -eq 0 ]
	[ ! -s "$T/out" ]
	tail -n 1 "$T/err" | grep -q '"files":0,"pruned_dirs":2,"seconds"'
	never_opened lake/a.x
	never_opened lake/b.y
}

@test "hive layout with a marker prunes type=, dt= and hr= directories" {
	make_lake "$T/lake" hive
	cd "$T"
	traced --stats -t 'b.*' --until 2024-01-01T01:00:00Z lake
	[ "$status" -eq 0 ]
	printf '%s\n' '{"type":"b.y","time":"2024-01-01T00:30:00Z"}' >"$T/expected"
	assert_files_equal "$T/out" "$T/expected"
	tail -n 1 "$T/err" | grep -q '"files":1,"pruned_dirs":3,"seconds"'
	never_opened lake/type=a.x
	never_opened lake/type=b.y/dt=2024-01-02
	never_opened lake/type=b.y/dt=2024-01-01/hr=01
}

@test "hive layout without a marker still prunes, the operand's own segments too" {
	make_lake "$T/lake" hive
	rm "$T/lake/_evtools_layout.json"
	cd "$T"
	traced --stats -t 'b.*' --until 2024-01-01T01:00:00Z lake
	[ "$status" -eq 0 ]
	printf '%s\n' '{"type":"b.y","time":"2024-01-01T00:30:00Z"}' >"$T/expected"
	assert_files_equal "$T/out" "$T/expected"
	tail -n 1 "$T/err" | grep -q '"files":1,"pruned_dirs":3,"seconds"'
	never_opened lake/type=a.x
	# An operand inside the lake: its type= and dt= names count (regression:
	# they were ignored without a marker, so hr=00 was opened).
	traced --stats --since 2024-01-01T01:00:00Z lake/type=a.x/dt=2024-01-01
	[ "$status" -eq 0 ]
	printf '%s\n' '{"type":"a.x","time":"2024-01-01T01:30:00Z"}' >"$T/expected"
	assert_files_equal "$T/out" "$T/expected"
	tail -n 1 "$T/err" | grep -q '"files":1,"pruned_dirs":1,"seconds"'
	never_opened lake/type=a.x/dt=2024-01-01/hr=00
	traced --stats -t a.x lake/type=b.y/
	[ "$status" -eq 0 ]
	[ ! -s "$T/out" ]
	tail -n 1 "$T/err" | grep -q '"files":0,"pruned_dirs":1,"seconds"'
	never_opened lake/type=b.y
}

@test "directories that do not match the layout are read, never pruned" {
	make_lake "$T/lake" default
	mkdir -p "$T/lake/a.x/misc" "$T/lake/a.x/2024-01-01/late"
	printf '{"type":"a.x","time":"2020-01-01T00:00:00Z"}\n' >"$T/lake/a.x/misc/f"
	printf '{"type":"a.x","time":"2024-01-01T05:00:00Z"}\n' >"$T/lake/a.x/2024-01-01/late/f"
	run_to_files evcat --stats -t a.x --since 2024-01-01T02:00:00Z "$T/lake"
	[ "$status" -eq 0 ]
	# misc/ and late/ are opened (their events filtered or kept by time).
	printf '%s\n' '{"type":"a.x","time":"2024-01-01T05:00:00Z"}' \
		'{"type":"a.x","time":"2024-01-02T00:30:00Z"}' \
		'{"type":"a.x","time":"2024-01-02T01:30:00Z"}' >"$T/expected"
	assert_files_equal "$T/out" "$T/expected"
	tail -n 1 "$T/err" | grep -q '"filtered":1,"files":4,"pruned_dirs":3,"seconds"'
}

@test "a marker for other fields does not prune by them" {
	make_lake "$T/lake" default
	# Events whose "ts" differs from the "time" the lake was partitioned by.
	for f in "$T"/lake/*/*/*/part-0.jsonl.gz; do
		gzip -dc "$f" | sed 's/"time":"\([^"]*\)"/"time":"\1","ts":"2030-01-01T00:00:00Z"/' |
			gzip -n >"$f.new"
		mv "$f.new" "$f"
	done
	run_to_files evcat --stats --time-field ts --since 2030-01-01 "$T/lake"
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$T/out")" -eq 8 ]
	tail -n 1 "$T/err" | grep -q '"files":8,"pruned_dirs":0,"seconds"'
	# The type field still agrees: type pruning goes on.
	run_to_files evcat --stats --time-field ts --since 2030-01-01 -t b.y "$T/lake"
	[ "$(wc -l <"$T/out")" -eq 4 ]
	tail -n 1 "$T/err" | grep -q '"files":4,"pruned_dirs":1,"seconds"'
}

@test "an unreadable marker is reported and nothing is pruned by it" {
	make_lake "$T/lake" default
	printf '{"version":1}\n' >"$T/lake/_evtools_layout.json"
	run_to_files evcat --stats -t a.x "$T/lake"
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$T/out")" -eq 4 ]
	root=$(realpath "$T/lake")
	head -n 1 "$T/err" | grep -qxF "evcat: $root/_evtools_layout.json: not an evtools layout marker; not pruning by layout"
	tail -n 1 "$T/err" | grep -q '"filtered":4,"files":8,"pruned_dirs":0,"seconds"'
}

@test "without selection nothing is pruned; the marker and hidden files are not data" {
	make_lake "$T/lake" default
	mkdir "$T/lake/a.x/2024-01-01/00/.tmp"
	printf 'partial' >"$T/lake/a.x/2024-01-01/00/.tmp/x"
	printf 'partial' >"$T/lake/a.x/2024-01-01/00/.part-1.jsonl.gz.123.evtmp"
	run_to_files evcat --stats "$T/lake"
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$T/out")" -eq 8 ]
	assert_stats "$T/err" '{"tool":"evcat","lines_in":8,"blank":0,"rejected":0,"lines_out":8,"bytes_in":360,"bytes_out":360,"filtered":0,"files":8,"pruned_dirs":0}'
	# Sorted path order: a.x before b.y, days and hours ascending.
	jq -r '"\(.type) \(.time)"' "$T/out" | sort -c
}
