#!/usr/bin/env bats
# The C unit tests (tests/unit/t_*.c, built into $EV_BUILD/unit): one test
# per program, run with the fixtures directory as its argument.  A program
# passes when it exits 0 and its last line reports no failed check.
# `make asan` runs the same programs built with the sanitizers.

setup() {
	load test_helper/common
	ev_setup
}

# Runs the unit test program $1 and checks its verdict.
run_unit() {
	local bin="$EV_BUILD/unit/$1"

	[ -x "$bin" ] || fail "$bin is not built"
	run "$bin" "$FIX"
	if [ "$status" -ne 0 ]; then
		printf '%s\n' "$output" | tail -40 >&2
		fail "$1 exited with status $status"
	fi
	assert_line --regexp "^$1: [0-9]+ checks, 0 failed\$"
}

@test "unit: t_atomicfile" {
	run_unit t_atomicfile
}

@test "unit: t_buf" {
	run_unit t_buf
}

@test "unit: t_checkpoint" {
	run_unit t_checkpoint
}

@test "unit: t_duration" {
	run_unit t_duration
}

@test "unit: t_evload_convert" {
	run_unit t_evload_convert
}

@test "unit: t_evscore_fmtnum" {
	run_unit t_evscore_fmtnum
}

@test "unit: t_evscore_match" {
	run_unit t_evscore_match
}

@test "unit: t_evtime" {
	run_unit t_evtime
}

@test "unit: t_evwindow_sketch" {
	run_unit t_evwindow_sketch
}

@test "unit: t_hash" {
	run_unit t_hash
}

@test "unit: t_json" {
	run_unit t_json
}

@test "unit: t_output" {
	run_unit t_output
}

@test "unit: t_report" {
	run_unit t_report
}

@test "unit: t_util" {
	run_unit t_util
}

@test "unit: t_yamlcfg" {
	run_unit t_yamlcfg
}

@test "unit: every unit test program is built and run by this file" {
	local listed built sources
	listed="$(grep -o '^	run_unit t_[A-Za-z0-9_]*$' "$BATS_TEST_FILENAME" |
		sed 's/.*run_unit //' | sort)"
	built="$(find "$EV_BUILD/unit" -maxdepth 1 -type f -name 't_*' \
		-perm -u+x -printf '%f\n' | sort)"
	sources="$(find "$EV_ROOT/tests/unit" -maxdepth 1 -name 't_*.c' \
		-printf '%f\n' | sed 's/\.c$//' | sort)"
	[ -n "$listed" ] || fail "no run_unit lines found"
	if [ "$built" != "$listed" ]; then
		diff <(printf '%s\n' "$listed") <(printf '%s\n' "$built") >&2 || true
		fail "programs in $EV_BUILD/unit (+) and tests run here (-) differ"
	fi
	if [ "$sources" != "$listed" ]; then
		diff <(printf '%s\n' "$listed") <(printf '%s\n' "$sources") >&2 || true
		fail "tests/unit/t_*.c (+) and tests run here (-) differ"
	fi
}
