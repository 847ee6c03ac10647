# pg.bash - a throwaway PostgreSQL server for a bats file.
#
#   setup_file()    { load test_helper/pg; pg_start; }
#   teardown_file() { load test_helper/pg; pg_stop; }
#
# pg_start      Creates a cluster with initdb from the newest
#               /usr/lib/postgresql/*/bin in a fresh directory under /tmp,
#               starts it with pg_ctl listening only on a Unix socket in
#               that directory (listen_addresses='': no TCP at all), and
#               creates the database "evtools".  Run as root (CI), the
#               server runs as the system user "evtools-test", created when
#               missing, which owns the directory.  Exports PGHOST (the
#               socket directory), PGPORT, PGDATABASE=evtools, PGUSER (the
#               superuser), PG_BIN, EV_PG_DIR and EV_PG_URL (a
#               postgresql:// URI for the same database).  Local logins are
#               trusted, except for the role "evtools_pw" (password
#               "secret", scram-sha-256) kept for login-failure tests.
#               Fails (never skips) when PostgreSQL is not installed.
# pg_stop       Stops the server (immediate mode) and removes the directory.
# pg_sql SQL    Runs SQL with psql in the database (-X -A -t -q, stops at
#               the first error); prints the rows, fields separated by '|'.
# pg_reset      Empties the database: drops and recreates schema public.
#
# The server is started once per file (setup_file), so tests share it and
# call pg_reset (or use their own tables) to start from nothing.

PG_TEST_USER=evtools-test

_pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$PG_TEST_USER" -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	local bin
	bin=$(find /usr/lib/postgresql -maxdepth 3 -path '*/bin/initdb' 2>/dev/null |
		sort -V | tail -1)
	if [ -z "$bin" ]; then
		echo "pg.bash: PostgreSQL is not installed (run scripts/install-deps)" >&2
		return 1
	fi
	PG_BIN=$(dirname "$bin")
	if [ "$(id -u)" -eq 0 ] && ! id "$PG_TEST_USER" >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /usr/sbin/nologin \
			"$PG_TEST_USER" 2>/dev/null || id "$PG_TEST_USER" >/dev/null
	fi
	EV_PG_DIR=$(mktemp -d /tmp/evtools-pg.XXXXXX)
	chmod 0755 "$EV_PG_DIR"
	if [ "$(id -u)" -eq 0 ]; then
		chown "$PG_TEST_USER" "$EV_PG_DIR"
		PGUSER=$PG_TEST_USER
	else
		PGUSER=$(id -un)
	fi
	_pg_as "$PG_BIN/initdb" -D "$EV_PG_DIR/data" -U "$PGUSER" \
		--auth-local=trust --auth-host=reject -E UTF8 --locale=C.UTF-8 \
		>"$EV_PG_DIR/initdb.log" 2>&1 || {
		cat "$EV_PG_DIR/initdb.log" >&2
		return 1
	}
	# The password role first: pg_hba.conf is read top down.
	_pg_as sed -i '1i local all evtools_pw scram-sha-256' \
		"$EV_PG_DIR/data/pg_hba.conf"
	_pg_as "$PG_BIN/pg_ctl" -D "$EV_PG_DIR/data" -l "$EV_PG_DIR/server.log" \
		-w -t 60 -o "-c listen_addresses='' \
		-c unix_socket_directories='$EV_PG_DIR' -c port=5432 \
		-c fsync=off -c synchronous_commit=off -c full_page_writes=off \
		-c max_connections=20 -c shared_buffers=32MB" start >/dev/null || {
		cat "$EV_PG_DIR/server.log" >&2
		return 1
	}
	PGHOST=$EV_PG_DIR
	PGPORT=5432
	PGDATABASE=postgres
	export PGHOST PGPORT PGUSER PGDATABASE PG_BIN EV_PG_DIR
	pg_sql "CREATE DATABASE evtools" &&
		pg_sql "CREATE ROLE evtools_pw LOGIN PASSWORD 'secret'" || return 1
	export PGDATABASE=evtools
	export EV_PG_URL="postgresql:///evtools?host=$EV_PG_DIR&port=5432&user=$PGUSER"
}

pg_stop() {
	if [ -n "${EV_PG_DIR:-}" ] && [ -d "$EV_PG_DIR/data" ]; then
		_pg_as "$PG_BIN/pg_ctl" -D "$EV_PG_DIR/data" -m immediate -w \
			stop >/dev/null 2>&1 || true
	fi
	if [ -n "${EV_PG_DIR:-}" ]; then
		rm -rf "$EV_PG_DIR"
	fi
}

pg_sql() {
	PGOPTIONS="-c client_min_messages=warning" \
		"$PG_BIN/psql" -X -A -t -q -v ON_ERROR_STOP=1 -c "$1"
}

pg_reset() {
	pg_sql "DROP SCHEMA public CASCADE; CREATE SCHEMA public; GRANT USAGE ON SCHEMA public TO PUBLIC;" >/dev/null
}
