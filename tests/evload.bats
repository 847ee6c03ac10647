#!/usr/bin/env bats
# evload into SQLite: modes, schemas and their evolution, conversions and
# rejected rows, transactions, the batch ledger under kill -9, hostile
# names, the summary and --stats.  tests/evload-pg.bats runs the same
# promises against a PostgreSQL server.

setup() {
	load test_helper/common
	ev_setup
	load test_helper/evload
	load_setup
	G="$FIX/evload"
	USAGE='usage: evload -d target [-nq] [-s schema] [-m mode] [--table name]
              [--since time] [--until time] [--batch-rows n [--no-ledger]]
              [--id-field path] [--type-field path] [--time-field path]
              [--time-unit unit] [--max-line-bytes n] [--reject file]
              [--max-errors n] [--stats] [--progress | --no-progress]
              [file | dir ...]'
}

dump() { # dump DB SQL
	sqlite3 -batch -separator '|' -nullvalue NULL "$1" "$2"
}

dump_events() {
	dump "${1:-t.db}" "SELECT id, type, time, source, event FROM events ORDER BY id"
}

# --- options -----------------------------------------------------------

@test "--help prints the usage; no --db is a usage error" {
	run -0 evload --help
	[ "$output" = "$USAGE" ]
	run -2 --separate-stderr evload
	[ "$stderr" = "evload: --db is required
$USAGE" ]
}

@test "usage errors: mode, table, ranges, batch options" {
	run -2 --separate-stderr evload -d t.db -m merge
	[ "$stderr" = "evload: --mode: expected ignore, upsert, insert or replace, got 'merge'" ]
	run -2 --separate-stderr evload -d t.db --table _evload_x
	[ "$stderr" = "evload: --table: '_evload_x': names starting with _evload are reserved for evload" ]
	run -2 --separate-stderr evload -d t.db --since 2015-08-18
	[ "$stderr" = "evload: --since and --until need --mode replace" ]
	run -2 --separate-stderr evload -d t.db -m replace --since 2015-08-19 --until 2015-08-18
	[ "$stderr" = "evload: --since must be earlier than --until" ]
	run -2 --separate-stderr evload -d t.db -m replace --batch-rows 10
	[ "$stderr" = "evload: --mode replace with --batch-rows needs --since and --until" ]
	run -2 --separate-stderr evload -d t.db -n --batch-rows 10
	[ "$stderr" = "evload: --dry-run and --batch-rows exclude each other" ]
	run -2 --separate-stderr evload -d t.db --batch-rows 0
	[ "$stderr" = "evload: --batch-rows: too small value '0'" ]
	run -2 --separate-stderr evload -d t.db --no-ledger
	[ "$stderr" = "evload: --no-ledger needs --batch-rows" ]
	[ ! -e t.db ]
}

# --- the generic table -------------------------------------------------

@test "generic table: rows, times in UTC with microseconds, the line as JSON" {
	run_to_files evload -d t.db events.jsonl
	[ "$status" -eq 0 ]
	[ ! -s "$T/out" ]
	expect_err "evload: 5 rows read, 5 inserted, 0 updated, 0 skipped, 0 rejected, S seconds"
	dump_events >got
	assert_files_equal got "$G/events.sqlite.golden"
	dump t.db "SELECT col_pos, col_name, col_type, key_pos FROM _evload_columns WHERE tbl = 'events' ORDER BY col_pos" >got
	printf '%s\n' '1|id|text|1' '2|type|text|NULL' '3|time|timestamp|NULL' \
		'4|source|text|NULL' '5|event|json|NULL' >want
	assert_files_equal got want
}

@test "sqlite: prefix, --table and standard input" {
	run_to_files evload -d sqlite:t.db --table my_events <events.jsonl
	[ "$status" -eq 0 ]
	dump t.db "SELECT count(*) FROM my_events" >got
	echo 5 >want
	assert_files_equal got want
}

@test "mode ignore: loading the same input twice leaves the table unchanged" {
	evload -q -d t.db events.jsonl
	dump_events >first
	run_to_files evload -d t.db events.jsonl
	[ "$status" -eq 0 ]
	expect_err "evload: 5 rows read, 0 inserted, 0 updated, 5 skipped, 0 rejected, S seconds"
	dump_events >second
	assert_files_equal second first
}

@test "mode ignore: the first of two rows with one key wins" {
	printf '%s\n' '{"id":"a","type":"first","time":"2015-08-18T00:00:02Z"}' \
		'{"id":"a","type":"second","time":"2015-08-18T00:00:09Z"}' >in
	run_to_files evload -d t.db in
	expect_err "evload: 2 rows read, 1 inserted, 0 updated, 1 skipped, 0 rejected, S seconds"
	[ "$(dump t.db 'SELECT type FROM events')" = first ]
}

@test "mode ignore beyond one chunk: keys repeated within and across chunks, first wins" {
	# 32768 rows make a chunk, inserted in key order: the repeats of
	# lines 1-6000 meet their key in the table, those of 35001-36000 in
	# their own chunk.
	evgen -n 40000 --seed 21 >a
	{
		cat a
		head -n 6000 a | sed 's/"type":"/"type":"again./'
		sed -n '35001,36000p' a | sed 's/"type":"/"type":"again./'
	} >in
	run_to_files evload -d t.db in
	[ "$status" -eq 0 ]
	expect_err "evload: 47000 rows read, 40000 inserted, 0 updated, 7000 skipped, 0 rejected, S seconds"
	dump t.db "SELECT event FROM events ORDER BY id" >got
	jq -r .id a | paste - a | sort -k1,1 | cut -f2- >want
	assert_files_equal got want
}

@test "a new database gets 64 KiB pages and WAL; an existing one keeps its page size" {
	evload -q -d t.db events.jsonl
	[ "$(dump t.db 'PRAGMA page_size')" = 65536 ]
	[ "$(dump t.db 'PRAGMA journal_mode')" = wal ]
	sqlite3 old.db 'PRAGMA page_size = 4096; CREATE TABLE other (x)'
	evload -q -d old.db events.jsonl
	[ "$(dump old.db 'PRAGMA page_size')" = 4096 ]
	[ "$(dump old.db 'SELECT count(*) FROM events')" = 5 ]
}

@test "mode upsert: later time wins, equal times keep the stored row, within a batch too" {
	evload -q -d t.db events.jsonl
	cat >in <<'EOF'
{"id":"e1","type":"older","time":"2015-08-17T23:59:59Z"}
{"id":"e2","type":"same time","time":"2015-08-18T00:00:01.5Z"}
{"id":"e3","type":"later","time":"2015-08-18T00:00:00.000001Z"}
{"id":"n1","type":"n1 first","time":"2015-08-18T05:00:00Z"}
{"id":"n1","type":"n1 later","time":"2015-08-18T06:00:00Z"}
{"id":"n1","type":"n1 earlier","time":"2015-08-18T04:00:00Z"}
{"id":"n2","type":"n2 first","time":"2015-08-18T05:00:00Z"}
{"id":"n2","type":"n2 tie","time":"2015-08-18T05:00:00Z"}
EOF
	run_to_files evload -d t.db -m upsert in
	[ "$status" -eq 0 ]
	expect_err "evload: 8 rows read, 2 inserted, 1 updated, 5 skipped, 0 rejected, S seconds"
	dump t.db "SELECT id, type, time FROM events ORDER BY id" >got
	assert_files_equal got "$G/upsert.sqlite.golden"
	# Idempotent: the same input again changes nothing.
	run_to_files evload -d t.db -m upsert in
	expect_err "evload: 8 rows read, 0 inserted, 0 updated, 8 skipped, 0 rejected, S seconds"
	dump t.db "SELECT id, type, time FROM events ORDER BY id" >again
	assert_files_equal again got
}

@test "mode insert: a duplicate key is a rejected row; over --max-errors nothing is loaded" {
	evload -q -d t.db events.jsonl
	printf '%s\n' '{"id":"x1","type":"t","time":"2015-08-18T00:00:00Z"}' \
		'{"id":"e2","type":"t","time":"2015-08-18T00:00:00Z"}' \
		'{"id":"x1","type":"t","time":"2015-08-18T00:00:00Z"}' >in
	run_to_files evload -d t.db -m insert --reject rej in
	[ "$status" -eq 1 ]
	expect_err 'evload: in:2: duplicate key (id)=("e2")
evload: in:3: duplicate key (id)=("x1")
evload: rolled back: nothing loaded
evload: 3 rows read, 0 inserted, 0 updated, 0 skipped, 2 rejected, S seconds
evload: 2 lines rejected, more than --max-errors 0'
	assert_files_equal rej "$G/insert-rejects.golden"
	[ "$(dump t.db 'SELECT count(*) FROM events')" = 5 ]
	run_to_files evload -d t.db -m insert --max-errors 2 in
	[ "$status" -eq 0 ]
	[ "$(dump t.db "SELECT count(*) FROM events WHERE id = 'x1'")" = 1 ]
}

@test "mode replace: the input's time range is deleted and reloaded" {
	evload -q -d t.db events.jsonl
	# [2015-08-17T23:00, 2015-08-18T00:00:01.5] holds e1 to e4.
	printf '%s\n' '{"id":"r1","type":"r","time":"2015-08-18T00:00:01.5Z"}' \
		'{"id":"r2","type":"r","time":"2015-08-17T23:00:00Z"}' >in
	run_to_files evload -d t.db -m replace in
	expect_err "evload: 2 rows read, 2 inserted, 0 updated, 4 deleted, 0 skipped, 0 rejected, S seconds"
	dump t.db "SELECT id FROM events ORDER BY id" >got
	printf '%s\n' e5 r1 r2 >want
	assert_files_equal got want
	# A second run gives the same slice.
	run_to_files evload -d t.db -m replace in
	expect_err "evload: 2 rows read, 2 inserted, 0 updated, 2 deleted, 0 skipped, 0 rejected, S seconds"
	dump t.db "SELECT id FROM events ORDER BY id" >got2
	assert_files_equal got2 want
}

@test "mode replace with --since/--until: the slice is half-open; rows outside are rejected" {
	evload -q -d t.db events.jsonl
	printf '%s\n' '{"id":"h1","type":"r","time":"2015-08-18T00:30:00Z"}' \
		'{"id":"h2","type":"r","time":"2015-08-18T01:00:00Z"}' >in
	run_to_files evload -d t.db -m replace --since 2015-08-18T00:00:00Z \
		--until 2015-08-18T01:00:00Z --max-errors 1 in
	[ "$status" -eq 0 ]
	expect_err 'evload: in:2: column time (time): time outside the --since/--until range being replaced
evload: 2 rows read, 1 inserted, 0 updated, 3 deleted, 0 skipped, 1 rejected, S seconds
evload: 1 line rejected, within --max-errors 1'
	dump t.db "SELECT id FROM events ORDER BY id" >got
	printf '%s\n' e3 e5 h1 >want
	assert_files_equal got want
	# An empty input empties the slice.
	run_to_files evload -d t.db -m replace --since 2015-08-18T00:00:00Z --until 2015-08-18T01:00:00Z </dev/null
	dump t.db "SELECT id FROM events ORDER BY id" >got
	printf '%s\n' e3 e5 >want
	assert_files_equal got want
}

# --- schemas -----------------------------------------------------------

@test "schema: columns from paths, defaults, rejected rows in the reject file" {
	run_to_files evload -d t.db -s payments.yaml --reject rej --max-errors 5 payments.jsonl
	[ "$status" -eq 0 ]
	expect_err "evload: payments.jsonl:2: column amount (data.amount): expected a number, got string
evload: payments.jsonl:3: column user_id (data.user): missing required field
evload: payments.jsonl:4: column time (time): invalid timestamp \"not a time\": invalid year
evload: payments.jsonl:5: column method (data.method): expected a string, got object (type json keeps objects and arrays)
evload: payments.jsonl:6: invalid JSON at column 1: invalid literal
evload: 7 rows read, 2 inserted, 0 updated, 0 skipped, 5 rejected, S seconds
evload: 5 lines rejected, within --max-errors 5"
	assert_files_equal rej "$G/payments-rejects.golden"
	dump t.db "SELECT * FROM payments ORDER BY id" >got
	assert_files_equal got "$G/payments.sqlite.golden"
}

@test "schema: one reject too many rolls everything back (exit 1)" {
	run_to_files evload -d t.db -s payments.yaml --max-errors 4 payments.jsonl
	[ "$status" -eq 1 ]
	tail -3 "$T/err" | strip_seconds /dev/stdin >got
	printf '%s\n' 'evload: rolled back: nothing loaded' \
		'evload: 7 rows read, 0 inserted, 0 updated, 0 skipped, 5 rejected, S seconds' \
		'evload: 5 lines rejected, more than --max-errors 4' >want
	assert_files_equal got want
	# Nothing at all: not even the table.
	[ "$(dump t.db "SELECT count(*) FROM sqlite_schema WHERE name = 'payments'")" = 0 ]
}

@test "conversion table: every type from every JSON kind that converts" {
	run_to_files evload -d t.db -s types.yaml types-good.jsonl
	[ "$status" -eq 0 ]
	dump t.db "SELECT id, t, i, b, d, f, ts, j, typeof(i), typeof(d) FROM types ORDER BY id" >got
	assert_files_equal got "$G/types.sqlite.golden"
}

@test "conversion table: values that do not convert are rejected, naming the column" {
	run_to_files evload -d t.db -s types.yaml --reject rej --max-errors 100 types-bad.jsonl
	[ "$status" -eq 0 ]
	assert_files_equal rej "$G/types-rejects.golden"
	[ "$(dump t.db 'SELECT count(*) FROM types')" = 0 ]
}

@test "schema errors are reported as FILE:LINE:COL with exit 2" {
	check() { # yaml expected-message
		printf '%s\n' "$1" >s.yaml
		run -2 --separate-stderr evload -d t.db -s s.yaml </dev/null
		[ "$stderr" = "evload: $2" ] || fail "got: $stderr"
	}
	check 'table: x
key: id
columns:
  - {name: id, type: int}' "s.yaml:4:22: column 'id': unknown type 'int' (expected one of: text, integer, bigint, double, boolean, timestamp, json)"
	check 'table: x
columns:
  - {name: id, type: text}' "s.yaml:1:1: 'key' is missing (the column or columns that identify a row)"
	check 'table: x
key: nope
columns:
  - {name: id, type: text}' "s.yaml:2:6: key: no column named 'nope'"
	check 'table: x
key: id
columns:
  - {name: id, type: text}
  - {name: ID, type: text}' "s.yaml:5:12: duplicate column name 'ID' (first at line 4; names differing only in case are the same column)"
	check 'table: x
key: id
columns:
  - {name: id, type: text}
  - {name: n, type: integer, default: abc}' "s.yaml:5:39: column 'n': default: 'abc' is not valid for type integer"
	check 'table: x
key: id
columns:
  - {name: id, type: text}
  - {name: n, type: integer, default: 3000000000}' "s.yaml:5:39: column 'n': default: 3000000000 is out of range for integer"
	check 'table: x
key: j
columns:
  - {name: j, type: json}' "s.yaml:2:6: key: column 'j' is of type json, which cannot be a key"
	check 'table: x
key: id
colums: []' "s.yaml:3:1: unknown key 'colums' in schema (expected one of: table, key, time, columns)"
	check 'table: _evload_ledger
key: id
columns: [{name: id, type: text}]' "s.yaml:1:8: table name '_evload_ledger': names starting with _evload are reserved for evload"
	check 'table: x
key: id
columns:
  - {name: id, type: text, path: "a..b"}' "s.yaml:4:34: column 'id': invalid path 'a..b': empty key in field path"
	check 'table: x
key: id
columns: [{name: id, type: text}, {name: n, type: integer, required: true, default: 1}]' "s.yaml:3:85: column 'n': a required column has no default"
	check 'table: x
key: id
time: id
columns: [{name: id, type: text}]' "s.yaml:3:7: time: column 'id' is of type text, not timestamp"
	run -2 --separate-stderr evload -d t.db -s missing.yaml </dev/null
	[ "$stderr" = "evload: missing.yaml: No such file or directory" ]
	printf 'table: x\nkey: id\ncolumns: [{name: id, type: text}]\n' >s.yaml
	run -2 --separate-stderr evload -d t.db -s s.yaml -m upsert </dev/null
	[ "$stderr" = "evload: s.yaml: --mode upsert needs an event-time column (name a timestamp column with 'time:')" ]
	[ ! -e t.db ]
}

@test "schema evolution: a new column is added; old rows hold NULL" {
	evload -q -d t.db -s payments.yaml --max-errors 5 payments.jsonl
	cp payments.yaml p2.yaml
	printf '  - name: type\n    type: text\n' >>p2.yaml
	run_to_files evload -d t.db -s p2.yaml --max-errors 5 payments.jsonl
	[ "$status" -eq 0 ]
	head -1 "$T/err" >got
	echo "evload: table payments: added column type (text)" >want
	assert_files_equal got want
	dump t.db "SELECT id, type FROM payments ORDER BY id" >got
	printf '%s\n' 'p1|NULL' 'p6|NULL' >want
	assert_files_equal got want
	dump t.db "SELECT col_pos, col_type FROM _evload_columns WHERE col_name = 'type'" >got
	echo '7|text' >want
	assert_files_equal got want
}

@test "schema evolution: a type change or a key change is refused before loading anything" {
	evload -q -d t.db -s payments.yaml --max-errors 5 payments.jsonl
	sed 's/type: double/type: integer/' payments.yaml >p2.yaml
	printf '{"id":"new","time":"2015-08-18T00:00:00Z","data":{"user":"u","amount":1}}\n' >in
	run -2 --separate-stderr evload -d t.db -s p2.yaml in
	[ "$stderr" = "evload: p2.yaml:14:5: column amount: type integer in the schema, double in table payments; a column's type cannot change" ]
	sed 's/^key: id$/key: [id, user_id]/' payments.yaml >p3.yaml
	run -2 --separate-stderr evload -d t.db -s p3.yaml in
	[ "$stderr" = "evload: p3.yaml: table payments: the key is (id) in the database and (id, user_id) in the schema; a key cannot change (load into a new table)" ]
	[ "$(dump t.db "SELECT count(*) FROM payments WHERE id = 'new'")" = 0 ]
	# A table evload did not create is not touched.
	sqlite3 t.db 'CREATE TABLE mine (id TEXT)'
	run -2 --separate-stderr evload -d t.db --table mine in
	[ "$stderr" = "evload: table mine exists but was not created by evload (it has no entry in _evload_columns); load into another table" ]
}

@test "a removed column stays in the table and is NULL in new rows" {
	evload -q -d t.db -s payments.yaml --max-errors 5 payments.jsonl
	head -n -3 payments.yaml >p2.yaml # without the last column, method
	printf '{"id":"p9","time":"2015-08-18T00:00:00Z","data":{"user":"u","amount":1,"method":"cash"}}\n' >in
	run_to_files evload -q -d t.db -s p2.yaml in
	[ "$status" -eq 0 ]
	[ "$(dump t.db "SELECT method FROM payments WHERE id = 'p9'")" = NULL ]
	[ "$(dump t.db "SELECT method FROM payments WHERE id = 'p1'")" = card ]
}

# --- hostile names and values --------------------------------------------

@test "hostile table, column names and values are quoted and bound" {
	cat >h.yaml <<'EOF'
table: 'x"; DROP TABLE events; --'
key: "id'"
columns:
  - {name: "id'", path: id, type: text}
  - {name: 'a"b; DELETE FROM events', path: 'we\.ird."q', type: text}
  - {name: "Robert'); DROP TABLE students;--", path: v, type: json}
EOF
	evload -q -d t.db events.jsonl
	cat >in <<'EOF'
{"id":"'; DROP TABLE events; --","we.ird":{"\"q":"\"); DELETE FROM events; --"},"v":{"\\":"\\\\'\""}}
{"id":"\\","we.ird":{"\"q":"back\\slash\nnew line"},"v":"x"}
EOF
	run_to_files evload -d t.db -s h.yaml in
	[ "$status" -eq 0 ]
	dump t.db "SELECT * FROM \"x\"\"; DROP TABLE events; --\" ORDER BY 1" >got
	assert_files_equal got "$G/hostile.sqlite.golden"
	[ "$(dump t.db 'SELECT count(*) FROM events')" = 5 ]
	run_to_files evload -d t.db --table "a'b\"c;d" events.jsonl
	[ "$status" -eq 0 ]
	[ "$(dump t.db "SELECT count(*) FROM \"a'b\"\"c;d\"")" = 5 ]
}

@test "very long values are loaded whole" {
	head -c 3000000 /dev/zero | tr '\0' 'x' >long
	printf '{"id":"long","type":"t","time":"2015-08-18T00:00:00Z","data":"%s"}\n' "$(cat long)" >in
	run_to_files evload -d t.db in
	[ "$status" -eq 0 ]
	[ "$(dump t.db "SELECT length(event) FROM events")" = 3000064 ]
}

# --- transactions, summary, stats ----------------------------------------

@test "--stats has the counters; -q drops the summary" {
	run_to_files evload -q --stats -d t.db events.jsonl
	[ "$status" -eq 0 ]
	jq -c 'del(.seconds)' "$T/err" >got
	echo '{"tool":"evload","lines_in":6,"blank":1,"rejected":0,"lines_out":5,"bytes_in":444,"bytes_out":0,"table":"events","mode":"ignore","read":5,"inserted":5,"updated":0,"deleted":0,"skipped":0,"resumed":0,"transactions":1}' >want
	assert_files_equal got want
}

@test "--dry-run reports what would be loaded and rolls back" {
	run_to_files evload -n -d t.db events.jsonl
	[ "$status" -eq 0 ]
	expect_err "evload: dry run: rolled back
evload: 5 rows read, 5 inserted, 0 updated, 0 skipped, 0 rejected, S seconds"
	[ "$(dump t.db "SELECT count(*) FROM sqlite_schema WHERE name = 'events'")" = 0 ]
}

@test "SIGTERM rolls back and ends by the signal" {
	mkfifo fifo
	evload -d t.db <fifo 2>err &
	pid=$!
	exec 7>fifo
	cat events.jsonl >&7
	sleep 0.3
	kill -TERM "$pid"
	set +e
	wait "$pid"
	st=$?
	set -e
	exec 7>&-
	[ "$st" -eq 143 ]
	strip_seconds err >got
	printf '%s\n' 'evload: rolled back: nothing loaded' \
		'evload: 5 rows read, 0 inserted, 0 updated, 0 skipped, 0 rejected, S seconds' >want
	assert_files_equal got want
	[ "$(dump t.db "SELECT count(*) FROM sqlite_schema WHERE name = 'events'")" = 0 ]
}

@test "an unusable database is exit 3; a locked one is exit 75" {
	run -3 --separate-stderr evload -d /nonexistent/dir/t.db events.jsonl
	[ "$stderr" = "evload: /nonexistent/dir/t.db: cannot open the SQLite database: unable to open database file" ]
	echo "not a database, just text that is long enough to be checked by SQLite as a header" >bad.db
	run -3 --separate-stderr evload -d bad.db events.jsonl
	[ "$stderr" = "evload: bad.db: SQLite: file is not a database" ]
	evload -q -d t.db events.jsonl
	# Another writer holds the database for longer than evload waits.
	(sqlite3 t.db "BEGIN IMMEDIATE; SELECT 1 FROM events LIMIT 0;" ".shell sleep 7" "COMMIT;" >/dev/null) &
	sleep 0.5
	run -75 --separate-stderr evload -d t.db events.jsonl
	[ "${stderr%%$'\n'*}" = "evload: t.db: database is locked by another process (waited 5 s)" ]
	wait
}

# --- the batch ledger ----------------------------------------------------

@test "--batch-rows: the ledger records each input; a re-run skips what is loaded" {
	evgen -n 250 --seed 7 >in
	head -n 120 in >part
	cp part input
	run_to_files evload -d t.db --batch-rows 50 input
	[ "$status" -eq 0 ]
	expect_err "evload: 120 rows read, 120 inserted, 0 updated, 0 skipped, 0 rejected, S seconds"
	dump t.db "SELECT tbl, input_name, last_line, nrows FROM _evload_ledger" >got
	echo 'events|input|120|120' >want
	assert_files_equal got want
	# The input grew: only the new lines are loaded.
	cp in input
	run_to_files evload --stats -d t.db --batch-rows 50 -m insert input
	[ "$status" -eq 0 ]
	head -1 "$T/err" | strip_seconds /dev/stdin >got
	echo "evload: 250 rows read, 130 inserted, 0 updated, 120 skipped, 0 rejected, S seconds" >want
	assert_files_equal got want
	tail -1 "$T/err" | jq -c '{inserted, resumed, transactions}' >got
	echo '{"inserted":130,"resumed":120,"transactions":3}' >want
	assert_files_equal got want
	dump t.db "SELECT last_line, nrows FROM _evload_ledger" >got
	echo '250|250' >want
	assert_files_equal got want
	# Another input under the same name starts from its beginning.
	evgen -n 10 --seed 8 >input
	run_to_files evload -d t.db --batch-rows 50 input
	expect_err "evload: 10 rows read, 10 inserted, 0 updated, 0 skipped, 0 rejected, S seconds"
}

@test "--batch-rows: an input that differs from the ledger after its first line is refused" {
	evgen -n 100 --seed 7 >input
	evload -q -d t.db --batch-rows 30 input
	{ head -n 50 input; evgen -n 50 --seed 9; } >changed
	mv changed input
	run_to_files evload -d t.db --batch-rows 30 input
	[ "$status" -eq 3 ]
	head -1 "$T/err" >got
	echo "evload: input:100: differs from the input that the ledger of table events records as loaded up to line 100" >want
	assert_files_equal got want
	head -n 60 input >short
	mv short input
	evgen -n 100 --seed 7 | head -n 60 >input
	run_to_files evload -d t.db --batch-rows 30 input
	[ "$status" -eq 3 ]
	head -1 "$T/err" >got
	echo "evload: input: ends before line 100, which the ledger of table events records as loaded; not the same input" >want
	assert_files_equal got want
}

@test "--batch-rows: over --max-errors the open batch is rolled back, earlier ones stay" {
	evgen -n 100 --seed 7 >in
	sed -i '75s/.*/not json/' in
	run_to_files evload -d t.db --batch-rows 30 in
	[ "$status" -eq 1 ]
	tail -3 "$T/err" | strip_seconds /dev/stdin >got
	printf '%s\n' 'evload: rolled back the last batch; 2 committed before it stay' \
		'evload: 76 rows read, 60 inserted, 0 updated, 0 skipped, 1 rejected, S seconds' \
		'evload: 1 line rejected, more than --max-errors 0' >want
	assert_files_equal got want
	[ "$(dump t.db 'SELECT count(*) FROM events')" = 60 ]
}

@test "kill -9 at random moments, then a re-run: every event exactly once" {
	evgen -n 3000 --seed 11 >in
	evload -q -d clean.db -m upsert in
	kill_loop 4 evload -q -d t.db -m upsert --batch-rows 97
	slow_cat in | evload -q -d t.db -m upsert --batch-rows 97
	dump clean.db "SELECT count(*) FROM events" >want
	dump t.db "SELECT count(*) FROM events" >got
	assert_files_equal got want
	dump_events clean.db | md5sum >want
	dump_events t.db | md5sum >got
	assert_files_equal got want
	dump t.db "SELECT input_name, last_line, nrows FROM _evload_ledger" >got
	echo '<stdin>|3000|3000' >want
	assert_files_equal got want
}

@test "kill -9 with --mode insert: the ledger keeps a re-run free of duplicates" {
	evgen -n 2000 --seed 12 >in
	kill_loop 3 evload -q -d t.db -m insert --batch-rows 50
	run_to_files evload -d t.db -m insert --batch-rows 50 <in
	[ "$status" -eq 0 ]
	[ "$(dump t.db 'SELECT count(*), count(DISTINCT id) FROM events')" = "2000|2000" ]
}

@test "a stream read again in another order: the ledger refuses it, --no-ledger leaves it to the keys" {
	evgen -n 5 --seed 13 >in
	{ sed -n 1p in; sed -n 3p in; sed -n 2p in; sed -n 4,5p in; } >swapped
	evload -q -d t.db --batch-rows 2 <in
	run_to_files evload -q -d t.db --batch-rows 2 <swapped
	[ "$status" -eq 3 ]
	echo "evload: <stdin>:5: differs from the input that the ledger of table events records as loaded up to line 5" >want
	assert_files_equal "$T/err" want
	# Without a ledger: read from the start, every row skipped by its key.
	run_to_files evload -d t.db --batch-rows 2 --no-ledger <swapped
	[ "$status" -eq 0 ]
	echo "evload: 5 rows read, 0 inserted, 0 updated, 5 skipped, 0 rejected, S seconds" >want
	strip_seconds "$T/err" >got
	assert_files_equal got want
	[ "$(dump t.db 'SELECT count(*), count(DISTINCT id) FROM events')" = "5|5" ]
	# The ledger is untouched, and a fresh table gets none.
	[ "$(dump t.db 'SELECT input_name, last_line FROM _evload_ledger')" = "<stdin>|5" ]
	evload -q -d u.db --batch-rows 2 --no-ledger <in
	[ "$(dump u.db "SELECT count(*) FROM sqlite_master WHERE name = '_evload_ledger'")" = 0 ]
	# In mode insert the keys reject the rows loaded before.
	evload -q -d v.db -m insert --batch-rows 2 --no-ledger <in
	run_to_files evload -q -d v.db -m insert --batch-rows 2 --no-ledger --max-errors 5 <swapped
	[ "$status" -eq 0 ]
	[ "$(grep -c 'duplicate key' "$T/err")" -eq 5 ]
	[ "$(dump v.db 'SELECT count(*) FROM events')" = 5 ]
}

# --- the manual's examples -----------------------------------------------

@test "evload(1) EXAMPLES run" {
	evgen -n 1000 --seed 42 >events.jsonl
	# Load a day of events into SQLite, then once more: nothing changes.
	evload -d events.db events.jsonl 2>err1
	evload -d events.db events.jsonl 2>err2
	strip_seconds err2 >got
	echo "evload: 1000 rows read, 0 inserted, 0 updated, 1000 skipped, 0 rejected, S seconds" >want
	assert_files_equal got want
	# Payments with a schema; bad rows to a file, up to 10 of them.
	evcat -t payment.sent events.jsonl |
		evload -d events.db -s "$EV_ROOT/scripts/examples/events-schema.yaml" \
			--reject rejects.jsonl --max-errors 10 2>err3
	[ ! -s rejects.jsonl ]
	[ "$(dump events.db 'SELECT count(*) FROM payments')" = \
		"$(grep -c '"payment.sent"' events.jsonl)" ]
	# Reload the hour 06:00 exactly.
	evcat --since 2015-08-18T06:00:00Z --until 2015-08-18T07:00:00Z events.jsonl |
		evload -d events.db -m replace --since 2015-08-18T06:00:00Z \
			--until 2015-08-18T07:00:00Z 2>err4
	strip_seconds err4 >got
	n=$(evcat --since 2015-08-18T06:00:00Z --until 2015-08-18T07:00:00Z events.jsonl | wc -l)
	echo "evload: $n rows read, $n inserted, 0 updated, $n deleted, 0 skipped, 0 rejected, S seconds" >want
	assert_files_equal got want
	# A stream, committed every 500 rows, restartable.
	evload -d events.db --table stream --batch-rows 500 <events.jsonl 2>/dev/null
	[ "$(dump events.db 'SELECT count(*) FROM stream')" = 1000 ]
}
