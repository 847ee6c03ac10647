# Documentation is tested: every man page lints clean, every tool's usage
# is its SYNOPSIS, every tool has a page and tests, and the EXAMPLES run.

setup() {
	load test_helper/common
	ev_setup
	load test_helper/docs
}

@test "docs: every man page passes mandoc -Tlint" {
	run mandoc -Tlint -W warning "$EV_ROOT"/man/*.[157]
	assert_success
	assert_output ""
}

@test "docs: every tool has a man page, a bats file and --help equal to its SYNOPSIS" {
	local d t
	for d in "$EV_ROOT"/cmd/*/; do
		t=$(basename "$d")
		[ -f "$EV_ROOT/man/$t.1" ] || fail "no man/$t.1"
		ls "$EV_ROOT"/tests/"$t"*.bats >/dev/null 2>&1 || fail "no tests/$t.bats"
		assert_equal "$(usage_text "$t")" "$(man_synopsis "$EV_ROOT/man/$t.1")"
	done
}

@test "docs: every long option in --help is described in the man page" {
	local d t o bs='\'
	for d in "$EV_ROOT"/cmd/*/; do
		t=$(basename "$d")
		for o in $("$t" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
			# mdoc writes --name as "Fl \-name"; an .It line describes it.
			grep -qE -- "^\.It .*Fl $bs$bs${o#-}( |\$)" "$EV_ROOT/man/$t.1" ||
				fail "$t: $o has no .It entry in man/$t.1"
		done
	done
}

# run_examples PAGE: runs the page's EXAMPLES in order, in one shell as a
# reader would type them, in a directory prepared by
# tests/fixtures/docs/PAGE.setup (if any).
run_examples() {
	local page="$1" setup="$FIX/docs/$1.setup" cmd n=0
	mkdir -p "$T/ex" && cd "$T/ex"
	if [ -f "$setup" ]; then
		# shellcheck source=/dev/null
		. "$setup"
	fi
	{
		echo 'set -o pipefail'
		while IFS= read -r cmd; do
			n=$((n + 1))
			# A job put in the background is checked by the "wait" after
			# it: every such job must have succeeded.
			if [[ $cmd == *[^\&]\& ]]; then
				printf '%s\nbg+=($!)\n' "$cmd"
				continue
			elif [ "$cmd" = wait ]; then
				printf 'for p in "${bg[@]}"; do wait "$p" || { echo "example %d: a background job failed" >&2; exit 1; }; done\n' "$n"
				continue
			fi
			printf '%s || { s=$?; echo "example %d failed ($s): %s" >&2; exit 1; }\n' \
				"$cmd" "$n" "${cmd//%/%%}"
		done < <(man_examples "$EV_ROOT/man/$page")
	} >"$T/examples.sh"
	grep -q 'example 1 failed' "$T/examples.sh" || fail "man/$page has no examples"
	run bash "$T/examples.sh"
	[ "$status" -eq 0 ] || fail "man/$page: $output"
}

@test "docs: evtools(7) examples run" { run_examples evtools.7; }
@test "docs: evcat(1) examples run" { run_examples evcat.1; }
@test "docs: evgen(1) examples run" { run_examples evgen.1; }
@test "docs: evpartition(1) examples run" { run_examples evpartition.1; }
@test "docs: evload(1) examples run" { run_examples evload.1; }
@test "docs: evwindow(1) examples run" { run_examples evwindow.1; }
@test "docs: evscore(1) examples run" { run_examples evscore.1; }

@test "docs: every man page with example commands has a test above" {
	local p
	for p in "$EV_ROOT"/man/*.[157]; do
		# Pages whose examples are shell commands ("$ ...").
		[ -n "$(man_examples "$p")" ] || continue
		grep -qF "run_examples $(basename "$p");" "$BATS_TEST_FILENAME" ||
			fail "$(basename "$p") has EXAMPLES that tests/docs.bats does not run"
	done
}

