#!/usr/bin/env bats
# evcat: operands, validation, output and diagnostics, rejects, selection,
# shards, stamps, stats and faults.  Lakes, checkpoints, follow mode and
# the JSONTestSuite conformance run are in the other tests/evcat-*.bats.

setup() {
	load test_helper/common
	ev_setup
	load test_helper/evcat
}

teardown() {
	kill_background
}

# Writes the arguments, one per line, to $T/expected.
expected() {
	printf '%s\n' "$@" >"$T/expected"
}

# --- operands -------------------------------------------------------------

@test "no operand and '-' read standard input, named <stdin> in messages" {
	printf '{"a":1}\noops\n' >"$T/in"
	run_to_files evcat <"$T/in"
	[ "$status" -eq 1 ]
	expected '{"a":1}'
	assert_files_equal "$T/out" "$T/expected"
	expected "evcat: <stdin>:2: invalid JSON at column 1: unexpected 'o', expected a value" \
		'evcat: 1 line rejected, more than --max-errors 0'
	assert_files_equal "$T/err" "$T/expected"

	printf '{"b":2}\n' >"$T/f"
	run_to_files evcat "$T/f" - "$T/f" <"$T/in"
	[ "$status" -eq 1 ]
	expected '{"b":2}' '{"a":1}'
	assert_files_equal "$T/out" "$T/expected"
	grep -qx "evcat: <stdin>:2: invalid JSON at column 1: unexpected 'o', expected a value" "$T/err"
}

@test "files are read in operand order; the same file twice or a hard link is read once" {
	printf '{"f":1}\n' >"$T/one"
	printf '{"f":2}\n' >"$T/two"
	ln "$T/one" "$T/link"
	run_to_files evcat --stats "$T/two" "$T/one" "$T/two" "$T/link"
	[ "$status" -eq 0 ]
	expected '{"f":2}' '{"f":1}'
	assert_files_equal "$T/out" "$T/expected"
	assert_stats "$T/err" '{"tool":"evcat","lines_in":2,"blank":0,"rejected":0,"lines_out":2,"bytes_in":16,"bytes_out":16,"filtered":0,"files":2,"pruned_dirs":0}'
}

@test "directories are walked recursively in byte order, skipping names starting with . or _" {
	mkdir -p "$T/d/b" "$T/d/a/sub" "$T/d/.hidden" "$T/d/_tmp"
	for f in B b/1 a/z a/sub/x a/Z .dot _under .hidden/h _tmp/t; do
		printf '{"f":"%s"}\n' "$f" >"$T/d/$f"
	done
	run_to_files evcat --stats "$T/d"
	[ "$status" -eq 0 ]
	# "B" < "a" < "b"; in a/: "Z" < "sub" < "z".
	expected '{"f":"B"}' '{"f":"a/Z"}' '{"f":"a/sub/x"}' '{"f":"a/z"}' '{"f":"b/1"}'
	assert_files_equal "$T/out" "$T/expected"
	assert_stats "$T/err" '{"tool":"evcat","lines_in":5,"blank":0,"rejected":0,"lines_out":5,"bytes_in":62,"bytes_out":62,"filtered":0,"files":5,"pruned_dirs":0}'
	# A trailing slash changes nothing.
	run_to_files evcat "$T/d/"
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" "$T/expected"
}

@test "a symlink loop is not followed twice and a linked file is read once" {
	mkdir -p "$T/d/a"
	printf '{"f":"a/x"}\n' >"$T/d/a/x"
	ln -s .. "$T/d/a/up"      # d/a/up -> d: a loop
	ln -s a/x "$T/d/b-link"   # the same file again
	run_to_files timeout 10 evcat --stats "$T/d"
	[ "$status" -eq 0 ]
	expected '{"f":"a/x"}'
	assert_files_equal "$T/out" "$T/expected"
	assert_stats "$T/err" '{"tool":"evcat","lines_in":1,"blank":0,"rejected":0,"lines_out":1,"bytes_in":12,"bytes_out":12,"filtered":0,"files":1,"pruned_dirs":0}'
}

@test "gzip is recognised by its magic bytes, not its name; members concatenate" {
	printf '{"n":1}\n{"n":2}\n' | gzip -n >"$T/multi"
	printf '{"n":3}\n' | gzip -n >>"$T/multi"
	printf '{"n":4}\n' >"$T/plain.gz"
	run_to_files evcat "$T/multi" "$T/plain.gz"
	[ "$status" -eq 0 ]
	[ ! -s "$T/err" ]
	expected '{"n":1}' '{"n":2}' '{"n":3}' '{"n":4}'
	assert_files_equal "$T/out" "$T/expected"
	# The same from standard input.
	run_to_files evcat <"$T/multi"
	[ "$status" -eq 0 ]
	expected '{"n":1}' '{"n":2}' '{"n":3}'
	assert_files_equal "$T/out" "$T/expected"
}

@test "a gzip file larger than the read buffers decompresses intact" {
	# Regression: the first read (up to 256 KiB) was copied into a 128 KiB
	# inflate buffer.
	evgen -n 6000 --seed 11 >"$T/big.jsonl"
	head -c 400000 /dev/urandom | od -An -tx1 | tr -d ' \n' | fold -w 100 |
		sed 's/.*/{"noise":"&"}/' >>"$T/big.jsonl"
	echo >>"$T/big.jsonl"
	gzip -n -1 -c "$T/big.jsonl" >"$T/big.gz"
	[ "$(stat -c %s "$T/big.gz")" -gt 300000 ]
	run_to_files evcat "$T/big.gz"
	[ "$status" -eq 0 ]
	[ ! -s "$T/err" ]
	assert_files_equal "$T/out" "$T/big.jsonl"
	run_to_files evcat <"$T/big.gz"
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" "$T/big.jsonl"
}

