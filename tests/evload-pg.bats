#!/usr/bin/env bats
# evload into PostgreSQL: a real server started for this file (Unix socket
# only, see test_helper/pg.bash).  The same promises as tests/evload.bats:
# modes, schemas and evolution, rejected rows (the same reject files as
# with SQLite), the batch ledger under kill -9, hostile names, and the
# failures of a server: unreachable, refused login.

setup_file() {
	load test_helper/pg
	pg_start
}

teardown_file() {
	load test_helper/pg
	pg_stop
}

setup() {
	load test_helper/common
	ev_setup
	load test_helper/pg
	load test_helper/evload
	load_setup
	pg_reset
	G="$FIX/evload"
	DB=postgresql://
}

q() { # q SQL: rows with '|' between fields and NULL for null
	"$PG_BIN/psql" -X -A -t -q -v ON_ERROR_STOP=1 -P null=NULL -c "$1"
}

dump_events() {
	q "SELECT id, type, time, source, event FROM events ORDER BY id"
}

@test "pg: generic table: jsonb event, timestamptz time" {
	run_to_files evload -d "$DB" events.jsonl
	[ "$status" -eq 0 ]
	expect_err "evload: 5 rows read, 5 inserted, 0 updated, 0 skipped, 0 rejected, S seconds"
	q "SET TimeZone = 'UTC'; SELECT id, type, time, source, event FROM events ORDER BY id" >got
	assert_files_equal got "$G/events.pg.golden"
	q "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'events' ORDER BY ordinal_position" >got
	printf '%s\n' 'id|text' 'type|text' 'time|timestamp with time zone' \
		'source|text' 'event|jsonb' >want
	assert_files_equal got want
}

@test "pg: a URI, a conninfo string and the PG* variables name the server" {
	run_to_files evload -q -d "$EV_PG_URL" --table a events.jsonl
	[ "$status" -eq 0 ]
	run_to_files evload -q -d "host=$PGHOST port=$PGPORT dbname=evtools user=$PGUSER" --table b events.jsonl
	[ "$status" -eq 0 ]
	run_to_files evload -q -d postgres:// --table c events.jsonl
	[ "$status" -eq 0 ]
	[ "$(q 'SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM b) + (SELECT count(*) FROM c)')" = 15 ]
}

@test "pg: an unreachable server, a refused login, a missing database: exit 3, nothing loaded" {
	run -3 --separate-stderr evload -d "postgresql:///evtools?host=$T/nowhere" events.jsonl
	[ "$stderr" = "evload: cannot connect to PostgreSQL: connection to server on socket \"$T/nowhere/.s.PGSQL.5432\" failed: No such file or directory Is the server running locally and accepting connections on that socket?" ]
	run -3 --separate-stderr evload -d "postgresql:///evtools?user=evtools_pw&password=wrong" events.jsonl
	[ "$stderr" = "evload: cannot connect to PostgreSQL: connection to server on socket \"$PGHOST/.s.PGSQL.5432\" failed: FATAL:  password authentication failed for user \"evtools_pw\"" ]
	run -3 --separate-stderr evload -d "dbname=nope" events.jsonl
	[ "$stderr" = "evload: cannot connect to PostgreSQL: connection to server on socket \"$PGHOST/.s.PGSQL.5432\" failed: FATAL:  database \"nope\" does not exist" ]
	# The right password works; a role without rights gets the server's no.
	run -3 --separate-stderr evload -q -d "postgresql:///evtools?user=evtools_pw&password=secret" --table pw events.jsonl
	[ "$stderr" = "evload: PostgreSQL: permission denied for schema public" ]
	q "GRANT USAGE, CREATE ON SCHEMA public TO evtools_pw"
	run_to_files evload -q -d "postgresql:///evtools?user=evtools_pw&password=secret" --table pw events.jsonl
	[ "$status" -eq 0 ]
	[ "$(q 'SELECT count(*) FROM pw')" = 5 ]
}

