# kafka.bash - helpers for tests/pipelines-kafka.bats: librdkafka's mock
# Kafka cluster (build/helpers/kafka_mock), background processes in
# process groups of their own, bounded waits.
#
#   setup()    { load test_helper/common; ev_setup; load test_helper/kafka; kafka_setup; }
#   teardown() { kafka_teardown; }
#
# kafka_setup          cd $T and export TMPDIR=$T; sets SCORE and LOAD (the
#                      scripts), MODEL (the example model), SCORE_X and
#                      LOAD_X (their options for kcat settings that keep
#                      group joins and rebalances short)
# kafka_start T:N ...  starts a mock cluster with topic T of N partitions,
#                      ...; sets BROKERS
# spawn NAME CMD...    runs CMD in the background in a new session
#                      (setsid: its own process group), stdin /dev/null,
#                      stdout and stderr in $T/NAME.log; $T/NAME.pid holds
#                      its pid, which is its process group id
# pid_of NAME          that pid
# kill_group NAME SIG  sends SIG to NAME's whole process group
# kafka_teardown       SIGKILLs every spawned process group, the cluster
#                      last, and on failure shows the end of each log
# key_by_id FILE       FILE's events as "ID<TAB>EVENT" lines (kcat -K '\t')
# produce TOPIC [MS]   produces stdin's keyed lines to TOPIC; with MS,
#                      pauses MS milliseconds every 50 lines
# wait_until S CMD...  runs CMD every 0.1 s until it succeeds; fails when
#                      S seconds have passed
# owned LOG            how many partitions are assigned now to the worker
#                      whose kcat -v output is in LOG (cooperative
#                      protocol: it logs incremental assignments and revokes)
# rows DB              "ROWS DISTINCT-IDS" of the events table (0 0 before
#                      it exists)
# topic_lines TOPIC    every message of TOPIC, one a line

# shellcheck disable=SC2034 # used by the test file
kafka_setup() {
	cd "$T" || return 1
	# The scripts' fifo directories, left behind by a SIGKILL, go with $T.
	export TMPDIR="$T"
	SCORE="$EV_ROOT/scripts/pipelines/kafka-score"
	LOAD="$EV_ROOT/scripts/pipelines/kafka-load"
	MODEL="$EV_ROOT/scripts/examples/email-trust.yaml"
	# The mock cluster holds a first join for 3 s and a later one for the
	# session timeout less 1 s; a member must outlive the first wait.
	SCORE_X=(-C session.timeout.ms=5000 -C heartbeat.interval.ms=500)
	LOAD_X=(-X session.timeout.ms=5000 -X heartbeat.interval.ms=500)
	SPAWNED=()
}

spawn() {
	local name=$1
	shift
	# Not a process group leader, setsid(1) calls setsid() and execs: the
	# pid bash reports is the new group's id.
	setsid "$@" </dev/null >"$T/$name.log" 2>&1 3>&- &
	echo "$!" >"$T/$name.pid"
	SPAWNED+=("$name")
}

pid_of() {
	cat "$T/$1.pid"
}

kill_group() {
	kill -s "$2" -- "-$(pid_of "$1")"
}

kafka_teardown() {
	local name i pid
	# The cluster was spawned first: kill it last, so nobody reconnects.
	for ((i = ${#SPAWNED[@]} - 1; i >= 0; i--)); do
		name=${SPAWNED[i]}
		pid=$(pid_of "$name")
		kill -s KILL -- "-$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		for name in "${SPAWNED[@]}"; do
			echo "# --- $name.log (end)" >&3
			tail -n 15 "$T/$name.log" | sed 's/^/# /' >&3
		done
	fi
}

kafka_start() {
	local t args=()
	for t in "$@"; do
		args+=(-t "$t")
	done
	# The cluster serves until its stdin ends: at the latest when this
	# sleep does, should a teardown never come.
	spawn mock bash -c 'sleep 300 | kafka_mock "$@"' kafka_mock "${args[@]}"
	wait_until 10 grep -qE '^[0-9.:,]+$' "$T/mock.log"
	BROKERS=$(grep -m1 -E '^[0-9.:,]+$' "$T/mock.log")
}

key_by_id() {
	sed -E 's/^\{"id":"([^"]*)".*$/\1\t&/' "$1"
}

produce() {
	if [ -n "${2:-}" ]; then
		awk -v ms="$2" '{ print }
			NR % 50 == 0 { fflush(); system("sleep " ms / 1000) }'
	else
		cat
	fi | kcat -P -b "$BROKERS" -t "$1" -K '\t'
}

wait_until() {
	local secs=$1 deadline
	shift
	deadline=$((${EPOCHREALTIME/./} + secs * 1000000))
	until "$@"; do
		((${EPOCHREALTIME/./} < deadline)) ||
			fail "still false after $secs s: $*"
		sleep 0.1
	done
}

owned() {
	awk '/rebalanced: incremental (assignment|revoke) of/ {
		add = index($0, "incremental assignment") > 0
		s = substr($0, index($0, "protocol): ") + 11)
		while (match(s, /\[[0-9]+\]/)) {
			p = substr(s, RSTART + 1, RLENGTH - 2)
			if (add)
				own[p] = 1
			else
				delete own[p]
			s = substr(s, RSTART + RLENGTH)
		}
	}
	END { n = 0; for (p in own) n++; print n }' "$1"
}

rows() {
	sqlite3 -batch -cmd '.timeout 5000' -separator ' ' "$1" \
		'SELECT count(*), count(DISTINCT id) FROM events' 2>/dev/null ||
		echo '0 0'
}

topic_lines() {
	kcat -C -b "$BROKERS" -t "$1" -e -q -f '%s\n'
}