@test "trailing garbage, truncated and corrupt gzip are rejected lines" {
	printf '{"n":1}\n{"n":2}\n' | gzip -n >"$T/g.gz"
	cp "$T/g.gz" "$T/trail.gz"
	printf 'junk' >>"$T/trail.gz"
	head -c "$(($(stat -c %s "$T/g.gz") - 4))" "$T/g.gz" >"$T/trunc.gz"
	# Damage the deflate data right after the 10-byte header.
	cp "$T/g.gz" "$T/corrupt.gz"
	printf '\377\377\377\377' | dd of="$T/corrupt.gz" bs=1 seek=10 conv=notrunc 2>/dev/null
	run_to_files evcat --max-errors 5 --reject "$T/rej" "$T/trail.gz" "$T/trunc.gz" "$T/corrupt.gz"
	[ "$status" -eq 0 ]
	expected '{"n":1}' '{"n":2}' '{"n":1}' '{"n":2}'
	assert_files_equal "$T/out" "$T/expected"
	expected "evcat: $T/trail.gz:3: trailing garbage after gzip data" \
		"evcat: $T/trunc.gz:3: truncated gzip stream" \
		"evcat: $T/corrupt.gz:1: corrupt gzip data: invalid block type" \
		'evcat: 3 lines rejected, within --max-errors 5'
	assert_files_equal "$T/err" "$T/expected"
	expected "{\"file\":\"$T/trail.gz\",\"line\":3,\"error\":\"trailing garbage after gzip data\",\"raw\":\"\"}" \
		"{\"file\":\"$T/trunc.gz\",\"line\":3,\"error\":\"truncated gzip stream\",\"raw\":\"\"}" \
		"{\"file\":\"$T/corrupt.gz\",\"line\":1,\"error\":\"corrupt gzip data: invalid block type\",\"raw\":\"\"}"
	assert_files_equal "$T/rej" "$T/expected"
}

@test "a truncated gzip stream in the middle of a line rejects the partial line" {
	evgen -n 50 --seed 2 | gzip -n >"$T/g.gz"
	head -c 1500 "$T/g.gz" >"$T/cut.gz"
	run_to_files evcat --reject "$T/rej" "$T/cut.gz"
	[ "$status" -eq 1 ]
	n=$(wc -l <"$T/out")
	evgen -n 50 --seed 2 | head -n "$n" >"$T/expected"
	assert_files_equal "$T/out" "$T/expected"
	expected "evcat: $T/cut.gz:$((n + 1)): truncated gzip stream" \
		'evcat: 1 line rejected, more than --max-errors 0'
	assert_files_equal "$T/err" "$T/expected"
	# The partial line is kept for the reject record.
	raw=$(jq -r .raw "$T/rej")
	[ -n "$raw" ]
	evgen -n 50 --seed 2 | sed -n "$((n + 1))p" | grep -qF -- "$raw"
}

@test "a missing file is reported, the others are read, exit 3" {
	printf '{"a":1}\n' >"$T/ok"
	run_to_files evcat "$T/nope" "$T/ok"
	[ "$status" -eq 3 ]
	expected '{"a":1}'
	assert_files_equal "$T/out" "$T/expected"
	expected "evcat: $T/nope: No such file or directory"
	assert_files_equal "$T/err" "$T/expected"
}

@test "an unreadable file or directory is reported, the others are read, exit 3" {
	# Root reads anything: the check runs as an unprivileged user, in a
	# directory that user can reach.
	D=$(mktemp -d /tmp/evcat-perm.XXXXXX)
	chmod 755 "$D"
	printf '{"a":1}\n' >"$D/ok"
	printf '{"a":2}\n' >"$D/secret"
	mkdir "$D/closed"
	printf '{"a":3}\n' >"$D/closed/x"
	chmod 644 "$D/ok"
	chmod 000 "$D/secret" "$D/closed"
	run_to_files as_unprivileged "$EV_BUILD/bin/evcat" "$D/secret" "$D/closed" "$D/ok"
	chmod 755 "$D/closed"
	rm -rf "$D"
	[ "$status" -eq 3 ]
	expected '{"a":1}'
	assert_files_equal "$T/out" "$T/expected"
	expected "evcat: $D/secret: Permission denied" "evcat: $D/closed: Permission denied"
	assert_files_equal "$T/err" "$T/expected"
}

# --- validation -------------------------------------------------------------

@test "every kind of line: golden output, diagnostics, reject file and stats" {
	cp "$E/mixed.jsonl" "$T/"
	cd "$T"
	run_to_files evcat --stats --reject mixed.rej mixed.jsonl
	[ "$status" -eq 1 ]
	assert_files_equal "$T/out" "$E/mixed.out"
	no_seconds "$T/err" >"$T/err.1"
	assert_files_equal "$T/err.1" "$E/mixed.err"
	assert_files_equal "$T/mixed.rej" "$E/mixed.rej"
	# Nothing temporary is left next to the reject file.
	[ "$(ls -A "$T" | grep -c evtmp)" -eq 0 ]
}

@test "accepted lines keep their bytes: CRLF, spacing, escapes, key order" {
	printf '{"b":1,"a":2}\r\n  { "x" : [ 1 , 2.50e3 ] }  \n{"s":"\\u00e9\\/\\n","u":"\xc3\xa9\xf0\x9f\x98\x80"}\n{"d":1,"d":2}\n{}\n' >"$T/in"
	run_to_files evcat "$T/in"
	[ "$status" -eq 0 ]
	[ ! -s "$T/err" ]
	assert_files_equal "$T/out" "$T/in"
}

@test "blank lines (spaces, tabs, CR only) are skipped and counted" {
	printf '\n \n\t\r\n\r\n{"a":1}\n   \n' >"$T/in"
	run_to_files evcat --stats "$T/in"
	[ "$status" -eq 0 ]
	expected '{"a":1}'
	assert_files_equal "$T/out" "$T/expected"
	assert_stats "$T/err" '{"tool":"evcat","lines_in":6,"blank":5,"rejected":0,"lines_out":1,"bytes_in":20,"bytes_out":8,"filtered":0,"files":1,"pruned_dirs":0}'
	# A form feed is not blank.
	printf '\f\n' | evcat 2>"$T/err" && fail "accepted a form feed"
	grep -qx 'evcat: <stdin>:1: invalid JSON at column 1: unexpected byte 0x0c, expected a value' "$T/err"
}

@test "a final line without newline is accepted and output with one" {
	printf '{"a":1}\n{"b":2}' >"$T/in"
	run_to_files evcat "$T/in"
	[ "$status" -eq 0 ]
	[ ! -s "$T/err" ]
	expected '{"a":1}' '{"b":2}'
	assert_files_equal "$T/out" "$T/expected"
}