@test "pg: mode ignore twice leaves the table unchanged; first of a key wins" {
	evload -q -d "$DB" events.jsonl
	dump_events >first
	printf '%s\n' '{"id":"e1","type":"again","time":"2015-08-18T09:00:00Z"}' \
		'{"id":"n","type":"first","time":"2015-08-18T00:00:02Z"}' \
		'{"id":"n","type":"second","time":"2015-08-18T00:00:09Z"}' >in
	run_to_files evload -d "$DB" events.jsonl in
	expect_err "evload: 8 rows read, 1 inserted, 0 updated, 7 skipped, 0 rejected, S seconds"
	q "SELECT type FROM events WHERE id IN ('e1', 'n') ORDER BY id" >got
	printf '%s\n' user.created first >want
	assert_files_equal got want
}

@test "pg: a table the load creates: repeated keys, first wins; insert rejects; the same definition" {
	printf '%s\n' '{"id":"k2","type":"first","time":"2015-08-18T00:00:00Z"}' \
		'{"id":"k1","type":"first","time":"2015-08-18T00:00:01Z"}' \
		'{"id":"k2","type":"second","time":"2015-08-18T00:00:02Z"}' \
		'{"id":"k1","type":"second","time":"2015-08-18T00:00:03Z"}' \
		'{"id":"k3","type":"first","time":"2015-08-18T00:00:04Z"}' >in
	run_to_files evload -d "$DB" in
	[ "$status" -eq 0 ]
	expect_err "evload: 5 rows read, 3 inserted, 0 updated, 2 skipped, 0 rejected, S seconds"
	[ "$(q "SELECT string_agg(id || '=' || type, ' ' ORDER BY id) FROM events")" = "k1=first k2=first k3=first" ]
	run_to_files evload -d "$DB" -m insert --table ins --max-errors 2 in
	[ "$status" -eq 0 ]
	expect_err 'evload: in:3: duplicate key (id)=("k2")
evload: in:4: duplicate key (id)=("k1")
evload: 5 rows read, 3 inserted, 0 updated, 0 skipped, 2 rejected, S seconds
evload: 2 lines rejected, within --max-errors 2'
	[ "$(q "SELECT string_agg(id || '=' || type, ' ' ORDER BY id) FROM ins")" = "k1=first k2=first k3=first" ]
	# Its key is built after its rows: the definition is that of a table
	# created with its key (upsert).
	evload -q -d "$DB" -m upsert --table ups in
	for t in events ins ups; do
		{
			q "SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute WHERE attrelid = '$t'::regclass AND attnum > 0 ORDER BY attnum"
			q "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = '$t'::regclass"
			q "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = '$t'"
		} | sed -e "s/\b${t}_pkey\b/T_pkey/g" -e "s/\b$t\b/T/g" >"def.$t"
	done
	assert_files_equal def.events def.ups
	assert_files_equal def.ins def.ups
	grep -q '^T_pkey|p|PRIMARY KEY (id)$' def.ups
}

@test "pg: beyond one chunk: a new table, then the same input again; as in SQLite" {
	# Of 75000 rows, 35000 repeat a key: more than a chunk (32768) goes to
	# the staging table between the rows copied into the new table.
	evgen -n 40000 --seed 22 >a
	{
		head -n 20000 a
		head -n 20000 a | sed 's/"type":"/"type":"again./'
		head -n 15000 a | sed 's/"type":"/"type":"twice./'
		tail -n 20000 a
	} >in
	run_to_files evload -d "$DB" in
	[ "$status" -eq 0 ]
	expect_err "evload: 75000 rows read, 40000 inserted, 0 updated, 35000 skipped, 0 rejected, S seconds"
	evload -q -d t.db in
	sqlite3 t.db "SELECT id || '|' || type FROM events ORDER BY id" >want
	q "SELECT id || '|' || type FROM events ORDER BY id COLLATE \"C\"" >got
	assert_files_equal got want
	run_to_files evload -d "$DB" in
	expect_err "evload: 75000 rows read, 0 inserted, 0 updated, 75000 skipped, 0 rejected, S seconds"
	q "SELECT id || '|' || type FROM events ORDER BY id COLLATE \"C\"" >again
	assert_files_equal again want
}

