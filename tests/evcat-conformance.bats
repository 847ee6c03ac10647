#!/usr/bin/env bats
# evcat against JSONTestSuite/test_parsing (tests/fixtures/JSONTestSuite):
# n_ files are rejected, y_ objects accepted, other y_ values rejected as
# "not an object (...)", i_ files never crash or hang.
#
# evcat validates lines: a file with a newline inside its value is judged
# line by line here; whole-document verdicts are the C unit tests' job
# (tests/unit).

# Runs evcat once on every file (in a child bash: bats' tracing makes
# loops slow) and writes one verdict per file to $BATS_FILE_TMPDIR/verdicts:
#   NAME <TAB> EXIT STATUS <TAB> STDOUT EMPTY (0/1) <TAB> FIRST STDERR LINE
# EXIT STATUS is 124 for a hang, 128+N for signal N.  An accepted line must
# be the file's bytes plus a newline ("CHANGED BYTES" otherwise).
# $BATS_FILE_TMPDIR/types has, for each y_ file, its number of lines and
# the type of its JSON value by its first byte that is not whitespace (an
# oracle apart from evcat's scanner).
setup_file() {
	load test_helper/common
	ev_setup
	cd "$FIX/JSONTestSuite/test_parsing"
	B=$BATS_FILE_TMPDIR bash -c '
	for f in [ny]_* i_*; do
		timeout 10 evcat "$f" >"$B/out" 2>"$B/err"
		st=$?
		first=
		read -r first <"$B/err"
		empty=1
		[ -s "$B/out" ] && empty=0
		printf "%s\t%s\t%s\t%s\n" "$f" "$st" "$empty" "$first"
		if [ "$st" -eq 0 ] && [ "$empty" -eq 0 ]; then
			{ cat "$f"; [ -z "$(tail -c 1 "$f")" ] || echo; } |
				cmp -s - "$B/out" || echo "$f	CHANGED BYTES"
		fi
	done' >"$BATS_FILE_TMPDIR/verdicts"
	awk '
	FNR == 1 { if (name != "") print name, n, t; name = FILENAME; n = 0; t = "" }
	{
		n++
		if (t != "") next
		s = $0
		gsub(/[ \t\r]/, "", s)
		c = substr(s, 1, 1)
		if (c == "{") t = "object"; else if (c == "[") t = "array"
		else if (c == "\"") t = "string"; else if (c == "t") t = "true"
		else if (c == "f") t = "false"; else if (c == "n") t = "null"
		else if (c != "") t = "number"
	}
	END { print name, n, t }' y_* >"$BATS_FILE_TMPDIR/types"
}

setup() {
	load test_helper/common
	ev_setup
	load test_helper/evcat
	S="$FIX/JSONTestSuite/test_parsing"
	V="$BATS_FILE_TMPDIR/verdicts"
	TYPES="$BATS_FILE_TMPDIR/types"
}

# The verdicts of the one-line y_ files of JSON type $1 ("other": every
# type but object), as lines NAME <TAB> TYPE <TAB> STATUS <TAB> EMPTY <TAB>
# FIRST STDERR LINE.
y_verdicts() {
	awk -v want="$1" -F '\t' '
	NR == FNR { split($0, a, " "); if (a[2] == 1) type[a[1]] = a[3]; next }
	($1 in type) && (want == "other" ? type[$1] != "object" : type[$1] == want) {
		print $1 "\t" type[$1] "\t" $2 "\t" $3 "\t" $4
	}' "$TYPES" "$V"
}

@test "the copy of JSONTestSuite is complete: 95 y_, 188 n_, 35 i_" {
	[ "$(find "$S" -name 'y_*' | wc -l)" -eq 95 ]
	[ "$(find "$S" -name 'n_*' | wc -l)" -eq 188 ]
	[ "$(find "$S" -name 'i_*' | wc -l)" -eq 35 ]
	[ -f "$FIX/JSONTestSuite/LICENSE" ]
	[ "$(wc -l <"$V")" -eq 318 ]
	! grep -q 'CHANGED BYTES' "$V"
}

@test "every n_ file is rejected: no accepted line, exit 1, a located reason" {
	n=0
	while IFS=$'\t' read -r name st empty err; do
		case $name in
		n_structure_no_data.json | n_single_space.json)
			continue ;; # blank input: see the next test
		n_*) ;;
		*) continue ;;
		esac
		[ "$st" -eq 1 ] || fail "$name: exit $st"
		[ "$empty" -eq 1 ] || fail "$name: accepted a line"
		[[ $err == "evcat: $name:1: "* ]] || fail "$name: $err"
		n=$((n + 1))
	done <"$V"
	[ "$n" -eq 186 ]
}