@test "byte order mark, lone surrogates and invalid UTF-8: exact reasons" {
	printf '%b\n' \
		'\xef\xbb\xbf{}' \
		'{"a":"\\ud800"}' \
		'{"a":"\\udc00"}' \
		'{"a":"\\ud800\\u0041"}' \
		'{"a":"\\udc00\\ud800"}' \
		'{"a":"\\ud83d\\ude00"}' \
		'{"a":"\xc0\xaf"}' \
		'{"a":"\xed\xa0\x80"}' \
		'{"a":"\xf4\x90\x80\x80"}' \
		'{"a":"\xe2\x82"}' \
		'{"\x80":1}' \
		'{"a":1}\xff' >"$T/in"
	run_to_files evcat --max-errors 20 "$T/in"
	[ "$status" -eq 0 ]
	expected '{"a":"\ud83d\ude00"}'
	assert_files_equal "$T/out" "$T/expected"
	expected "evcat: $T/in:1: invalid JSON at column 1: byte order mark at start of line" \
		"evcat: $T/in:2: invalid JSON at column 7: lone surrogate in \\u escape" \
		"evcat: $T/in:3: invalid JSON at column 7: lone surrogate in \\u escape" \
		"evcat: $T/in:4: invalid JSON at column 7: lone surrogate in \\u escape" \
		"evcat: $T/in:5: invalid JSON at column 7: lone surrogate in \\u escape" \
		"evcat: $T/in:7: invalid UTF-8 at column 7" \
		"evcat: $T/in:8: invalid UTF-8 at column 7" \
		"evcat: $T/in:9: invalid UTF-8 at column 7" \
		"evcat: $T/in:10: invalid UTF-8 at column 7" \
		"evcat: $T/in:11: invalid UTF-8 at column 3" \
		'evcat: 11 lines rejected (10 shown), within --max-errors 20'
	assert_files_equal "$T/err" "$T/expected"
}

@test "a NUL byte or a raw control character in a string is invalid JSON" {
	printf '{"a":"x\0y"}\n{"a":"\x1f"}\n{"a":1}\0\n' >"$T/in"
	run_to_files evcat --max-errors 3 "$T/in"
	[ "$status" -eq 0 ]
	[ ! -s "$T/out" ]
	expected "evcat: $T/in:1: invalid JSON at column 8: control character in string" \
		"evcat: $T/in:2: invalid JSON at column 7: control character in string" \
		"evcat: $T/in:3: invalid JSON at column 8: unexpected data after the JSON value" \
		'evcat: 3 lines rejected, within --max-errors 3'
	assert_files_equal "$T/err" "$T/expected"
}

@test "duplicate keys are allowed; the last one decides selection" {
	printf '%s\n' '{"type":"a","type":"b"}' '{"type":"b","type":"a"}' \
		'{"m":{"t":"x"},"m":{"t":"y"}}' '{"m":{"t":"y"},"m":1}' >"$T/in"
	run_to_files evcat -t b "$T/in"
	[ "$status" -eq 0 ]
	expected '{"type":"a","type":"b"}'
	assert_files_equal "$T/out" "$T/expected"
	run_to_files evcat --type-field m.t -t y "$T/in"
	[ "$status" -eq 0 ]
	expected '{"m":{"t":"x"},"m":{"t":"y"}}'
	assert_files_equal "$T/out" "$T/expected"
}

@test "--max-line-bytes: the limit itself passes, one byte more is rejected" {
	# 20 bytes and 21 bytes, in one buffer (regression: the limit was only
	# applied to lines that did not fit the read buffer).
	printf '{"k":"%s"}\n' 012345678901 0123456789012 >"$T/in"
	printf '{"ok":1}\n' >>"$T/in"
	run_to_files evcat --max-line-bytes 20 --reject "$T/rej" "$T/in"
	[ "$status" -eq 1 ]
	expected '{"k":"012345678901"}' '{"ok":1}'
	assert_files_equal "$T/out" "$T/expected"
	expected "evcat: $T/in:2: line too long (21 bytes, limit 20)" \
		'evcat: 1 line rejected, more than --max-errors 0'
	assert_files_equal "$T/err" "$T/expected"
	expected "{\"file\":\"$T/in\",\"line\":2,\"error\":\"line too long (21 bytes, limit 20)\",\"raw\":\"{\\\"k\\\":\\\"0123456789012\\\"}\"}"
	# raw holds the whole line when it is under 4096 bytes: not truncated.
	assert_files_equal "$T/rej" "$T/expected"
}

@test "an overlong line keeps its first 4096 bytes in the reject record, memory stays bounded" {
	# One line of 300000 bytes (more than the read buffer), one of 5000.
	{
		printf '{"x":"'
		head -c 299990 /dev/zero | tr '\0' a
		printf '"}\n{"y":"'
		head -c 4990 /dev/zero | tr '\0' b
		printf '"}\n{"z":1}\n'
	} >"$T/in"
	run_to_files evcat --max-line-bytes 4097 --reject "$T/rej" "$T/in"
	[ "$status" -eq 1 ]
	expected '{"z":1}'
	assert_files_equal "$T/out" "$T/expected"
	expected "evcat: $T/in:1: line too long (299998 bytes, limit 4097)" \
		"evcat: $T/in:2: line too long (4998 bytes, limit 4097)" \
		'evcat: 2 lines rejected, more than --max-errors 0'
	assert_files_equal "$T/err" "$T/expected"
	run jq -c '[.line, .error, (.raw | length), .truncated, .bytes, (.raw[0:8])]' "$T/rej"
	assert_output '[1,"line too long (299998 bytes, limit 4097)",4096,true,299998,"{\"x\":\"aa"]
[2,"line too long (4998 bytes, limit 4097)",4096,true,4998,"{\"y\":\"bb"]'
	# The default limit is 16 MiB: the 300000-byte line passes.
	run_to_files evcat "$T/in"
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" "$T/in"
}

@test "an overlong line arriving in small pieces on a pipe still keeps 4096 bytes" {
	{
		printf '{"x":"'
		for i in 1 2 3 4 5 6 7 8 9 10; do
			head -c 1000 /dev/zero | tr '\0' c
			sleep 0.02
		done
		printf '"}\n'
	} | evcat --max-line-bytes 100 --reject "$T/rej" 2>"$T/err" && fail "accepted"
	run jq -c '[(.raw | length), .bytes]' "$T/rej"
	assert_output '[4096,10008]'
}

# --- diagnostics and exit status ----------------------------------------------

@test "diagnostics: the first 10 rejects, then the summary; --max-errors decides exit 1" {
	for i in $(seq 12); do echo "bad$i"; done >"$T/in"
	run_to_files evcat --max-errors 11 "$T/in"
	[ "$status" -eq 1 ]
	[ "$(wc -l <"$T/err")" -eq 11 ]
	sed -n 10p "$T/err" | grep -qx "evcat: $T/in:10: invalid JSON at column 1: unexpected 'b', expected a value"
	tail -n 1 "$T/err" | grep -qx 'evcat: 12 lines rejected (10 shown), more than --max-errors 11'
	run_to_files evcat --max-errors 12 "$T/in"
	[ "$status" -eq 0 ]
	tail -n 1 "$T/err" | grep -qx 'evcat: 12 lines rejected (10 shown), within --max-errors 12'
	head -n 10 "$T/in" >"$T/ten"
	run_to_files evcat --max-errors 10 "$T/ten"
	[ "$status" -eq 0 ]
	tail -n 1 "$T/err" | grep -qx 'evcat: 10 lines rejected, within --max-errors 10'
	head -n 1 "$T/in" >"$T/one"
	run_to_files evcat "$T/one"
	[ "$status" -eq 1 ]
	tail -n 1 "$T/err" | grep -qx 'evcat: 1 line rejected, more than --max-errors 0'
	run_to_files evcat --max-errors 1 "$T/one"
	[ "$status" -eq 0 ]
	tail -n 1 "$T/err" | grep -qx 'evcat: 1 line rejected, within --max-errors 1'
}