@test "pg: mode upsert: later time wins, equal times keep the stored row, within a batch too" {
	evload -q -d "$DB" events.jsonl
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
	run_to_files evload -d "$DB" -m upsert in
	[ "$status" -eq 0 ]
	expect_err "evload: 8 rows read, 2 inserted, 1 updated, 5 skipped, 0 rejected, S seconds"
	q "SELECT id, type, to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM events ORDER BY id" >got
	assert_files_equal got "$G/upsert.sqlite.golden"
	run_to_files evload -d "$DB" -m upsert in
	expect_err "evload: 8 rows read, 0 inserted, 0 updated, 8 skipped, 0 rejected, S seconds"
}

@test "pg: mode insert: duplicate keys are rejected rows, as with SQLite" {
	evload -q -d "$DB" events.jsonl
	printf '%s\n' '{"id":"x1","type":"t","time":"2015-08-18T00:00:00Z"}' \
		'{"id":"e2","type":"t","time":"2015-08-18T00:00:00Z"}' \
		'{"id":"x1","type":"t","time":"2015-08-18T00:00:00Z"}' >in
	run_to_files evload -d "$DB" -m insert --reject rej in
	[ "$status" -eq 1 ]
	expect_err 'evload: in:2: duplicate key (id)=("e2")
evload: in:3: duplicate key (id)=("x1")
evload: rolled back: nothing loaded
evload: 3 rows read, 0 inserted, 0 updated, 0 skipped, 2 rejected, S seconds
evload: 2 lines rejected, more than --max-errors 0'
	assert_files_equal rej "$G/insert-rejects.golden"
	[ "$(q 'SELECT count(*) FROM events')" = 5 ]
	run_to_files evload -d "$DB" -m insert --max-errors 2 in
	[ "$status" -eq 0 ]
	expect_err 'evload: in:2: duplicate key (id)=("e2")
evload: in:3: duplicate key (id)=("x1")
evload: 3 rows read, 1 inserted, 0 updated, 0 skipped, 2 rejected, S seconds
evload: 2 lines rejected, within --max-errors 2'
	[ "$(q 'SELECT count(*) FROM events')" = 6 ]
}

@test "pg: mode replace: the input's time range, then --since/--until" {
	evload -q -d "$DB" events.jsonl
	printf '%s\n' '{"id":"r1","type":"r","time":"2015-08-18T00:00:01.5Z"}' \
		'{"id":"r2","type":"r","time":"2015-08-17T23:00:00Z"}' >in
	run_to_files evload -d "$DB" -m replace in
	expect_err "evload: 2 rows read, 2 inserted, 0 updated, 4 deleted, 0 skipped, 0 rejected, S seconds"
	q "SELECT id FROM events ORDER BY id" >got
	printf '%s\n' e5 r1 r2 >want
	assert_files_equal got want
	run_to_files evload -d "$DB" -m replace --since 2015-08-18T00:00:00Z --until 2015-08-18T03:00:00Z </dev/null
	expect_err "evload: 0 rows read, 0 inserted, 0 updated, 2 deleted, 0 skipped, 0 rejected, S seconds"
	[ "$(q 'SELECT id FROM events ORDER BY id')" = r2 ]
}

@test "pg: schema with rejects: the same reject file as with SQLite" {
	run_to_files evload -d "$DB" -s payments.yaml --reject rej --max-errors 5 payments.jsonl
	[ "$status" -eq 0 ]
	assert_files_equal rej "$G/payments-rejects.golden"
	q "SELECT id, time AT TIME ZONE 'UTC', user_id, amount, currency, method FROM payments ORDER BY id" >got
	printf '%s\n' 'p1|2015-08-18 00:00:00|u1|12.5|USD|card' \
		'p6|2015-08-18 00:05:00|u6|6|EUR|NULL' >want
	assert_files_equal got want
	run_to_files evload -d "$DB" -s payments.yaml --max-errors 4 payments.jsonl
	[ "$status" -eq 1 ]
	[ "$(q 'SELECT count(*) FROM payments')" = 2 ]
}