@test "the two blank n_ files are blank input, skipped and counted" {
	# An empty document and a lone space are not JSON, but in JSON lines
	# they are an empty file and a blank line.
	run_to_files evcat --stats "$S/n_structure_no_data.json" "$S/n_single_space.json"
	[ "$status" -eq 0 ]
	[ ! -s "$T/out" ]
	assert_stats "$T/err" '{"tool":"evcat","lines_in":1,"blank":1,"rejected":0,"lines_out":0,"bytes_in":1,"bytes_out":0,"filtered":0,"files":2,"pruned_dirs":0}'
}

@test "every y_ object on one line is accepted, bytes unchanged" {
	y_verdicts object >"$T/v"
	[ "$(wc -l <"$T/v")" -eq 11 ]
	while IFS=$'\t' read -r name type st empty err; do
		[ "$st" -eq 0 ] || fail "$name: exit $st: $err"
		[ "$empty" -eq 0 ] || fail "$name: nothing out"
		[ -z "$err" ] || fail "$name: $err"
	done <"$T/v"
}

@test "every other y_ value on one line is rejected as 'not an object (type)'" {
	y_verdicts other >"$T/v"
	[ "$(wc -l <"$T/v")" -eq 82 ]
	while IFS=$'\t' read -r name type st empty err; do
		[ "$st" -eq 1 ] || fail "$name: exit $st"
		[ "$empty" -eq 1 ] || fail "$name: accepted"
		[ "$err" = "evcat: $name:1: not an object ($type)" ] || fail "$name: $err"
	done <"$T/v"
}

@test "y_ files with a newline inside the value are split into lines" {
	# What evcat makes of them, line by line.
	cd "$S"
	run_to_files evcat --max-errors 100 y_object_with_newlines.json \
		y_array_with_1_and_newline.json
	[ "$status" -eq 0 ]
	[ ! -s "$T/out" ]
	printf '%s\n' \
		"evcat: y_object_with_newlines.json:1: invalid JSON at column 2: unexpected end of line, expected a string key" \
		"evcat: y_object_with_newlines.json:2: invalid JSON at column 4: unexpected data after the JSON value" \
		"evcat: y_object_with_newlines.json:3: invalid JSON at column 1: unexpected '}', expected a value" \
		"evcat: y_array_with_1_and_newline.json:1: invalid JSON at column 3: unexpected end of line, expected ',' or ']'" \
		"evcat: y_array_with_1_and_newline.json:2: invalid JSON at column 1: unexpected ']', expected a value" \
		'evcat: 5 lines rejected, within --max-errors 100' >"$T/expected"
	assert_files_equal "$T/err" "$T/expected"
}

@test "the y_ objects pass together as one JSON lines stream" {
	cd "$S"
	for f in $(y_verdicts object | cut -f1); do
		cat "$f"
		[ -z "$(tail -c 1 "$f")" ] || echo
	done >"$T/stream"
	run_to_files evcat --stats "$T/stream"
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" "$T/stream"
	tail -n 1 "$T/err" | grep -q '"lines_in":11,"blank":0,"rejected":0,"lines_out":11,'
}

@test "no i_ file crashes or hangs evcat" {
	n=0
	while IFS=$'\t' read -r name st empty err; do
		[[ $name == i_* ]] || continue
		# 0 or 1; never 124 (timeout) or 128+signal.
		[ "$st" -le 1 ] || fail "$name: exit $st"
		[[ $err == "evcat: $name:1: "* ]] || fail "$name: $err"
		n=$((n + 1))
	done <"$V"
	[ "$n" -eq 35 ]
}

@test "i_ files: the implementation-defined verdicts evcat gives" {
	cd "$S"
	run_to_files evcat --max-errors 100 --reject "$T/rej" i_*
	[ "$status" -eq 0 ]
	[ ! -s "$T/out" ]
	# Big numbers are valid JSON (only arrays here); lone surrogates,
	# invalid UTF-8, UTF-16 and a BOM are rejected.
	jq -r '"\(.file): \(.error)"' "$T/rej" | sed -E 's/at column [0-9]+/at column N/' >"$T/got"
	[ "$(grep -c 'not an object (array)$' "$T/got")" -eq 11 ]
	[ "$(grep -c 'lone surrogate in \\u escape$' "$T/got")" -eq 10 ]
	[ "$(grep -c 'invalid UTF-8 at column N$' "$T/got")" -eq 10 ]
	grep -qx 'i_structure_UTF-8_BOM_empty_object.json: invalid JSON at column N: byte order mark at start of line' "$T/got"
	grep -qx 'i_string_UTF-16LE_with_BOM.json: invalid JSON at column N: unexpected byte 0xff, expected a value' "$T/got"
	[ "$(wc -l <"$T/got")" -eq 35 ]
	tail -n 1 "$T/err" | grep -qx 'evcat: 35 lines rejected (10 shown), within --max-errors 100'
}