@test "--reject writes every rejected line, not only the first 10" {
	for i in $(seq 25); do echo "[$i]"; done >"$T/in"
	run_to_files evcat --max-errors 100 --reject "$T/rej" "$T/in"
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$T/rej")" -eq 25 ]
	run jq -r '"\(.line) \(.error) \(.raw)"' "$T/rej"
	[ "${lines[24]}" = "25 not an object (array) [25]" ]
}

@test "--reject replaces its file atomically at exit" {
	printf 'old content\n' >"$T/rej"
	ln "$T/rej" "$T/rej.old"
	printf 'x\n{}\n' >"$T/in"
	run_to_files evcat --reject "$T/rej" "$T/in"
	[ "$status" -eq 1 ]
	# A new file took the name: the old inode still has the old content.
	expected 'old content'
	assert_files_equal "$T/rej.old" "$T/expected"
	expected "{\"file\":\"$T/in\",\"line\":1,\"error\":\"invalid JSON at column 1: unexpected 'x', expected a value\",\"column\":1,\"raw\":\"x\"}"
	assert_files_equal "$T/rej" "$T/expected"
	# No rejects: an empty file.
	run_to_files evcat --reject "$T/rej2" "$T/in" --max-errors 1
	[ -f "$T/rej2" ]
	run_to_files evcat --reject "$T/rej3" <<<'{}'
	[ "$status" -eq 0 ]
	[ -f "$T/rej3" ] && [ ! -s "$T/rej3" ]
	[ "$(ls -A "$T" | grep -c evtmp)" -eq 0 ]
}

@test "--reject to a FIFO is written directly" {
	mkfifo "$T/fifo"
	cat "$T/fifo" >"$T/got" 3>&- &
	reader=$!
	printf 'x\n' | evcat --reject "$T/fifo" 2>/dev/null && fail "exit 0"
	wait "$reader"
	expected '{"file":"<stdin>","line":1,"error":"invalid JSON at column 1: unexpected '"'x'"', expected a value","column":1,"raw":"x"}'
	assert_files_equal "$T/got" "$T/expected"
	[ -p "$T/fifo" ]
}

