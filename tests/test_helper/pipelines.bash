# Helpers for tests/pipelines.bats: the batch and stream pipelines of
# scripts/pipelines/ end to end, the sharded lake, the kill tests, and
# scripts/cron/.
#
#   setup() { load test_helper/common; ev_setup; load test_helper/pipelines; pl_setup; }

pl_setup() {
	# Used by the test file.
	# shellcheck disable=SC2034
	MODEL="$EV_ROOT/scripts/examples/email-trust.yaml"
	# shellcheck disable=SC2034
	PIPES="$EV_ROOT/scripts/pipelines"
	PL_PGIDS=()
	cd "$T" || return 1
}

# For teardown(): SIGKILLs what the test started and left running: the
# process groups made with pl_setsid, then the background jobs.
pl_teardown() {
	local g p
	for g in "${PL_PGIDS[@]}"; do
		kill -9 -- "-$g" 2>/dev/null || true
	done
	for p in $(jobs -p); do
		kill -9 "$p" 2>/dev/null || true
	done
}

# pl_setsid CMD...: starts CMD in the background in a process group of its
# own (its pid is the group id), output to $T/bg.out and $T/bg.err; sets
# bg_pid.
pl_setsid() {
	setsid "$@" >"$T/bg.out" 2>"$T/bg.err" 3>&- &
	bg_pid=$!
	PL_PGIDS+=("$bg_pid")
}

# pl_bg CMD...: starts CMD in the background (same process group), output
# to $T/bg.out and $T/bg.err; sets bg_pid.
pl_bg() {
	"$@" >"$T/bg.out" 2>"$T/bg.err" 3>&- &
	bg_pid=$!
}

# pl_wait_bg: waits for the background command of pl_bg or pl_setsid and
# sets bg_status.
# shellcheck disable=SC2034 # bg_status is read by the tests
pl_wait_bg() {
	bg_status=0
	wait "$bg_pid" || bg_status=$?
}

# Polls until "$@" succeeds, for at most $PL_TIMEOUT seconds (default 60;
# it only bounds a failing test); fails the test on timeout.
pl_wait() {
	local deadline=$((SECONDS + ${PL_TIMEOUT:-60}))
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || fail "timed out waiting for: $*"
		sleep 0.05
	done
}

# True when process $1 has ended (gone, or a zombie not yet waited for).
pl_ended() {
	local s
	s=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
	[[ $s == Z* ]]
}

# True when no process of process group $1 is left.
pl_group_gone() {
	! pgrep -g "$1" >/dev/null
}

# The pid of the child of process $1 named $2 (the command name), if any.
pl_child() {
	pgrep -P "$1" -x "$2" | head -n 1
}

# The pid of the process named $2 (the command name) in process group $1,
# if any.
pl_stage() {
	pgrep -g "$1" -x "$2" | head -n 1
}

# True when process $1 has a child named $2, or has ended.
pl_child_or_end() {
	[ -n "$(pl_child "$1" "$2")" ] || pl_ended "$1"
}

# pl_gen OUT ARGS...: evgen ARGS into OUT.
pl_gen() {
	local out=$1
	shift
	evgen "$@" >"$out"
}

# The Python 3 to run helpers with: the system one when there is one
# (version managers' shims can take seconds to start), else python3.
pl_python() {
	if [ -x /usr/bin/python3 ]; then
		/usr/bin/python3 "$@"
	else
		python3 "$@"
	fi
}

# Prints the canonical text of the lake $1 (see pl_lake_dump); with $2
# "content", without the file names.  One process for the whole lake:
# a gzip -dc per file takes seconds on a busy machine.
# shellcheck disable=SC2016 # Python
PL_LAKE_DUMP='
import gzip, os, sys
lake, mode = sys.argv[1], sys.argv[2]
files, tmp = [], 0
for d, dirs, names in os.walk(lake):
    rel = os.path.relpath(d, lake)
    if rel.split(os.sep)[0].startswith("_"):
        continue
    for n in names:
        if n.endswith(".evtmp"):
            tmp += 1
        elif n.startswith("part-"):
            files.append(os.path.normpath(os.path.join(rel, n)))
files.sort(key=lambda f: f.encode())
out = sys.stdout.buffer
if mode == "files":
    out.write(b"# files\n")
    for f in files:
        out.write(f.encode() + b"\n")
out.write(b"# temporary files: %d\n" % tmp)
parts = {}
for f in files:
    with gzip.open(os.path.join(lake, f), "rb") as z:
        parts.setdefault(os.path.dirname(f), []).extend(z.read().splitlines())
for p in sorted(parts, key=lambda p: p.encode()):
    out.write(b"# partition " + p.encode() + b"\n")
    for line in sorted(parts[p]):
        out.write(line + b"\n")
'

# pl_lake_dump LAKE OUT: a canonical text of a lake, to compare two lakes
# with assert_files_equal: the data files (relative paths, sorted), the
# number of hidden temporary files, then each partition with its lines,
# decompressed and sorted.
pl_lake_dump() {
	pl_python -c "$PL_LAKE_DUMP" "$1" files >"$2"
}

