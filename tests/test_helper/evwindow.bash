# Helpers for tests/evwindow.bats.

# The fixtures (used by the tests) and the reference implementation.
# shellcheck disable=SC2034
W_FIX="$EV_ROOT/tests/fixtures/evwindow"
W_REF="$EV_ROOT/tests/helpers/evwindow_ref.py"

# The Python 3 to run helpers with: the system one when there is one
# (version managers' shims can take seconds to start), else python3.
w_python() {
	if [ -x /usr/bin/python3 ]; then
		/usr/bin/python3 "$@"
	else
		python3 "$@"
	fi
}

# w_expect_usage_error EXPECTED ARGS...: evwindow ARGS must exit 2, write
# nothing on stdout and exactly the line EXPECTED on stderr.
w_expect_usage_error() {
	local expected="$1"
	shift
	run_to_files evwindow "$@" </dev/null
	# shellcheck disable=SC2154 # set by run_to_files
	[ "$status" -eq 2 ] || fail "evwindow $*: exit $status, expected 2"
	[ ! -s "$T/out" ] || fail "evwindow $*: wrote to stdout"
	printf '%s\n' "$expected" >"$T/expected"
	assert_files_equal "$T/err" "$T/expected"
}

# w_trickle FILE SEED: writes FILE to stdout in random pieces (1 byte to
# 20 KB, cutting lines anywhere) with random pauses of up to 20 ms.
w_trickle() {
	w_python - "$1" "$2" <<'EOF'
import random, sys, time
data = open(sys.argv[1], "rb").read()
rnd = random.Random(int(sys.argv[2]))
out = sys.stdout.buffer
i = 0
while i < len(data):
    n = rnd.randint(1, rnd.choice([1, 10, 300, 4096, 20000]))
    out.write(data[i:i + n])
    out.flush()
    i += n
    if rnd.random() < 0.25:
        time.sleep(rnd.random() * 0.02)
EOF
}

# w_ref ARGS...: the reference implementation (stdout only).
w_ref() {
	w_python "$W_REF" "$@" 2>/dev/null
}

# w_stats: the --stats line of $T/err without the "seconds" member.
w_stats() {
	tail -n 1 "$T/err" | sed 's/,"seconds":[0-9.]*}$/}/'
}

# w_wait_for FILE PATTERN: waits up to 10 s for a line matching PATTERN.
w_wait_for() {
	local _
	for _ in $(seq 100); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