@test "--reject /dev/stderr writes to standard error when it is a pipe" {
	run bash -c 'printf "x\n" | evcat --reject /dev/stderr 2>&1 >/dev/null | cat'
	assert_output "evcat: <stdin>:1: invalid JSON at column 1: unexpected 'x', expected a value
{\"file\":\"<stdin>\",\"line\":1,\"error\":\"invalid JSON at column 1: unexpected 'x', expected a value\",\"column\":1,\"raw\":\"x\"}
evcat: 1 line rejected, more than --max-errors 0"
	[ -L /dev/stderr ]
}

@test "--reject through a link to standard error writes there when stderr is a regular file" {
	# /dev/stderr is a symlink to /proc/self/fd/2; when standard error is a
	# regular file, the reject file must still be written directly, not
	# replaced by rename (that would replace the link itself).  The test uses
	# its own link so that a failure cannot damage /dev/stderr.
	ln -s /proc/self/fd/2 "$T/stderr-link"
	printf 'x\n' | evcat --reject "$T/stderr-link" >/dev/null 2>"$T/err" && fail "exit 0"
	[ -L "$T/stderr-link" ] || fail "the link was replaced by a regular file"
	grep -qxF '{"file":"<stdin>","line":1,"error":"invalid JSON at column 1: unexpected '"'x'"', expected a value","column":1,"raw":"x"}' "$T/err"
}

@test "raw_base64 accompanies raw only when the line is not valid UTF-8" {
	printf '{"a":"\xff\xfe"}\n[1]\n' >"$T/in"
	run_to_files evcat --max-errors 2 --reject "$T/rej" "$T/in"
	[ "$status" -eq 0 ]
	run jq -c '[.raw, .raw_base64, .column]' "$T/rej"
	assert_output "[\"{\\\"a\\\":\\\"��\\\"}\",\"$(printf '{"a":"\xff\xfe"}' | base64)\",7]
[\"[1]\",null,null]"
}

# --- selection ----------------------------------------------------------------

@test "-t/--type: repeatable fnmatch globs; events without a string type are filtered" {
	printf '%s\n' '{"type":"user.created"}' '{"type":"user.verified"}' \
		'{"type":"page.viewed"}' '{"type":"payment.sent"}' '{"type":5}' \
		'{"type":null}' '{"x":1}' '{"type":"user\u002ecreated"}' \
		'{"type":"u\u0000ser.created"}' '{"type":["user.created"]}' >"$T/in"
	run_to_files evcat --stats -t 'user.*' --type 'pay?ent.[st]ent' "$T/in"
	[ "$status" -eq 0 ]
	expected '{"type":"user.created"}' '{"type":"user.verified"}' \
		'{"type":"payment.sent"}' '{"type":"user\u002ecreated"}'
	assert_files_equal "$T/out" "$T/expected"
	assert_stats "$T/err" '{"tool":"evcat","lines_in":10,"blank":0,"rejected":0,"lines_out":4,"bytes_in":214,"bytes_out":102,"filtered":6,"files":1,"pruned_dirs":0}'
	# Globs are not regular expressions and match the whole type.
	run_to_files evcat -t user "$T/in"
	[ "$status" -eq 0 ]
	[ ! -s "$T/out" ]
}

@test "--since/--until select the half-open range [since, until)" {
	printf '{"n":%d,"time":"%s"}\n' \
		1 2024-01-01T23:59:59.999999Z 2 2024-01-02T00:00:00Z \
		3 2024-01-02T12:00:00Z 4 2024-01-02T23:59:59.999999Z \
		5 2024-01-03T00:00:00Z 6 2024-01-03T01:30:00+02:00 >"$T/in"
	run_to_files evcat --stats --since 2024-01-02 --until 2024-01-03 "$T/in"
	[ "$status" -eq 0 ]
	# 6 is 2024-01-02T23:30:00Z.
	expected '{"n":2,"time":"2024-01-02T00:00:00Z"}' \
		'{"n":3,"time":"2024-01-02T12:00:00Z"}' \
		'{"n":4,"time":"2024-01-02T23:59:59.999999Z"}' \
		'{"n":6,"time":"2024-01-03T01:30:00+02:00"}'
	assert_files_equal "$T/out" "$T/expected"
	assert_stats "$T/err" '{"tool":"evcat","lines_in":6,"blank":0,"rejected":0,"lines_out":4,"bytes_in":247,"bytes_out":164,"filtered":2,"files":1,"pruned_dirs":0}'
	run_to_files evcat --since 2024-01-02T12:00:00Z "$T/in"
	[ "$(cut -c1-6 "$T/out" | tr '\n' ' ')" = '{"n":3 {"n":4 {"n":5 {"n":6 ' ]
	run_to_files evcat --until 2024-01-02T12:00:00Z "$T/in"
	[ "$(cut -c1-6 "$T/out" | tr '\n' ' ')" = '{"n":1 {"n":2 ' ]
}

@test "time arguments: RFC 3339, dates, partial UTC times and epochs" {
	printf '{"n":%d,"time":"%s"}\n' 1 2024-03-01T09:59:59Z 2 2024-03-01T10:00:00Z \
		3 2024-03-01T10:30:00Z 4 2024-03-01T10:30:15Z 5 2024-03-01T11:00:00Z >"$T/in"
	check() { # SINCE UNTIL EXPECTED-N-LIST
		run_to_files evcat --since "$1" --until "$2" "$T/in"
		[ "$status" -eq 0 ] || fail "--since $1 --until $2: exit $status"
		got=$(sed -E 's/^\{"n":([0-9]).*/\1/' "$T/out" | tr -d '\n')
		[ "$got" = "$3" ] || fail "--since $1 --until $2: got '$got', expected '$3'"
	}
	check 2024-03-01T10 2024-03-01T11 234
	check 2024-03-01T10:30 2024-03-01T11:00 34
	check 2024-03-01T10:30:15 2024-03-02 45
	check 2024-03-01T12:30:00+02:00 2024-03-01T10:30:01Z 3
	check 2024-03-01T11:00:00+01:00 2024-03-01T10:30:00.000001Z 23
	check @1709287200 @1709290800 234
	check 2024-03-01 2024-03-01T10:00:00.000001Z 12
}

@test "relative times: now, today, yesterday plus or minus a duration" {
	now=$(date -u +%s)
	t() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
	{
		printf '{"n":1,"time":"%s"}\n' "$(t $((now - 7200)))"
		printf '{"n":2,"time":"%s"}\n' "$(t $((now - 1800)))"
		printf '{"n":3,"time":"%s"}\n' "$(t $((now + 3600)))"
		printf '{"n":4,"time":"%sT12:00:00Z"}\n' "$(date -u -d @$((now - 86400)) +%Y-%m-%d)"
	} >"$T/in"
	run_to_files evcat --since now-1h --until now "$T/in"
	[ "$status" -eq 0 ]
	[ "$(cut -c1-6 "$T/out")" = '{"n":2' ]
	run_to_files evcat --since now --until now+2h "$T/in"
	[ "$(cut -c1-6 "$T/out")" = '{"n":3' ]
	run_to_files evcat --since yesterday --until today "$T/in"
	[ "$(cut -c1-6 "$T/out")" = '{"n":4' ]
	run_to_files evcat --since today+12h --until today+12h1s "$T/in"
	[ "$status" -eq 0 ]
	run_to_files evcat --since yesterday+12h --until yesterday+12h1s "$T/in"
	[ "$(cut -c1-6 "$T/out")" = '{"n":4' ]
}

@test "events with a missing or invalid time are rejected when --since/--until is used" {
	printf '%s\n' '{"n":1}' '{"time":{"a":1}}' '{"time":null}' '{"time":true}' \
		'{"time":[1]}' '{"time":"2024-13-01T00:00:00Z"}' '{"time":""}' \
		'{"time":"2024-01-01"}' '{"time":1e400}' '{"time":"2024-06-01T00:00:00Z"}' >"$T/in"
	run_to_files evcat --since 2024-01-01 --max-errors 20 --reject "$T/rej" "$T/in"
	[ "$status" -eq 0 ]
	expected '{"time":"2024-06-01T00:00:00Z"}'
	assert_files_equal "$T/out" "$T/expected"
	expected "evcat: $T/in:1: missing time field 'time'" \
		"evcat: $T/in:2: time field 'time' is object, not a string or number" \
		"evcat: $T/in:3: time field 'time' is null, not a string or number" \
		"evcat: $T/in:4: time field 'time' is true, not a string or number" \
		"evcat: $T/in:5: time field 'time' is array, not a string or number" \
		"evcat: $T/in:6: invalid time \"2024-13-01T00:00:00Z\" in field 'time': invalid month" \
		"evcat: $T/in:7: invalid time \"\" in field 'time': empty time" \
		"evcat: $T/in:8: invalid time \"2024-01-01\" in field 'time': expected 'T' after the date" \
		"evcat: $T/in:9: invalid time 1e400 in field 'time': out of range" \
		'evcat: 9 lines rejected, within --max-errors 20'
	assert_files_equal "$T/err" "$T/expected"
	# The reject records carry the same reasons and no column.
	run jq -r '[.line, .error, has("column")] | @tsv' "$T/rej"
	[ "${lines[0]}" = "1	missing time field 'time'	false" ]
	# Without --since/--until the time is not looked at.
	run_to_files evcat "$T/in"
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" "$T/in"
}

@test "numeric times follow --time-unit, auto-detected by magnitude" {
	# 2024-01-01T00:00:00Z in s, ms, us, ns; 1.5 = 1970-01-01T00:00:01.5Z.
	printf '{"time":%s}\n' 1704067200 1704067200000 1704067200000000 \
		1704067200000000000 1704067200.5 >"$T/in"
	run_to_files evcat --since 2024-01-01 --until 2024-01-02 "$T/in"
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" "$T/in"
	run_to_files evcat --time-unit ms --since 2024-01-01 --until 2024-01-02 --max-errors 9 "$T/in"
	[ "$status" -eq 0 ]
	expected '{"time":1704067200000}'
	assert_files_equal "$T/out" "$T/expected"
	run_to_files evcat --time-unit s --since 2024-01-01 --until 2024-01-02 --max-errors 9 "$T/in"
	expected '{"time":1704067200}' '{"time":1704067200.5}'
	assert_files_equal "$T/out" "$T/expected"
	grep -qx "evcat: $T/in:3: invalid time 1704067200000000 in field 'time': out of range" "$T/err"
	run_to_files evcat --time-unit ns --since 2024-01-01 --until 2024-01-02 --max-errors 9 "$T/in"
	expected '{"time":1704067200000000000}'
	assert_files_equal "$T/out" "$T/expected"
}

@test "--time-field/--type-field/--id-field and EV_*_FIELD: dotted paths, '\\.' for a dot in a key" {
	printf '%s\n' \
		'{"meta":{"ts":"2024-01-01T00:00:00Z","kind":"k1"},"a.b":"2025-01-01T05:00:00Z","t":{"x":"y"}}' \
		'{"meta":{"ts":"2025-01-01T00:00:00Z","kind":"k2"},"a.b":"2024-01-01T05:00:00Z","t":{"x":"v"}}' >"$T/in"
	first() { sed -E 's/.*"kind":"(k[12])".*/\1/' "$T/out" | tr '\n' ' '; }
	run_to_files evcat --time-field meta.ts --since 2024-06-01 "$T/in"
	[ "$(first)" = 'k2 ' ]
	run_to_files evcat --time-field 'a\.b' --since 2024-06-01 "$T/in"
	[ "$(first)" = 'k1 ' ]
	EV_TIME_FIELD='a\.b' run_to_files evcat --since 2024-06-01 "$T/in"
	[ "$(first)" = 'k1 ' ]
	# The option beats the environment.
	EV_TIME_FIELD='a\.b' run_to_files evcat --time-field meta.ts --since 2024-06-01 "$T/in"
	[ "$(first)" = 'k2 ' ]
	EV_TYPE_FIELD=meta.kind run_to_files evcat -t k1 "$T/in"
	[ "$(first)" = 'k1 ' ]
	run_to_files evcat --type-field t.x -t v "$T/in"
	[ "$(first)" = 'k2 ' ]
	# "y" and "v" fall in different shards.
	[ "$(shard_of y 2)" -ne "$(shard_of v 2)" ]
	EV_ID_FIELD=t.x run_to_files evcat --shard "$(shard_of y 2)/2" "$T/in"
	[ "$(first)" = 'k1 ' ]
	# An empty variable means the default.
	EV_TIME_FIELD= run_to_files evcat --since 2024-06-01 "$T/in"
	[ "$status" -eq 1 ]
	grep -qx "evcat: $T/in:1: missing time field 'time'" "$T/err"
}

@test "real events (GH Archive): created_at as the time, nested created_at ignored" {
	F="$E/gharchive-excerpt.jsonl"
	for h in 06 07 08 09; do
		run_to_files evcat --time-field created_at --since "2021-07-21T$h" \
			--until "2021-07-21T$h:59:59.999999Z" --stats "$F"
		[ "$status" -eq 0 ]
		[ "$(wc -l <"$T/out")" -eq 12 ]
		jq -e --arg h "$h" 'select(.created_at[11:13] != $h)' "$T/out" >/dev/null &&
			fail "hour $h: an event of another hour"
		tail -n 1 "$T/err" | grep -q '"lines_in":48,"blank":0,"rejected":0,"lines_out":12,'
	done
	# Events whose nested payload.pull_request.created_at lies in another
	# hour stay in the hour of their own created_at.
	run_to_files evcat --time-field created_at --since 2021-07-21T09 "$F"
	[ "$(jq -r 'select(.payload.pull_request.created_at) | .payload.pull_request.created_at[0:13]' "$T/out" | sort -u | tr '\n' ' ')" = '2021-07-20T09 2021-07-21T08 ' ]
	run_to_files evcat -t PushEvent -t 'Pull*' "$F"
	[ "$(jq -r .type "$T/out" | sort | uniq -c | tr -s ' ' | tr '\n' ,)" = ' 4 PullRequestEvent, 2 PullRequestReviewEvent, 27 PushEvent,' ]
	# Byte for byte.
	run_to_files evcat "$F"
	assert_files_equal "$T/out" "$F"
}

@test "real events (CloudEvents): +02:00 offsets are normalised; no time is rejected" {
	F="$E/cloudevents-sdk-java-v1.jsonl"
	# 14:48:09+02:00 is 12:48:09Z; 14:48:09.1234Z is later.
	run_to_files evcat --since 2018-04-26T12:48:09Z --until 2018-04-26T12:48:10Z \
		--max-errors 10 "$F"
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$T/out")" -eq 10 ]
	[ "$(jq -r .time "$T/out" | sort -u)" = '2018-04-26T14:48:09+02:00' ]
	tail -n 1 "$T/err" | grep -qx 'evcat: 6 lines rejected, within --max-errors 10'
	grep -qx "evcat: $F:13: missing time field 'time'" "$T/err"
	run_to_files evcat --since 2018-04-26T14:48:09Z --until 2018-04-26T14:48:10Z \
		--max-errors 10 "$F"
	[ "$(jq -r .time "$T/out")" = '2018-04-26T14:48:09.1234Z' ]
	run_to_files evcat -t 'com.example.some*' --stats "$E/cloudevents-json-format-examples.jsonl"
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" "$E/cloudevents-json-format-examples.jsonl"
}

@test "real files (Falco k8s audit): blank second lines are counted, a last line without newline passes" {
	D="$E/k8s-audit"
	run_to_files evcat --stats "$D"
	[ "$status" -eq 0 ]
	# 5 files: 6 events, 3 events each followed by a blank line, {"kind": 0}.
	[ "$(wc -l <"$T/out")" -eq 10 ]
	tail -n 1 "$T/out" | grep -qx '{"kind": 0}'
	assert_stats "$T/err" "{\"tool\":\"evcat\",\"lines_in\":13,\"blank\":3,\"rejected\":0,\"lines_out\":10,\"bytes_in\":$(cat "$D"/*.json | wc -c),\"bytes_out\":$(($(cat "$D"/*.json | wc -c) - 3 + 1)),\"filtered\":0,\"files\":5,\"pruned_dirs\":0}"
	# cat joins fal_01_003.json to the next file: evcat reads files apart.
	run_to_files evcat "$D/fal_01_003.json" "$D/create_secret.json"
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$T/out")" -eq 2 ]
	cat "$D/fal_01_003.json" "$D/create_secret.json" | evcat >/dev/null 2>"$T/err" && fail "cat output accepted"
	grep -qx 'evcat: <stdin>:1: invalid JSON at column 12: unexpected data after the JSON value' "$T/err"
}

