#!/usr/bin/env bats
# The Kafka pipeline: kafka-score workers in one consumer group score a
# topic of 4 partitions into another, kafka-load loads that into SQLite.
# Every event id lands in the table exactly once, also when a worker is
# killed with SIGKILL mid-stream and the group gives its partitions to the
# survivor; the output topic carries the scored events.  Against
# librdkafka's mock cluster (tests/helpers/kafka_mock.c), with kcat.

setup() {
	load test_helper/common
	ev_setup
	load test_helper/kafka
	kafka_setup
	evgen -n 2000 --seed 42 >ev.jsonl
	key_by_id ev.jsonl >ev.keyed
	cut -f1 ev.keyed | sort >ids.want
}

teardown() {
	kafka_teardown
}

# worker NAME [OPTION...]: a kafka-score worker of the group "scorers",
# in -> scored.
worker() {
	local name=$1
	shift
	spawn "$name" "$SCORE" -b "$BROKERS" -g scorers -i in -o scored \
		-m "$MODEL" -v "${SCORE_X[@]}" "$@"
}

# loader: kafka-load of scored into t.db, committing every 100 rows.
loader() {
	spawn load "$LOAD" -b "$BROKERS" -g loaders -t scored -d t.db -n 100 \
		-v "${LOAD_X[@]}"
}

# Both workers have partitions, and between them all 4.
both_working() {
	local a b
	a=$(owned w1.log)
	b=$(owned w2.log)
	[ "$a" -ge 1 ] && [ "$b" -ge 1 ] && [ $((a + b)) -eq 4 ]
}

owns_all() {
	[ "$(owned "$1.log")" -eq 4 ]
}

# at_least N: the table has N rows or more.
at_least() {
	local n
	read -r n _ < <(rows t.db)
	[ "$n" -ge "$1" ]
}

loaded_all() {
	[ "$(rows t.db)" = "2000 2000" ]
}

# Every event id of evgen's exactly once, and nothing else.
assert_exactly_once() {
	run -0 rows t.db
	assert_output "2000 2000"
	sqlite3 t.db 'SELECT id FROM events ORDER BY id' >ids.got
	assert_files_equal ids.got ids.want
}

# stop NAME: SIGTERM to the script; it must end cleanly (status 0).
stop() {
	local pid st=0
	pid=$(pid_of "$1")
	kill -TERM "$pid"
	wait "$pid" || st=$?
	[ "$st" -eq 0 ] || fail "$1 exited with status $st"
}

@test "two workers in one group and a loader: every event id once in the table" {
	kafka_start in:4 scored:2
	worker w1
	worker w2
	loader
	wait_until 30 both_working
	produce in <ev.keyed
	wait_until 60 loaded_all
	assert_exactly_once
	# The scored events were loaded: the table holds the output lines.
	run -0 sqlite3 t.db "SELECT count(*) FROM events WHERE event LIKE '%\"score\":{%'"
	assert_output 318
	stop load
	run -0 grep -cE '^evload: [0-9]+ rows read, 2000 inserted, 0 updated, [0-9]+ skipped, 0 rejected' load.log
	assert_output 1
	stop w1
	stop w2
	# The workers committed no offset, not even when they left: a new
	# member of the group reads the whole topic again.
	run -0 --separate-stderr kcat -C -G scorers -b "$BROKERS" -e -q -f '%p %o\n' \
		-X session.timeout.ms=5000 -X auto.offset.reset=earliest \
		-X enable.auto.offset.store=false in
	assert_equal "$(sort -u <<<"$output" | wc -l)" 2000
}

@test "a worker killed with SIGKILL mid-stream: the survivor takes its partitions, every id once" {
	kafka_start in:4 scored:2
	worker w1
	worker w2
	loader
	wait_until 30 both_working
	head -n 1000 ev.keyed >first
	tail -n 1000 ev.keyed >second
	spawn producer env BROKERS="$BROKERS" \
		bash -c "$(declare -f produce); produce in 25 <first"
	wait_until 30 at_least 300
	# The worker's script, kcat -C, evscore and kcat -P die at once.
	kill_group w1 KILL
	wait "$(pid_of producer)"
	produce in <second
	wait_until 60 owns_all w2
	wait_until 60 loaded_all
	assert_exactly_once
	stop w2
}

@test "the output topic carries every event scored by the model; -r keeps rejects" {
	kafka_start in:4 scored:2
	{
		cat ev.keyed
		printf 'bad-1\tnot json\n'
	} | produce in
	worker w1 -r rejects
	worker w2 -r rejects
	scored_all() {
		[ "$(topic_lines scored | sort -u | wc -l)" -eq 2000 ]
	}
	wait_until 60 scored_all
	# Duplicates are allowed (at least once); the distinct lines are
	# exactly evscore's output for the input.
	topic_lines scored | sort -u >got
	evscore -m "$MODEL" ev.jsonl | sort >want
	assert_files_equal got want
	run -0 bash -c "jq -r '.score.verdict // \"unscored\"' got | sort | uniq -c"
	assert_output "     11 label
    283 pass
     24 quarantine
   1682 unscored"
	# A sample: a quarantined e-mail, and an event of another type, unchanged.
	run -0 jq -c 'select(.id == "b7008ae1-d133-47b6-a8db-323c475c5c5c") |
		.score | del(.reasons)' got
	assert_output '{"value":0.9999096668963555,"logit":9.311916231251976,"verdict":"quarantine","model":"email-trust@2015.08.1"}'
	run -0 grep -cFx "$(head -n 1 ev.jsonl)" got
	assert_output 1
	# The line that is no event went to the reject files, committed at the
	# clean stop (by one worker or, read again after a rebalance, by both).
	stop w1
	stop w2
	run -0 bash -c "cat rejects/*-evscore.jsonl | jq -c 'del(.line)' | sort -u"
	assert_output '{"file":"<stdin>","error":"invalid JSON at column 1: invalid literal","column":1,"raw":"not json"}'
}

@test "usage and model errors: status 2 before joining the group" {
	run -2 --separate-stderr "$SCORE" -b 127.0.0.1:1 -g g -i in -o out
	assert_equal "$stderr" "usage: kafka-score -b brokers -g group -i in-topic -o out-topic -m model [-r rejects] [-X prop=val] [-C prop=val] [-P prop=val] [-v]"
	run -2 --separate-stderr "$SCORE" -b 127.0.0.1:1 -g g -i in -o out -m missing.yaml
	assert_equal "$stderr" "evscore: missing.yaml: No such file or directory"
	run -2 --separate-stderr "$LOAD" -b 127.0.0.1:1 -g g -t scored
	assert_equal "$stderr" "usage: kafka-load -b brokers -g group -t topic -d db [-n rows] [-s schema] [-T table] [-r rejects] [-X prop=val] [-v]"
	run -2 --separate-stderr "$LOAD" -b 127.0.0.1:1 -g g -t a/b -d t.db
	assert_equal "$stderr" "kafka-load: -t: 'a/b' is not a Kafka topic name"
	[ ! -e t.db ]
}