# pl_lake_content LAKE OUT: like pl_lake_dump without the file names: the
# partitions and the sorted lines of each (for lakes written with other run
# ids).
pl_lake_content() {
	pl_python -c "$PL_LAKE_DUMP" "$1" content >"$2"
}

# The stage killer of pl_kill_after, run by a bash of its own: bats traces
# every command of a test, and pgrep or ps take tens of milliseconds each on
# a busy machine, longer than some stages live.  It reads /proc instead.
# shellcheck disable=SC2016 # a script for bash -c
PL_KILLER='
parent=$1 name=$2 bytes=$3 nap=$4
exec {fd}<>"$nap"
deadline=$((SECONDS + 60))
seen=" "
while :; do
	# A child of that name not seen before.  (The children file has no
	# newline at its end: read fails but reads.)
	pid=
	while [ -z "$pid" ]; do
		kids=()
		read -r -a kids <"/proc/$parent/task/$parent/children" 2>/dev/null
		if [ ! -d "/proc/$parent/task/$parent" ]; then
			echo "miss: no $name seen running long enough"
			exit
		fi
		for k in "${kids[@]}"; do
			[[ $seen == *" $k "* ]] && continue
			read -r comm <"/proc/$k/comm" 2>/dev/null && [ "$comm" = "$name" ] && pid=$k && break
		done
		[ "$SECONDS" -lt "$deadline" ] || { echo "miss: timed out"; exit; }
		[ -n "$pid" ] || read -r -t 0.002 -u "$fd"
	done
	seen="$seen$pid "
	# Its bytes read, until it has read enough or ended.
	while :; do
		r=
		while read -r key val; do
			[ "$key" = rchar: ] && r=$val && break
		done <"/proc/$pid/io" 2>/dev/null
		read -r stat <"/proc/$pid/stat" 2>/dev/null
		stat=${stat##*) }
		[ -n "$r" ] && [ "${stat:0:1}" != Z ] || break
		if [ "$r" -ge "$bytes" ]; then
			kill -9 "$pid" && echo "hit: $name killed after reading $r bytes"
			exit
		fi
		[ "$SECONDS" -lt "$deadline" ] || { echo "miss: timed out"; exit; }
		read -r -t 0.002 -u "$fd"
	done
done
'

# pl_kill_after PARENT NAME BYTES: SIGKILLs the child of PARENT named NAME
# (a stage of a pipeline script) as soon as it has read BYTES bytes
# (rchar of /proc/PID/io: its input and the files it opened), and prints
# "hit: ..."; when that stage ends first, goes on with the next child of
# that name (daily-rollup has two pipelines), and prints "miss: ..." when
# the script ends first.
pl_kill_after() {
	[ -p "$T/.nap" ] || mkfifo "$T/.nap"
	bash -c "$PL_KILLER" pl_killer "$1" "$2" "$3" "$T/.nap"
}

# pl_table DB OUT: the generic events table of DB, in key order.
pl_table() {
	sqlite3 -cmd '.timeout 10000' "$1" \
		'SELECT id, type, time, source, event FROM events ORDER BY id' >"$2"
}

# The number of rows of the events table of DB $1 (0 before it exists).
pl_rows() {
	sqlite3 -cmd '.timeout 10000' "$1" 'SELECT count(*) FROM events' 2>/dev/null || echo 0
}

# True when the events table of DB $1 has at least $2 rows.
pl_has_rows() {
	[ -f "$1" ] && [ "$(pl_rows "$1")" -ge "$2" ]
}

# pl_reference_table OUT FILE...: the events table that loading the scored
# FILEs once makes, as pl_table prints it: the table every streaming run
# over these files must end with.
pl_reference_table() {
	local out=$1
	shift
	evscore -m "$MODEL" "$@" | evload -q -d "$T/reference.db"
	pl_table "$T/reference.db" "$out"
	rm -f "$T/reference.db"*
}

# pl_append SRC FROM LEN DST: appends LEN bytes of SRC from byte FROM
# (counting from 0) to DST, as a writer writing a file in pieces does.
pl_append() {
	tail -c "+$(($2 + 1))" "$1" | head -c "$3" >>"$4"
}

# The number of complete lines (newlines) in the files "$@".
pl_lines() {
	cat "$@" | wc -l
}

# pl_fault_bin DIR TOOL: puts in DIR a TOOL that runs the real one, passes
# on only its first $PL_FAULT_LINES lines and then, with PL_FAULT_STALL
# set, touches that file and blocks (a stage hung half way), else reads
# the rest of its input and exits $PL_FAULT_STATUS (a stage failing half
# way).  Put DIR first in PATH.
pl_fault_bin() {
	mkdir -p "$1"
	cat >"$1/$2" <<EOF
#!/usr/bin/env bash
set -o pipefail
if [ -n "\${PL_FAULT_STALL:-}" ]; then
	"$EV_BUILD/bin/$2" "\$@" | { head -n "\$PL_FAULT_LINES"; : >"\$PL_FAULT_STALL"; exec sleep 600; }
else
	"$EV_BUILD/bin/$2" "\$@" | { head -n "\$PL_FAULT_LINES"; cat >/dev/null; }
	exit "\$PL_FAULT_STATUS"
fi
EOF
	chmod +x "$1/$2"
}