# --- shards -------------------------------------------------------------------

@test "--shard I/N: the four shards are disjoint and complete, by the documented hash" {
	evgen -n 2000 --seed 5 >"$T/in"
	for i in 0 1 2 3; do
		evcat --shard "$i/4" --stats "$T/in" >"$T/s$i" 2>"$T/e$i"
		tail -n 1 "$T/e$i" | grep -q "\"lines_in\":2000,\"blank\":0,\"rejected\":0,\"lines_out\":$(wc -l <"$T/s$i"),"
		[ "$(wc -l <"$T/s$i")" -gt 400 ]
	done
	sort "$T/s0" "$T/s1" "$T/s2" "$T/s3" >"$T/all"
	sort "$T/in" >"$T/expected"
	assert_files_equal "$T/all" "$T/expected"
	[ -z "$(sort "$T/s0" "$T/s1" "$T/s2" "$T/s3" | uniq -d)" ]
	# Each of the first 20 ids is in the shard the hash gives.
	head -n 40 "$T/in" | jq -r .id >"$T/ids"
	shards_of 4 <"$T/ids" | paste -d ' ' - "$T/ids" >"$T/want"
	while read -r s id; do
		grep -q "\"id\":\"$id\"" "$T/s$s" || fail "id $id not in shard $s"
	done <"$T/want"
}

