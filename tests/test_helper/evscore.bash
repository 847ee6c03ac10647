# Helpers for tests/evscore.bats.  Load after test_helper/common.
#
#   setup() { load test_helper/common; load test_helper/evscore; ev_setup; evscore_setup; }

# E and EXAMPLE are for tests/evscore.bats.
# shellcheck disable=SC2034
evscore_setup() {
	E="$FIX/evscore"
	EXAMPLE="$EV_ROOT/scripts/examples/email-trust.yaml"
}

# model_error EXPECTED: the model text on stdin is written to $T/m.yaml
# and loaded (from $T, as "m.yaml"); evscore must exit 2, write nothing
# on stdout and exactly "evscore: EXPECTED" on stderr.
# (status is set by run_to_files, in test_helper/common.bash.)
# shellcheck disable=SC2154
model_error() {
	cat >"$T/m.yaml"
	cd "$T" || fail "cd $T"
	run_to_files evscore -m m.yaml --check
	cd - >/dev/null || fail "cd -"
	[ "$status" -eq 2 ] || fail "exit $status, expected 2 for: $1 (stderr: $(cat "$T/err"))"
	[ ! -s "$T/out" ] || fail "wrote to stdout: $(cat "$T/out")"
	printf 'evscore: %s\n' "$1" >"$T/expected"
	assert_files_equal "$T/err" "$T/expected"
}

# rules_model RULES...: writes $T/m.yaml, a points model (bias 0, no
# types) with the given rule lines and the verdicts hit (>= 1) and miss.
rules_model() {
	{
		printf 'name: t\nversion: "1"\nlink: points\nrules:\n'
		printf '  - %s\n' "$@"
		printf 'verdicts: [{verdict: hit, min: 1}, {verdict: miss}]\n'
	} >"$T/m.yaml"
}

# op_cases: each line on stdin is "CONDITION => EVENT => hit|miss".  Each
# event is scored by a model whose one rule (weight 1) has the condition;
# fails listing every case whose verdict differs.  Lists named in a
# condition are looked up in tests/fixtures/evscore/lists.
op_cases() {
	local line cond rest event want got bad="" n=0
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		cond=${line%% => *}
		rest=${line#* => }
		event=${rest%% => *}
		want=${rest##* => }
		mkdir -p "$T/lists"
		cp "$E"/lists/*.txt "$T/lists/"
		rules_model "{name: R, weight: 1, when: $cond}"
		got=$(printf '%s\n' "$event" | evscore -m "$T/m.yaml" 2>&1 |
			sed -n 's/.*"verdict":"\([a-z]*\)".*/\1/p;/^evscore/p')
		n=$((n + 1))
		[ "$got" = "$want" ] ||
			bad+="  $cond  on  $event: got '$got', want '$want'"$'\n'
	done
	[ "$n" -gt 0 ] || fail "no cases"
	[ -z "$bad" ] || fail $'wrong verdicts:\n'"$bad"
}

# term_cases: each line on stdin is "TERM => EVENT => REASONS", where
# REASONS is the JSON array of reasons expected for a model whose one
# rule R (weight 2) is the numeric term TERM.
term_cases() {
	local line term rest event want got bad="" n=0
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		term=${line%% => *}
		rest=${line#* => }
		event=${rest%% => *}
		want=${rest##* => }
		rules_model "{name: R, weight: 2, term: $term}"
		got=$(printf '%s\n' "$event" | evscore -m "$T/m.yaml" 2>&1 |
			sed -n 's/.*"reasons":\(\[.*\]\),"model".*/\1/p;/^evscore/p')
		n=$((n + 1))
		[ "$got" = "$want" ] ||
			bad+="  $term  on  $event: got '$got', want '$want'"$'\n'
	done
	[ "$n" -gt 0 ] || fail "no cases"
	[ -z "$bad" ] || fail $'wrong reasons:\n'"$bad"
}

# wait_lines FILE N: waits (up to 10 s) until FILE has at least N lines.
wait_lines() {
	local _
	for _ in $(seq 200); do
		[ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	fail "$1 has $(wc -l <"$1") lines after 10 s, expected $2"
}

# The verdict of every output line on stdin, one per line ("-" when the
# line was not scored).
verdicts() {
	sed 's/.*"verdict":"\([a-z]*\)","reasons".*/\1/;t;s/.*/-/'
}
