# Shared setup for every tests/*.bats file.
#
#   setup() { load test_helper/common; ev_setup; }
#
# The binaries under test come from $EV_BUILD/bin (default build/bin), so the
# same suite runs against the normal and the sanitizer build.

ev_setup() {
	bats_require_minimum_version 1.5.0
	bats_load_library bats-support
	bats_load_library bats-assert
	EV_ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
	EV_BUILD="${EV_BUILD:-$EV_ROOT/build}"
	# shellcheck disable=SC2034 # used by the test files
	FIX="$EV_ROOT/tests/fixtures"
	PATH="$EV_BUILD/bin:$EV_BUILD/helpers:$PATH"
	export LC_ALL=C TZ=UTC
	# Pipelines in tests must not inherit field overrides from the caller.
	unset EV_ID_FIELD EV_TYPE_FIELD EV_TIME_FIELD
	T="$BATS_TEST_TMPDIR"
}

# Fails the test unless the file at $1 has exactly the content of $2
# (a file), showing a unified diff when they differ.  Use files, not
# $output, where trailing newlines matter.
assert_files_equal() {
	if ! cmp -s "$2" "$1"; then
		diff -u "$2" "$1" | head -50 >&2
		fail "$1 differs from $2"
	fi
}

# Runs "$@" with stdout to $T/out and stderr to $T/err; sets $status.
# Unlike "run", the output files keep every byte.
run_to_files() {
	set +e
	"$@" >"$T/out" 2>"$T/err"
	# shellcheck disable=SC2034 # read by the test, as after bats "run"
	status=$?
	set -e
}