@test "--shard hashes the decoded string or the raw number text" {
	printf '%s\n' '{"id":"ab"}' '{"id":"a\u0062"}' '{"id":12}' '{"id":1.50}' \
		'{"id":true}' '{"id":""}' >"$T/in"
	printf '%s\n' ab ab 12 1.50 true '' | shards_of 3 >"$T/shards"
	for i in 0 1 2; do
		evcat --shard "$i/3" "$T/in" >"$T/s$i"
	done
	paste -d ' ' "$T/shards" "$T/in" | while read -r s line; do
		grep -qxF -- "$line" "$T/s$s" || fail "$line not in shard $s"
	done
	[ "$(cat "$T"/s? | wc -l)" -eq 6 ]
	# --shard 0/1 passes everything, ids or not.
	printf '{"x":1}\n' | evcat --shard 0/1 >"$T/out"
	expected '{"x":1}'
	assert_files_equal "$T/out" "$T/expected"
}

@test "--shard rejects events without a usable id" {
	printf '%s\n' '{"a":1}' '{"id":null}' '{"id":{}}' '{"id":[1]}' >"$T/in"
	run_to_files evcat --shard 1/2 --max-errors 4 "$T/in"
	[ "$status" -eq 0 ]
	[ ! -s "$T/out" ]
	expected "evcat: $T/in:1: missing id field 'id' cannot be sharded" \
		"evcat: $T/in:2: null id field 'id' cannot be sharded" \
		"evcat: $T/in:3: object id field 'id' cannot be sharded" \
		"evcat: $T/in:4: array id field 'id' cannot be sharded" \
		'evcat: 4 lines rejected, within --max-errors 4'
	assert_files_equal "$T/err" "$T/expected"
	run_to_files evcat --shard 0/2 --id-field ev.key "$T/in"
	grep -qx "evcat: $T/in:1: missing id field 'ev.key' cannot be sharded" "$T/err"
}

# --- stamps -------------------------------------------------------------------

@test "--stamp adds a name-based UUID of the line's bytes when the id is missing" {
	printf '%s\n' '{"a":1}' '{}' '{ "b" : [1] } ' '{"id":"keep"}' '{"id":null}' '{"a":{"id":1}}' >"$T/in"
	printf '{"c":1}\r\n' >>"$T/in"
	run_to_files evcat --stamp --stats "$T/in"
	[ "$status" -eq 0 ]
	u() { printf '%s' "$1" >"$T/line"; stamp_uuid "$T/line"; }
	{
		printf '{"a":1,"id":"%s"}\n' "$(u '{"a":1}')"
		printf '{"id":"%s"}\n' "$(u '{}')"
		printf '{ "b" : [1] ,"id":"%s"} \n' "$(u '{ "b" : [1] } ')"
		printf '%s\n' '{"id":"keep"}' '{"id":null}'
		printf '{"a":{"id":1},"id":"%s"}\n' "$(u '{"a":{"id":1}}')"
		printf '{"c":1,"id":"%s"}\r\n' "$(u "$(printf '{"c":1}\r')")"
	} >"$T/expected"
	assert_files_equal "$T/out" "$T/expected"
	tail -n 1 "$T/err" | grep -q '"rejected":0,"lines_out":7,.*"filtered":0,"stamped":5,'
	# The same line again: the same id.
	run_to_files evcat --stamp "$T/in"
	assert_files_equal "$T/out" "$T/expected"
	# Stamped ids are valid JSON and UUID version 5.
	jq -r .id "$T/out" | grep -Evx 'keep|null' |
		grep -Evx '[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}' &&
		fail "not a version 5 UUID"
	true
}

@test "--stamp uses --id-field, which must be one top-level key" {
	printf '{"a":1}\n' >"$T/in"
	run_to_files evcat --stamp --id-field uid "$T/in"
	printf '{"a":1,"uid":"%s"}\n' "$(printf '{"a":1}' >"$T/l"; stamp_uuid "$T/l")" >"$T/expected"
	assert_files_equal "$T/out" "$T/expected"
	# "a\.b" is the single key "a.b" (regression: it was refused).
	run_to_files evcat --stamp --id-field 'ev\.id' "$T/in"
	[ "$status" -eq 0 ]
	printf '{"a":1,"ev.id":"%s"}\n' "$(stamp_uuid "$T/l")" >"$T/expected"
	assert_files_equal "$T/out" "$T/expected"
	EXPECT="evcat: --stamp: the id field 'ev.id' must be a top-level key"
	expect_usage_error --stamp --id-field ev.id "$T/in"
	EXPECT="evcat: --stamp: the id field 'ev.id' must be a top-level key"
	EV_ID_FIELD=ev.id expect_usage_error --stamp "$T/in"
}

@test "--stamp with --shard shards by the new id" {
	printf '{"n":%d}\n' $(seq 40) >"$T/in"
	evcat --stamp "$T/in" >"$T/stamped"
	for i in 0 1; do evcat --stamp --shard "$i/2" "$T/in" >"$T/s$i"; done
	sort "$T/s0" "$T/s1" >"$T/got"
	sort "$T/stamped" >"$T/expected"
	assert_files_equal "$T/got" "$T/expected"
	jq -r .id "$T/stamped" | shards_of 2 | paste -d ' ' - "$T/stamped" >"$T/want"
	while read -r s line; do
		grep -qxF -- "$line" "$T/s$s" || fail "$line in the wrong shard"
	done <"$T/want"
}

# --- stats and progress ---------------------------------------------------------

