# evload: the generic events table (id key, type, time, source, event),
# filled from 200,000 and from BENCH_N (1,000,000) evgen events, beside:
#   SQLite      the sqlite3 CLI (.import of the lines into a one-column table,
#               then INSERT ... SELECT with ->>), and sqlite-utils insert --nl;
#   PostgreSQL  psql \copy into a jsonb staging table, then INSERT ... SELECT
#               with ->> (one psql session), on a throwaway server started
#               here like the test suite's (tests/test_helper/pg.bash).
# Targets: >= 2x the sqlite3 CLI, >= 10x sqlite-utils, >= 2x the psql path.
# Every command starts from an empty table and must end with every event
# loaded: after the timings, each table's row count and a checksum of its
# (id, type, time) rows, times in UTC to the millisecond, must be the same
# for every command.

# The sqlite3 CLI path: a script for sqlite3 reading FILE.
evload_bench_cli_script() { # FILE
	cat <<EOF
CREATE TABLE events (id TEXT PRIMARY KEY, type TEXT, time TEXT, source TEXT, event TEXT);
CREATE TEMP TABLE raw (line TEXT);
.mode ascii
.separator "$(printf '\037')" "\n"
.import $1 raw
BEGIN;
INSERT INTO events SELECT line->>'id', line->>'type', line->>'time', line->>'source', line FROM raw WHERE true ON CONFLICT (id) DO NOTHING;
COMMIT;
EOF
}

# The psql path: a script for one psql session reading FILE.  CSV with a
# quote and a delimiter that never occur keeps each line whole.
evload_bench_psql_script() { # FILE
	cat <<EOF
DROP TABLE IF EXISTS events;
CREATE TABLE events (id text PRIMARY KEY, type text, time timestamptz, source text, event jsonb);
BEGIN;
CREATE TEMP TABLE raw (j jsonb) ON COMMIT DROP;
\\copy raw FROM '$1' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')
INSERT INTO events SELECT j->>'id', j->>'type', (j->>'time')::timestamptz, j->>'source', j FROM raw ON CONFLICT (id) DO NOTHING;
COMMIT;
EOF
}

# "COUNT CHECKSUM" of the (id, type, time) rows of a SQLite table.
evload_bench_sqlite_sum() { # DB
	sqlite3 "$1" "SELECT id || '|' || type || '|' ||
		strftime('%Y-%m-%dT%H:%M:%fZ', time) FROM events ORDER BY id" |
		md5sum | { read -r sum _ && echo "$(sqlite3 "$1" "SELECT count(*) FROM events") $sum"; }
}

# The same for the PostgreSQL table (ids in byte order, as SQLite's).
evload_bench_pg_sum() {
	"$PG_BIN/psql" -X -A -t -c "SELECT id || '|' || type || '|' ||
		to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')
		FROM events ORDER BY id COLLATE \"C\"" |
		md5sum | { read -r sum _ && echo "$("$PG_BIN/psql" -X -A -t -c "SELECT count(*) FROM events") $sum"; }
}

evload_bench_check() { # N WANT NAME GOT
	if [ "${4%% *}" != "$1" ] || [ "$4" != "$2" ]; then
		echo "bench: $3 loaded \"$4\" (rows, checksum), not \"$2\" ($1 events)" >&2
		return 1
	fi
}

bench_evload() {
	local n f db="$WORK/evload.db" w="$WORK/evload" saved=$DATA_BYTES
	local psql reset want
	mkdir -p "$w"
	# shellcheck source=/dev/null
	. "$ROOT/tests/test_helper/pg.bash"
	pg_start >/dev/null
	# Stopped when this function returns, and when a failure ends the
	# script (set -e) before that.
	trap 'pg_stop' RETURN EXIT
	psql="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1"
	reset="$psql -c 'DROP TABLE IF EXISTS events, _evload_columns'"

	for n in 200000 "$BENCH_N"; do
		f="$w/events-$n.jsonl"
		[ -s "$f" ] || head -n "$n" "$DATA" >"$f"
		evload_bench_cli_script "$f" >"$w/cli-$n.sql"
		evload_bench_psql_script "$f" >"$w/psql-$n.sql"
		DATA_BYTES=$(stat -c %s "$f")
		bench_compare "evload -> SQLite, generic table ($n events)" \
			"evload" "rm -f '$db' '$db-wal' '$db-shm'; evload -q -d '$db' '$f'" \
			"sqlite3 .import + ->>" "rm -f '$db.cli'; sqlite3 '$db.cli' <'$w/cli-$n.sql'" \
			"sqlite-utils insert --nl" "rm -f '$db.su'; sqlite-utils insert '$db.su' events '$f' --nl --pk id"
		want=$(evload_bench_sqlite_sum "$db")
		evload_bench_check "$n" "$want" "evload (SQLite)" "$want"
		evload_bench_check "$n" "$want" "sqlite3 CLI" "$(evload_bench_sqlite_sum "$db.cli")"
		evload_bench_check "$n" "$want" sqlite-utils "$(evload_bench_sqlite_sum "$db.su")"
		bench_compare "evload -> PostgreSQL, generic table ($n events)" \
			"evload" "$reset; evload -q -d postgresql:// '$f'" \
			"psql \\copy + insert-select" "$psql -f '$w/psql-$n.sql'"
		evload_bench_check "$n" "$want" psql "$(evload_bench_pg_sum)"
		eval "$reset"
		evload -q -d postgresql:// "$f"
		evload_bench_check "$n" "$want" "evload (PostgreSQL)" "$(evload_bench_pg_sum)"
	done
	DATA_BYTES=$saved
	rm -f "$db" "$db-wal" "$db-shm" "$db.cli" "$db.su"
	printf '\n| evload memory | |\n|---|---|\n' | tee -a "$RESULTS"
	bench_rss "evload -> SQLite, $BENCH_N events" "rm -f '$db'*; evload -q -d '$db' '$DATA'"
	rm -f "$db" "$db-wal" "$db-shm"
}