@test "pg: conversion table: types, and the same rejects as SQLite" {
	run_to_files evload -d "$DB" -s types.yaml types-good.jsonl
	[ "$status" -eq 0 ]
	q "SET TimeZone = 'UTC'; SELECT id, t, i, b, d, f, ts, j FROM types ORDER BY id" >got
	assert_files_equal got "$G/types.pg.golden"
	run_to_files evload -d "$DB" -s types.yaml --reject rej --max-errors 100 types-bad.jsonl
	[ "$status" -eq 0 ]
	assert_files_equal rej "$G/types-rejects.golden"
}

@test "pg: NUL and out-of-range JSON numbers are rejected rows, not a failed load" {
	printf '%s\n' '{"id":"n1","type":"t","time":"2015-08-18T00:00:00Z","x":"a\u0000b"}' \
		'{"id":"n2","type":"t\u0000","time":"2015-08-18T00:00:00Z"}' \
		'{"id":"n3","type":"t","time":"2015-08-18T00:00:00Z","x":1e131072}' \
		'{"id":"ok","type":"t","time":"2015-08-18T00:00:00Z","x":"\\u0000 is text"}' >in
	run_to_files evload -d "$DB" --max-errors 3 in
	[ "$status" -eq 0 ]
	expect_err 'evload: in:1: column event (.): JSON contains \u0000 (NUL), which a database json cannot hold
evload: in:2: column type (type): text contains U+0000 (NUL), which a database text cannot hold
evload: in:3: column event (.): JSON number 1e131072 is beyond what a database json can hold (10^131072, 16383 decimals)
evload: 4 rows read, 1 inserted, 0 updated, 0 skipped, 3 rejected, S seconds
evload: 3 lines rejected, within --max-errors 3'
	[ "$(q "SELECT event->>'x' FROM events")" = '\u0000 is text' ]
}

@test "pg: schema evolution: added column; type and key changes refused" {
	evload -q -d "$DB" -s payments.yaml --max-errors 5 payments.jsonl
	cp payments.yaml p2.yaml
	printf '  - name: type\n    type: text\n' >>p2.yaml
	run_to_files evload -d "$DB" -s p2.yaml --max-errors 5 payments.jsonl
	[ "$status" -eq 0 ]
	head -1 "$T/err" >got
	echo "evload: table payments: added column type (text)" >want
	assert_files_equal got want
	[ "$(q "SELECT data_type FROM information_schema.columns WHERE table_name = 'payments' AND column_name = 'type'")" = text ]
	sed 's/type: double/type: bigint/' p2.yaml >p3.yaml
	run -2 --separate-stderr evload -d "$DB" -s p3.yaml payments.jsonl
	[ "$stderr" = "evload: p3.yaml:14:5: column amount: type bigint in the schema, double in table payments; a column's type cannot change" ]
	sed 's/^key: id$/key: [user_id, id]/' p2.yaml >p4.yaml
	run -2 --separate-stderr evload -d "$DB" -s p4.yaml payments.jsonl
	[ "$stderr" = "evload: p4.yaml: table payments: the key is (id) in the database and (user_id, id) in the schema; a key cannot change (load into a new table)" ]
}

@test "pg: hostile names and values" {
	cat >h.yaml <<'EOF'
table: 'x"; DROP TABLE events; --'
key: "id'"
columns:
  - {name: "id'", path: id, type: text}
  - {name: 'a"b; DELETE FROM events', path: 'we\.ird."q', type: text}
  - {name: "Robert'); DROP TABLE students;--", path: v, type: json}
EOF
	evload -q -d "$DB" events.jsonl
	cat >in <<'EOF'
{"id":"'; DROP TABLE events; --","we.ird":{"\"q":"\"); DELETE FROM events; --"},"v":{"\\":"\\\\'\""}}
{"id":"\\","we.ird":{"\"q":"back\\slash\nnew line"},"v":"x"}
EOF
	run_to_files evload -d "$DB" -s h.yaml in
	[ "$status" -eq 0 ]
	q "SELECT * FROM \"x\"\"; DROP TABLE events; --\" ORDER BY 1" >got
	assert_files_equal got "$G/hostile.pg.golden"
	[ "$(q 'SELECT count(*) FROM events')" = 5 ]
	run_to_files evload -q -d "$DB" -m upsert --table "a'b\"c;d" events.jsonl
	[ "$status" -eq 0 ]
	[ "$(q "SELECT count(*) FROM \"a'b\"\"c;d\"")" = 5 ]
}