@test "--stats: one JSON line with the counters" {
	printf '{"type":"a"}\n\n{"type":"b"}\nx\n' >"$T/in"
	run_to_files evcat --stats -t a --max-errors 1 "$T/in"
	[ "$status" -eq 0 ]
	expected "evcat: $T/in:4: invalid JSON at column 1: unexpected 'x', expected a value" \
		'evcat: 1 line rejected, within --max-errors 1' \
		'{"tool":"evcat","lines_in":4,"blank":1,"rejected":1,"lines_out":1,"bytes_in":29,"bytes_out":13,"filtered":1,"files":1,"pruned_dirs":0}'
	no_seconds "$T/err" >"$T/err.1"
	assert_files_equal "$T/err.1" "$T/expected"
	tail -n 1 "$T/err" | jq -e '.seconds >= 0' >/dev/null
}

@test "--progress draws on stderr and clears at exit; --no-progress never" {
	{
		evgen -n 65535 --seed 1
		sleep 1.2
		evgen -n 10 --seed 2
	} | evcat --progress >/dev/null 2>"$T/err"
	# One progress line at line 65536, then the clearing sequence.
	grep -aqE $'^\r\033\\[Kevcat: 65\\.5k lines, [0-9.]+[kM]B read, [0-9.]+k? lines/s, 0 rejected\r\033\\[K$' "$T/err" ||
		fail "$(od -c "$T/err" | head)"
	{
		evgen -n 65535 --seed 1
		sleep 1.2
		evgen -n 10 --seed 2
	} | evcat --no-progress >/dev/null 2>"$T/err"
	[ ! -s "$T/err" ]
}

@test "-u/--unbuffered writes each line at once; otherwise lines are batched" {
	printf '{"n":%d}\n' 1 2 3 >"$T/in"
	writes() {
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
			strace -qq -e trace=write -o "$T/trace" evcat "$@" "$T/in" >"$T/out"
		assert_files_equal "$T/out" "$T/in"
		grep -c '^write(1,' "$T/trace"
	}
	[ "$(writes -u)" -eq 3 ]
	[ "$(writes --unbuffered)" -eq 3 ]
	[ "$(writes)" -eq 1 ]
}

# --- faults -------------------------------------------------------------------

@test "a closed pipe ends evcat quietly: evgen | evcat | head -1" {
	run bash -c 'evgen -n 1000000 | evcat | head -1; echo "status ${PIPESTATUS[*]}"'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(evgen -n 1 | head -1)" ]
	# evcat dies of SIGPIPE (128 + 13) and prints nothing.
	[[ "${lines[1]}" =~ ^status\ (141|0)\ 141\ 0$ ]]
	[ "${#lines[@]}" -eq 2 ]
}

@test "stdout on /dev/full: exit 3 with a message" {
	printf '{"a":1}\n' >"$T/in"
	status=0
	evcat "$T/in" >/dev/full 2>"$T/err" || status=$?
	[ "$status" -eq 3 ]
	expected 'evcat: write error on standard output: No space left on device'
	assert_files_equal "$T/err" "$T/expected"
}

@test "SIGTERM ends evcat cleanly: output flushed, reject file committed, signal re-raised" {
	mkfifo "$T/fifo"
	evcat --reject "$T/rej" "$T/fifo" >"$T/out" 2>"$T/err" 3>&- &
	pid=$!
	exec 7<>"$T/fifo"
	printf '{"a":1}\nbad\n' >&7
	wait_for has_lines "$T/out" 1
	kill -TERM "$pid"
	# Regression: a signal while waiting on a pipe did not end the wait.
	WAIT_TIMEOUT=5 wait_for has_ended "$pid"
	status=0
	wait "$pid" || status=$?
	exec 7>&-
	[ "$status" -eq 143 ]
	expected '{"a":1}'
	assert_files_equal "$T/out" "$T/expected"
	[ "$(jq -r .raw "$T/rej")" = bad ]
	[ "$(ls -A "$T" | grep -c evtmp)" -eq 0 ]
}

# --- options ------------------------------------------------------------------

@test "--help and --version" {
	run_to_files evcat --help
	[ "$status" -eq 0 ]
	printf '%s\n' "$EVCAT_USAGE" >"$T/expected"
	assert_files_equal "$T/out" "$T/expected"
	[ ! -s "$T/err" ]
	run_to_files evcat -h
	assert_files_equal "$T/out" "$T/expected"
	run_to_files evcat -V
	[ "$status" -eq 0 ]
	grep -Eqx 'evcat [0-9]+\.[0-9]+\.[0-9]+' "$T/out"
}

@test "option errors exit 2 with exact messages and read nothing" {
	printf '{"a":1}\n' >"$T/in"
	check() { # EXPECTED-MESSAGE ARGS...
		EXPECT=$1
		shift
		expect_usage_error "$@" "$T/in"
	}
	check "evcat: unrecognized option '--bogus'
$EVCAT_USAGE" --bogus
	check "evcat: invalid option -- 'x'
$EVCAT_USAGE" -x
	check "evcat: --since must be earlier than --until" --since 2024-01-02 --until 2024-01-01
	check "evcat: --since must be earlier than --until" --since 2024-01-01 --until 2024-01-01
	check "evcat: --since: invalid time 'soon': invalid year" --since soon
	check "evcat: --until: invalid time '2024-02-30': invalid day of month" --until 2024-02-30
	check "evcat: --from: expected 'beginning' or 'end', got 'middle'" --from middle
	check "evcat: --idle-exit needs --follow" --idle-exit 1s
	check "evcat: --idle-exit: duration must be more than 0" -f --idle-exit 0s
	check "evcat: --idle-exit: invalid duration '1x': unknown unit" -f --idle-exit 1x
	check "evcat: --shard: expected I/N, got '3'" --shard 3
	check "evcat: --shard: too large value '4'" --shard 4/4
	check "evcat: --shard: too small value '0'" --shard 0/0
	check "evcat: --shard: invalid value 'a'" --shard a/2
	check "evcat: --time-unit: 'h' is not one of s, ms, us, ns, auto" --time-unit h
	check "evcat: --max-line-bytes: too small value '0' (1 to 1G)" --max-line-bytes 0
	check "evcat: --max-line-bytes: too large value '2G' (1 to 1G)" --max-line-bytes 2G
	check "evcat: --max-errors: invalid value '-1'" --max-errors -1
	check "evcat: --time-field: empty field path" --time-field ''
	check "evcat: --time-field: invalid field path 'a..b': empty key in field path" --time-field a..b --since 2024-01-01
	check "evcat: --type-field: invalid field path 'a\\': field path ends in a backslash" --type-field 'a\' -t x
	check "evcat: --id-field: invalid field path '.id': empty key in field path" --id-field .id --shard 0/2
	EXPECT="evcat: option '--since' requires an argument
$EVCAT_USAGE"
	expect_usage_error --since
}
