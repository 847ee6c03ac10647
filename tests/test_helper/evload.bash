# evload.bash - helpers shared by tests/evload.bats and tests/evload-pg.bats.
#
#   load_setup           cd into $T with copies of the evload fixtures
#   strip_seconds FILE   the summary's "N.NNN seconds" becomes "S seconds"
#   expect_err TEXT      $T/err (seconds stripped) must be exactly TEXT
#   slow_cat FILE        FILE to stdout, pausing 20 ms every 100 lines
#   kill_loop N CMD...   runs "CMD < $T/in" N times, each killed with
#                        SIGKILL after a random 50-400 ms (a kill-9 test)

load_setup() {
	cp "$FIX"/evload/*.jsonl "$FIX"/evload/*.yaml "$T"/
	cd "$T" || return 1
}

strip_seconds() {
	sed -E 's/, [0-9]+\.[0-9]{3} seconds$/, S seconds/' "$1"
}

expect_err() {
	strip_seconds "$T/err" >"$T/err.s"
	printf '%s\n' "$1" >"$T/err.want"
	assert_files_equal "$T/err.s" "$T/err.want"
}

slow_cat() {
	awk '{ print; if (NR % 100 == 0) { fflush(); system("sleep 0.02") } }' "$1"
}

# Each run reads $T/in through slow_cat, so that it is still loading
# when the kill comes; the pipe keeps stdin named "<stdin>" every time.
kill_loop() {
	local n=$1 i pid ms
	shift
	for ((i = 0; i < n; i++)); do
		slow_cat "$T/in" | "$@" 2>/dev/null &
		pid=$!
		ms=$((50 + RANDOM % 350))
		sleep "0.$(printf '%03d' "$ms")"
		# $! is the last process of the pipeline: evload itself.
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
}