@test "pg: --stats and --dry-run" {
	run_to_files evload -q --stats -d "$DB" -m upsert events.jsonl
	jq -c 'del(.seconds)' "$T/err" >got
	echo '{"tool":"evload","lines_in":6,"blank":1,"rejected":0,"lines_out":5,"bytes_in":444,"bytes_out":0,"table":"events","mode":"upsert","read":5,"inserted":5,"updated":0,"deleted":0,"skipped":0,"resumed":0,"transactions":1}' >want
	assert_files_equal got want
	run_to_files evload -n -d "$DB" --table dry events.jsonl
	expect_err "evload: dry run: rolled back
evload: 5 rows read, 5 inserted, 0 updated, 0 skipped, 0 rejected, S seconds"
	[ "$(q "SELECT count(*) FROM pg_tables WHERE tablename = 'dry'")" = 0 ]
}

@test "pg: --batch-rows ledger: a grown input loads only its new lines" {
	evgen -n 250 --seed 7 >in
	head -n 120 in >input
	evload -q -d "$DB" --batch-rows 50 -m insert input
	cp in input
	run_to_files evload -d "$DB" --batch-rows 50 -m insert input
	[ "$status" -eq 0 ]
	expect_err "evload: 250 rows read, 130 inserted, 0 updated, 120 skipped, 0 rejected, S seconds"
	[ "$(q 'SELECT tbl, input_name, last_line, nrows FROM _evload_ledger')" = "events|input|250|250" ]
}

@test "pg: kill -9 at random moments, then a re-run: every event exactly once" {
	evgen -n 3000 --seed 11 >in
	evload -q -d "$DB" --table clean -m upsert in
	kill_loop 4 evload -q -d "$DB" -m upsert --batch-rows 97
	slow_cat in | evload -q -d "$DB" -m upsert --batch-rows 97
	q "SELECT count(*), md5(string_agg(id || type || time::text || event::text, ',' ORDER BY id)) FROM clean" >want
	q "SELECT count(*), md5(string_agg(id || type || time::text || event::text, ',' ORDER BY id)) FROM events" >got
	assert_files_equal got want
	[ "$(q 'SELECT input_name, last_line FROM _evload_ledger')" = "<stdin>|3000" ]
	# No staging table is left behind by the killed runs.
	[ "$(q "SELECT count(*) FROM pg_class WHERE relname = '_evload_stage'")" = 0 ]
}

@test "pg: kill -9 with --mode insert: no duplicate-key failure on the re-run" {
	evgen -n 2000 --seed 12 >in
	kill_loop 3 evload -q -d "$DB" -m insert --batch-rows 50
	run_to_files evload -d "$DB" -m insert --batch-rows 50 <in
	[ "$status" -eq 0 ]
	[ "$(q 'SELECT count(*), count(DISTINCT id) FROM events')" = "2000|2000" ]
}

@test "pg: SIGTERM rolls back and ends by the signal" {
	mkfifo fifo
	evload -d "$DB" <fifo 2>err &
	pid=$!
	exec 7>fifo
	cat events.jsonl >&7
	sleep 0.5
	kill -TERM "$pid"
	set +e
	wait "$pid"
	st=$?
	set -e
	exec 7>&-
	[ "$st" -eq 143 ]
	[ "$(q "SELECT count(*) FROM pg_tables WHERE tablename = 'events'")" = 0 ]
}
