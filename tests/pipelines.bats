#!/usr/bin/env bats
# The batch and stream pipelines end to end, on evgen data:
# scripts/pipelines/hourly-batch (incoming files into the lake, exactly
# once across runs, failures, kills, locks and rejected lines),
# scripts/pipelines/daily-rollup (a day of the lake into SQLite, re-runs
# and late files), scripts/pipelines/stream-files (files written while it
# runs, kills and restarts), four shards making the lake one process makes,
# kill tests that SIGKILL a random stage of each pipeline, and
# scripts/cron/ (the crontab and the CI step).
#
# Writers run in the tests, which poll for the state they wait for
# (pl_wait) instead of sleeping.  The kill tests print their seed; set
# PL_SEED to run them again with it.

setup() {
	load test_helper/common
	ev_setup
	load test_helper/pipelines
	pl_setup
}

teardown() {
	pl_teardown
}

# hb ARGS...: hourly-batch from in/ into lake/ with state/.
hb() {
	run_to_files "$PIPES/hourly-batch" -i in -l lake -s state -m "$MODEL" "$@"
}

# Six files of about 500 events each, h00.jsonl .. h05.jsonl, spread over
# six hours of 2015-08-18, and all.jsonl, all of them.
six_hours() {
	pl_gen all.jsonl -n 3000 -s 7 -S 2015-08-18T00:00:00Z --span 6h
	split -d -n l/6 --additional-suffix=.jsonl all.jsonl h
}

# ---- hourly-batch ----------------------------------------------------

@test "hourly-batch: events of several hours, dropped in over several runs, reach the lake exactly once" {
	six_hours
	mkdir in
	cp h00.jsonl h01.jsonl in/
	hb -H 20150818T02
	[ "$status" -eq 0 ] || fail "run 1: exit $status: $(cat err)"
	[ ! -s err ]
	[ ! -s out ]
	# A file that grows between runs, and a new one.
	head -n 100 h02.jsonl >in/h02.jsonl
	cp h03.jsonl in/
	hb -H 20150818T03
	[ "$status" -eq 0 ] || fail "run 2: exit $status: $(cat err)"
	tail -n +101 h02.jsonl >>in/h02.jsonl
	hb -H 20150818T04
	[ "$status" -eq 0 ] || fail "run 3: exit $status: $(cat err)"
	# Nothing new: nothing changes in the lake.
	pl_lake_dump lake before
	hb -H 20150818T05
	[ "$status" -eq 0 ] || fail "run 4: exit $status: $(cat err)"
	pl_lake_dump lake after
	assert_files_equal after before
	cp h04.jsonl h05.jsonl in/
	hb -H 20150818T06
	[ "$status" -eq 0 ] || fail "run 5: exit $status: $(cat err)"
	[ ! -s err ]

	evcat lake | sort >got
	evscore -m "$MODEL" all.jsonl | sort >want
	assert_files_equal got want
	[ "$(wc -l <got)" -eq 3000 ]
	# Five runs completed, each with its own run id; the four that read
	# something wrote files named by it.
	[ "$(cat state/runs.count)" = 5 ]
	[ ! -e state/run.pending ]
	[ ! -e state/incoming.ckpt.next ]
	run -0 ls state/committed
	[ "${#lines[@]}" -eq 5 ]
	assert_line --index 0 20150818T02-00000000.jsonl
	find lake -name 'part-*' | sed 's|.*/part-||; s|-[0-9]*\.jsonl\.gz$||' | sort -u >ids
	ls state/committed | sed 's/\.jsonl$//' | grep -v '^20150818T05-' >want-ids
	assert_files_equal ids want-ids
}

@test "hourly-batch: a run that fails half way, retried in a later hour, leaves the lake of a clean run" {
	six_hours
	mkdir in
	cp h00.jsonl h01.jsonl in/
	# The clean run: the same incoming files, its own lake and state.
	"$PIPES/hourly-batch" -i in -l clean -s clean-state -m "$MODEL" -H 20150818T10

	# evscore fails after passing on 300 events: evpartition files them.
	pl_fault_bin fault evscore
	PATH="$T/fault:$PATH" PL_FAULT_LINES=300 PL_FAULT_STATUS=3 hb -H 20150818T10
	[ "$status" -eq 3 ]
	echo "hourly-batch: run 20150818T10-00000000 failed (evcat 0, evscore 3, evpartition 0); the checkpoint stays" >want-err
	assert_files_equal err want-err
	[ "$(evcat lake | wc -l)" -eq 300 ]
	[ ! -e state/incoming.ckpt ]
	[ ! -e state/incoming.ckpt.next ]
	[ ! -e state/runs.count ]
	[ "$(cat state/run.pending)" = 20150818T10-00000000 ]

	# Retried by the next hour's run: the same run id replaces the files.
	hb -H 20150818T11
	[ "$status" -eq 0 ] || fail "retry: exit $status: $(cat err)"
	pl_lake_dump lake got
	pl_lake_dump clean want
	assert_files_equal got want
	[ ! -e state/run.pending ]

	# And the runs after it go on like the clean run's.
	cp h02.jsonl in/
	"$PIPES/hourly-batch" -i in -l clean -s clean-state -m "$MODEL" -H 20150818T12
	hb -H 20150818T12
	[ "$status" -eq 0 ]
	pl_lake_dump lake got
	pl_lake_dump clean want
	assert_files_equal got want
	ls state/committed >got-runs
	ls clean-state/committed >want-runs
	assert_files_equal got-runs want-runs
	evcat lake | sort >got
	evscore -m "$MODEL" h00.jsonl h01.jsonl h02.jsonl | sort >want
	assert_files_equal got want
}

@test "hourly-batch: a run SIGKILLed half way (every process) and run again leaves the lake of a clean run" {
	six_hours
	mkdir in
	cp h00.jsonl h01.jsonl h02.jsonl in/
	"$PIPES/hourly-batch" -i in -l clean -s clean-state -m "$MODEL" -H 20150818T10

	# evscore hangs after 700 events, which evpartition holds: kill all.
	pl_fault_bin fault evscore
	PATH="$T/fault:$PATH" PL_FAULT_LINES=700 PL_FAULT_STALL="$T/stalled" \
		pl_setsid "$PIPES/hourly-batch" -i in -l lake -s state -m "$MODEL" -H 20150818T10
	pl_wait test -e stalled
	[ -n "$(pl_child "$bg_pid" evpartition)" ]
	kill -9 -- "-$bg_pid"
	pl_wait pl_group_gone "$bg_pid"
	pl_wait_bg
	[ "$bg_status" -eq 137 ]
	[ ! -e state/incoming.ckpt ]

	hb -H 20150818T11
	[ "$status" -eq 0 ] || fail "re-run: exit $status: $(cat err)"
	[ ! -s err ]
	pl_lake_dump lake got
	pl_lake_dump clean want
	assert_files_equal got want
	grep -qx '# temporary files: 0' got
}

# What a run of hourly-batch changes in state/ when it completes or fails
# (the hung run of the test changes incoming.ckpt.next and rejects/ as it
# goes).
state_sums() {
	ls state/committed
	md5sum state/incoming.ckpt state/runs.count state/run.pending
}

@test "hourly-batch: a second run while one holds the lock exits 75 and changes nothing" {
	six_hours
	mkdir in
	cp h00.jsonl in/
	hb -H 20150818T01
	[ "$status" -eq 0 ]
	cp h01.jsonl h02.jsonl in/
	# A run that hangs half way holds the lock.
	pl_fault_bin fault evscore
	PATH="$T/fault:$PATH" PL_FAULT_LINES=10 PL_FAULT_STALL="$T/stalled" \
		pl_setsid "$PIPES/hourly-batch" -i in -l lake -s state -m "$MODEL" -H 20150818T02
	pl_wait test -e stalled
	pl_lake_dump lake lake-before
	state_sums >state-before

	hb -H 20150818T02
	[ "$status" -eq 75 ]
	echo "hourly-batch: another run holds state/hourly-batch.lock" >want-err
	assert_files_equal err want-err
	[ ! -s out ]
	pl_lake_dump lake lake-after
	assert_files_equal lake-after lake-before
	state_sums >state-after
	assert_files_equal state-after state-before

	# Once the hung run is gone, the next run files everything once.
	kill -9 -- "-$bg_pid"
	pl_wait pl_group_gone "$bg_pid"
	hb -H 20150818T03
	[ "$status" -eq 0 ] || fail "exit $status: $(cat err)"
	evcat lake | sort >got
	evscore -m "$MODEL" h00.jsonl h01.jsonl h02.jsonl | sort >want
	assert_files_equal got want
}

@test "hourly-batch: bad lines make the run exit 1, are kept in STATE/rejects, and the good lines reach the lake" {
	pl_gen good.jsonl -n 600 -s 8 -S 2015-08-18T00:00:00Z --span 2h
	cat >bad.jsonl <<'EOF'
{"id":"bad-1","type":"page.viewed","time":
[1,2,3]
{"id":"bad-3","type":"page.viewed","source":"/test","data":{}}
{"id":"bad-4","type":"page.viewed","time":"2015-13-45T99:00:00Z"}
EOF
	mkdir in
	{
		sed -n 1,200p good.jsonl
		sed -n 1,2p bad.jsonl
		sed -n 201,400p good.jsonl
		sed -n 3,4p bad.jsonl
		sed -n 401,600p good.jsonl
	} >in/mixed.jsonl
	hb -H 20150818T02
	[ "$status" -eq 1 ]
	cat >want-err <<'EOF'
evcat: in/mixed.jsonl:201: invalid JSON at column 43: unexpected end of line, expected a value
evcat: in/mixed.jsonl:202: not an object (array)
evcat: 2 lines rejected, within --max-errors 1000000
evpartition: <stdin>:401: missing time field 'time'
evpartition: <stdin>:402: invalid time "2015-13-45T99:00:00Z" in field 'time': invalid month
evpartition: 2 lines rejected, within --max-errors 1000000
hourly-batch: 2 rejected lines in state/rejects/20150818T02-00000000-evcat.jsonl
hourly-batch: 2 rejected lines in state/rejects/20150818T02-00000000-evpartition.jsonl
EOF
	# The stages write to stderr side by side: compare tool by tool.
	for tool in evcat evpartition hourly-batch; do grep "^$tool: " err; done >got-err
	assert_files_equal got-err want-err
	[ "$(wc -l <err)" -eq 8 ]
	cat state/rejects/*.jsonl | jq -r .raw | sort >got-rejects
	sort bad.jsonl >want-rejects
	assert_files_equal got-rejects want-rejects
	evcat lake | sort >got
	evscore -m "$MODEL" good.jsonl | sort >want
	assert_files_equal got want

	# The checkpoint went past them: the next run has nothing to do.
	hb -H 20150818T03
	[ "$status" -eq 0 ]
	[ ! -s err ]
}

# ---- daily-rollup ----------------------------------------------------

# The rows daily-rollup should have loaded for day $1 from the scored
# events in the files "$@" (after $1), worked out by jq: hourly_events
# (amounts to the cent) to hourly.want, email_verdicts to email.want, in
# the form of the rows helper.
want_rollup() {
	local day=$1
	shift
	evscore -m "$MODEL" "$@" | jq -c --arg d "$day" 'select(.time[0:10] == $d)' >day.jsonl
	jq -rs 'group_by([.time[0:13], .type])[]
		| (.[0].time[0:13] + ":00:00Z" | fromdate) as $s
		| [($s | todate | sub("Z$"; ".000000Z")),
		   ($s + 3600 | todate | sub("Z$"; ".000000Z")),
		   .[0].type, length,
		   (if .[0].type == "payment.sent" then (map(.data.amount) | add) else "null" end)]
		| @tsv' day.jsonl |
		awk -F '\t' -v OFS='\t' '$5 != "null" { $5 = sprintf("%.2f", $5) } 1' >hourly.want
	jq -r 'select(.type == "email.received")
		| [.id, (.time | sub("Z$"; "000Z")), .data.enterprise,
		   .data.from_domain, .data.sender_ip, .score.verdict, .score.value]
		| @tsv' day.jsonl |
		awk -F '\t' -v OFS='\t' '{ $7 = sprintf("%.9f", $7) } 1' | sort >email.want
}

# rows DB DAY: the rows of both tables for DAY, as want_rollup writes them,
# to hourly.got and email.got.
rows() {
	sqlite3 -separator $'\t' "$1" "SELECT window_start, window_end, type, events,
		CASE WHEN amount IS NULL THEN 'null' ELSE printf('%.2f', amount) END
		FROM hourly_events
		WHERE window_start LIKE '$2%' ORDER BY window_start, type" >hourly.got
	sqlite3 -separator $'\t' "$1" "SELECT id, time, enterprise, from_domain,
		sender_ip, verdict, printf('%.9f', score) FROM email_verdicts
		WHERE time LIKE '$2%'" | sort >email.got
}

assert_rollup() {
	rows "$1" "$2"
	assert_files_equal hourly.got hourly.want
	assert_files_equal email.got email.want
}

# Two days in the lake: 2015-08-18 from 20:00 and 2015-08-19 to 04:00.
two_days() {
	pl_gen all.jsonl -n 2000 -s 9 -S 2015-08-18T20:00:00Z --span 8h
	mkdir in
	cp all.jsonl in/
	"$PIPES/hourly-batch" -i in -l lake -s state -m "$MODEL" -H 20150819T05
}

@test "daily-rollup: a day of the lake into SQLite; the same day again gives the identical database; a late file is in it exactly" {
	two_days
	run_to_files "$PIPES/daily-rollup" -l lake -d wh.db -D 2015-08-18
	[ "$status" -eq 0 ] || fail "exit $status: $(cat err)"
	[ ! -s err ]
	[ ! -s out ]
	want_rollup 2015-08-18 all.jsonl
	[ "$(wc -l <hourly.want)" -eq 20 ]
	[ "$(wc -l <email.want)" -gt 50 ]
	assert_rollup wh.db 2015-08-18
	run_to_files "$PIPES/daily-rollup" -l lake -d wh.db -D 2015-08-19
	[ "$status" -eq 0 ]
	want_rollup 2015-08-19 all.jsonl
	assert_rollup wh.db 2015-08-19
	cp hourly.got hourly-19.got
	cp email.got email-19.got

	# Again: the same database (the day's rows are loaded again, so they
	# come after the other day's in the table's physical order: sort).
	sqlite3 wh.db .dump | sort >dump1
	run_to_files "$PIPES/daily-rollup" -l lake -d wh.db -D 2015-08-18
	[ "$status" -eq 0 ]
	[ ! -s err ]
	sqlite3 wh.db .dump | sort >dump2
	assert_files_equal dump2 dump1

	# A late file for the 18th reaches the lake; the day is run again.
	pl_gen late.jsonl -n 300 -s 10 -S 2015-08-18T21:30:00Z --span 1h
	cp late.jsonl in/
	"$PIPES/hourly-batch" -i in -l lake -s state -m "$MODEL" -H 20150819T06
	run_to_files "$PIPES/daily-rollup" -l lake -d wh.db -D 2015-08-18
	[ "$status" -eq 0 ]
	want_rollup 2015-08-18 all.jsonl late.jsonl
	assert_rollup wh.db 2015-08-18
	sqlite3 wh.db .dump | sort >dump3
	run -1 cmp -s dump1 dump3
	# The 19th is untouched.
	rows wh.db 2015-08-19
	assert_files_equal hourly.got hourly-19.got
	assert_files_equal email.got email-19.got
}

@test "daily-rollup: a second run while one holds the lock exits 75 and changes nothing" {
	two_days
	mkdir -p state
	exec {lockfd}>state/daily-rollup.lock
	flock -n "$lockfd"
	run_to_files "$PIPES/daily-rollup" -l lake -d wh.db -D 2015-08-18 -s state
	exec {lockfd}>&-
	[ "$status" -eq 75 ]
	echo "daily-rollup: another run holds state/daily-rollup.lock" >want-err
	assert_files_equal err want-err
	[ ! -e wh.db ]
}

# ---- stream-files ----------------------------------------------------

# Three files of about 500 events each, s00.jsonl .. s02.jsonl, 1500 in all.
stream_data() {
	pl_gen all.jsonl -n 1500 -s 12 -S 2015-08-18T00:00:00Z --span 2h
	split -d -n l/3 --additional-suffix=.jsonl all.jsonl s
}

# sf ARGS...: stream-files from in/ into db with state/, in the background.
sf_bg() {
	pl_bg "$PIPES/stream-files" -i in -d db -m "$MODEL" -s state "$@"
}

# Asserts that the events table of db holds each of the N events of the
# files "$@" (after N) exactly once, as one load of them would.
assert_stream_table() {
	local n=$1
	shift
	run -0 sqlite3 db 'SELECT count(*), count(distinct id) FROM events'
	assert_output "$n|$n"
	pl_table db got
	pl_reference_table want "$@"
	assert_files_equal got want
}

@test "stream-files: files written while it runs, some in pieces, all arrive exactly once" {
	stream_data
	mkdir in
	cp s00.jsonl in/a.jsonl
	sf_bg -e 3s -x 2s -b 100
	pl_wait pl_has_rows db "$(pl_lines s00.jsonl)"
	# Another run meanwhile is locked out.
	run_to_files "$PIPES/stream-files" -i in -d db -m "$MODEL" -s state -e 3s -x 300ms
	[ "$status" -eq 75 ]
	echo "stream-files: another run holds state/stream-files.lock" >want-err
	assert_files_equal err want-err
	# b.jsonl is written in pieces of 23456 bytes, most ending inside a line.
	size=$(stat -c %s s01.jsonl)
	for ((off = 0; off < size; off += 23456)); do
		pl_append s01.jsonl "$off" 23456 in/b.jsonl
		pl_wait pl_has_rows db "$(pl_lines in/a.jsonl in/b.jsonl)"
	done
	# c.jsonl appears whole (written aside, then renamed in).
	cp s02.jsonl in/.c.tmp
	mv in/.c.tmp in/c.jsonl
	pl_wait_bg
	[ "$bg_status" -eq 0 ] || fail "exit $bg_status: $(cat bg.err)"
	[ ! -s bg.err ]
	assert_stream_table 1500 s00.jsonl s01.jsonl s02.jsonl
	[ -f state/stream.ckpt ]
	[ ! -e state/stream.ckpt.next ]
	[ -z "$(find state -name '.stream*')" ]
}

@test "stream-files: SIGKILL of the whole process group mid-stream, then a restart: the table of a clean run" {
	stream_data
	# The clean run.
	mkdir clean-in
	cp s00.jsonl s01.jsonl clean-in/
	run_to_files "$PIPES/stream-files" -i clean-in -d clean.db -m "$MODEL" -s clean-state -e 3s -x 300ms -b 50
	[ "$status" -eq 0 ] || fail "clean run: exit $status: $(cat err)"
	pl_table clean.db clean-table

	mkdir in
	cp s00.jsonl in/
	pl_setsid "$PIPES/stream-files" -i in -d db -m "$MODEL" -s state -e 3s -x 2s -b 50
	pl_wait pl_has_rows db "$(pl_lines s00.jsonl)"
	pl_append s01.jsonl 0 40000 in/s01.jsonl
	pl_wait pl_has_rows db "$(pl_lines in/*)"
	pl_append s01.jsonl 40000 20000 in/s01.jsonl
	kill -9 -- "-$bg_pid"
	pl_wait pl_group_gone "$bg_pid"
	pl_wait_bg
	[ "$bg_status" -eq 137 ]
	pl_append s01.jsonl 60000 1000000 in/s01.jsonl
	run_to_files "$PIPES/stream-files" -i in -d db -m "$MODEL" -s state -e 3s -x 300ms -b 50
	[ "$status" -eq 0 ] || fail "restart: exit $status: $(cat err)"
	[ ! -s err ]
	n=$(pl_lines s00.jsonl s01.jsonl)
	run -0 sqlite3 db 'SELECT count(*), count(distinct id) FROM events'
	assert_output "$n|$n"
	pl_table db got
	assert_files_equal got clean-table
}

@test "stream-files: an epoch read again in another order after evload was killed loads, and the restart is not locked out" {
	# Lines appended to a.jsonl after b.jsonl was read come after b in
	# the stream, but before it when the epoch is read again.
	stream_data
	mkdir in
	head -n 200 s00.jsonl >in/a.jsonl
	pl_setsid "$PIPES/stream-files" -i in -d db -m "$MODEL" -s state -e 60s -x 2s -b 50
	pl_wait pl_has_rows db 200
	cp s01.jsonl in/b.jsonl
	pl_wait pl_has_rows db "$(pl_lines in/*)"
	tail -n +201 s00.jsonl >>in/a.jsonl
	n=$(pl_lines s00.jsonl s01.jsonl)
	pl_wait pl_has_rows db "$n"
	kill -9 "$(pl_stage "$bg_pid" evload)"
	# Stopped without waiting for -x: the epoch ends with evcat's SIGTERM
	# (143), unless evcat has just ended at -x (0).
	kill -TERM "$bg_pid"
	pl_wait_bg
	[ "$bg_status" -eq 3 ]
	run -0 grep -cE '^stream-files: epoch .* failed \(evcat (143|0), evscore 0, evload 137\); it will be read again$' bg.err
	# At once: the epoch's timer (60s) holds no lock.
	run_to_files "$PIPES/stream-files" -i in -d db -m "$MODEL" -s state -e 60s -x 300ms -b 50
	[ "$status" -eq 0 ] || fail "restart: exit $status: $(cat err)"
	[ ! -s err ]
	assert_stream_table "$n" s00.jsonl s01.jsonl
	# The epoch that was read again replaced the checkpoint.
	cp state/stream.ckpt ckpt-before
	run_to_files "$PIPES/stream-files" -i in -d db -m "$MODEL" -s state -e 60s -x 300ms -b 50
	[ "$status" -eq 0 ]
	assert_files_equal state/stream.ckpt ckpt-before
}

@test "stream-files: SIGTERM ends the run cleanly: exit 0, everything loaded, the checkpoint saved" {
	stream_data
	mkdir in
	cp s00.jsonl in/a.jsonl
	sf_bg -e 60s -b 100
	pl_wait pl_has_rows db "$(pl_lines s00.jsonl)"
	kill -TERM "$bg_pid"
	pl_wait_bg
	[ "$bg_status" -eq 0 ] || fail "exit $bg_status: $(cat bg.err)"
	[ ! -s bg.err ]
	run -0 jq -r '.files[] | "\(.path) \(.offset)"' state/stream.ckpt
	assert_output "in/a.jsonl $(stat -c %s s00.jsonl)"
	assert_stream_table "$(pl_lines s00.jsonl)" s00.jsonl
	[ -z "$(find state -name '.stream*')" ]
}

# True when evcat's checkpoint of the epoch has file $1 read to its end.
ckpt_at_end() {
	[ "$(jq -r --arg f "$1" '.files[] | select(.path == $f) | .offset' \
		state/stream.ckpt.next 2>/dev/null)" = "$(stat -c %s "$1")" ]
}

@test "stream-files: evscore killed with lines evcat has passed on: the epoch fails, and is read again" {
	stream_data
	mkdir in
	cp s00.jsonl in/a.jsonl
	pl_setsid "$PIPES/stream-files" -i in -d db -m "$MODEL" -s state -e 60s -x 2s -b 50
	pl_wait pl_has_rows db "$(pl_lines s00.jsonl)"
	# evscore stops; evcat passes 200 more lines into the pipe to it, and
	# its checkpoint of the epoch goes past them.
	evscore=$(pl_stage "$bg_pid" evscore)
	kill -STOP "$evscore"
	head -n 200 s01.jsonl >>in/a.jsonl
	pl_wait ckpt_at_end in/a.jsonl
	kill -9 "$evscore"
	# Stopped without waiting for -x: the epoch ends with evcat's SIGTERM
	# (143: a clean end for evcat, not for the epoch), unless evcat has
	# just ended at -x (0).
	kill -TERM "$bg_pid"
	pl_wait_bg
	[ "$bg_status" -eq 3 ]
	run -0 grep -cE '^stream-files: epoch .* failed \(evcat (143|0), evscore 137, evload 0\); it will be read again$' bg.err
	[ "$(pl_rows db)" -eq "$(pl_lines s00.jsonl)" ]
	run_to_files "$PIPES/stream-files" -i in -d db -m "$MODEL" -s state -e 60s -x 300ms -b 50
	[ "$status" -eq 0 ] || fail "restart: exit $status: $(cat err)"
	head -n 200 s01.jsonl >b200.jsonl
	assert_stream_table "$(pl_lines in/a.jsonl)" s00.jsonl b200.jsonl
}

@test "stream-files: -e and -x take durations, -x shorter than -e" {
	mkdir in
	run_to_files "$PIPES/stream-files" -i in -d db -m "$MODEL" -s state -e 5x
	[ "$status" -eq 2 ]
	cat >want-err <<'EOF'
stream-files: -e: invalid duration '5x'
usage: stream-files -i incoming -d db -m model -s state [-e epoch] [-b rows] [-t table] [-x idle]
EOF
	assert_files_equal err want-err
	run_to_files "$PIPES/stream-files" -i in -d db -m "$MODEL" -s state -e 1m -x 1m
	[ "$status" -eq 2 ]
	cat >want-err <<'EOF'
stream-files: -x 1m: must be shorter than the epoch (1m)
usage: stream-files -i incoming -d db -m model -s state [-e epoch] [-b rows] [-t table] [-x idle]
EOF
	assert_files_equal err want-err
	run_to_files "$PIPES/stream-files" -i in -d db -m "$MODEL" -s state -e 1m -x 1.5m
	[ "$status" -eq 2 ]
	[ ! -e state ]
	[ ! -e db ]
	# Units together, and fractions.
	run_to_files "$PIPES/stream-files" -i in -d db -m "$MODEL" -s state -e 1.5s -x 1500ms
	[ "$status" -eq 2 ]
	pl_gen in/a.jsonl -n 20 -s 3
	run_to_files "$PIPES/stream-files" -i in -d db -m "$MODEL" -s state -e 1m30s -x 300ms
	[ "$status" -eq 0 ] || fail "exit $status: $(cat err)"
}

# ---- shards ----------------------------------------------------------

@test "four shards of evcat | evscore | evpartition make the lake that one process makes" {
	pl_gen all.jsonl -n 4000 -s 13 -S 2015-08-18T00:00:00Z --span 5h
	for i in 0 1 2 3; do
		bash -c 'set -o pipefail
			evcat --shard "$1/4" all.jsonl | evscore -m "$2" |
				evpartition -o sharded --run-id "shard-$1" >"committed-$1.jsonl"' \
			shard "$i" "$MODEL" 2>"err-$i" 3>&- &
		pids+=($!)
	done
	for i in 0 1 2 3; do
		wait "${pids[i]}" || fail "shard $i failed: $(cat "err-$i")"
		[ ! -s "err-$i" ]
	done
	evcat all.jsonl | evscore -m "$MODEL" | evpartition -o single --run-id single >committed.jsonl
	pl_lake_content sharded got
	pl_lake_content single want
	assert_files_equal got want
	# Every shard had its share, and the lines are the scored input.
	for i in 0 1 2 3; do
		n=$(jq -s 'map(.events) | add' "committed-$i.jsonl")
		[ "$n" -gt 800 ]
		[ "$n" -lt 1200 ]
	done
	evcat sharded | sort >got-lines
	evscore -m "$MODEL" all.jsonl | sort >want-lines
	assert_files_equal got-lines want-lines
	# The file names are the shards' run ids.
	find sharded -name 'part-*' | sed 's|.*/part-||; s|-[0-9]*\.jsonl\.gz$||' | sort -u >ids
	printf 'shard-%d\n' 0 1 2 3 >want-ids
	assert_files_equal ids want-ids
}

# ---- kill tests ------------------------------------------------------
#
# Each iteration starts the pipeline, SIGKILLs a randomly chosen stage once
# it has read a random number of bytes (pl_kill_after: so the kill comes
# half way through its input, however fast or slow the machine is; it may
# still come too late, when the stage has ended), runs the pipeline again
# to completion, and compares the result with a clean run's.  Iterations
# go on until three kills hit, at most ten.

# Seeds bash's RANDOM from PL_SEED or a fresh seed, and says which.
kill_seed() {
	seed=${PL_SEED:-$RANDOM}
	RANDOM=$seed
	echo "# seed $seed (PL_SEED=$seed to repeat)" >&3
}

# kill_round STAGE BYTES COMMAND...: runs the pipeline COMMAND in the
# background and SIGKILLs its STAGE once that has read BYTES; sets $what for
# messages and counts $hits.  A killed stage must make the pipeline exit 3,
# one that finished first must leave it exit 0.  True when the kill hit.
kill_round() {
	local stage=$1 bytes=$2 killed
	shift 2
	pl_bg "$@"
	killed=$(pl_kill_after "$bg_pid" "$stage" "$bytes")
	pl_wait_bg
	what="seed $seed, iteration $it: $stage at $bytes bytes: $killed"
	echo "# $what" >&3
	if [[ $killed == hit* ]]; then
		hits=$((hits + 1))
		[ "$bg_status" -eq 3 ] || fail "$what: exit $bg_status: $(cat bg.err)"
		return 0
	fi
	[ "$bg_status" -eq 0 ] || fail "$what: exit $bg_status: $(cat bg.err)"
	return 1
}

# A random number from 0 to $1 * 0.9, for up to 2^30.
random_below() {
	echo $(((RANDOM * 32768 + RANDOM) % ($1 * 9 / 10 + 1)))
}

@test "kill test: hourly-batch, a random stage SIGKILLed, then run again: the lake of a clean run" {
	kill_seed
	six_hours
	mkdir in
	cp h00.jsonl h01.jsonl h02.jsonl h03.jsonl in/
	"$PIPES/hourly-batch" -i in -l clean -s clean-state -m "$MODEL" -H 20150818T10
	pl_lake_dump clean want
	size=$(cat in/* | wc -c)
	stages=(evcat evscore evpartition)
	hits=0 it=0
	while [ "$hits" -lt 3 ] && [ "$it" -lt 10 ]; do
		it=$((it + 1))
		rm -rf lake state
		stage=${stages[RANDOM % 3]} bytes=$(random_below "$size")
		if kill_round "$stage" "$bytes" \
			"$PIPES/hourly-batch" -i in -l lake -s state -m "$MODEL" -H 20150818T10; then
			[ ! -e state/incoming.ckpt ] || fail "$what: the checkpoint moved"
		fi
		hb -H 20150818T11
		[ "$status" -eq 0 ] || fail "$what: the run after it: exit $status: $(cat err)"
		pl_lake_dump lake got
		cmp -s got want || {
			diff -u want got | head -20
			fail "$what: the lake differs from the clean run's"
		}
	done
	[ "$hits" -ge 1 ] || fail "seed $seed: no kill hit a running stage"
}

# Every row of both tables of DB $1.
all_rows() {
	sqlite3 "$1" 'SELECT * FROM hourly_events ORDER BY 1, 3;
		SELECT * FROM email_verdicts ORDER BY id'
}

@test "kill test: daily-rollup, a random stage SIGKILLed, then run again: the tables of a clean run" {
	kill_seed
	two_days
	pl_gen late.jsonl -n 2000 -s 10 -S 2015-08-18T20:30:00Z --span 3h
	cp late.jsonl in/
	"$PIPES/hourly-batch" -i in -l lake -s state -m "$MODEL" -H 20150819T06
	"$PIPES/daily-rollup" -l lake -d clean.db -D 2015-08-18
	all_rows clean.db >want
	[ "$(wc -l <want)" -gt 300 ]
	# What each stage reads, about: the day's gzip files; its events; the
	# rows of the roll-up, then the day's mail (the second evload).
	day_gz=$(cat lake/*/2015-08-18/*/part-* | wc -c)
	day=$(evcat --since 2015-08-18T00:00:00Z --until 2015-08-19T00:00:00Z lake | wc -c)
	mail=$(evcat -t email.received --since 2015-08-18T00:00:00Z --until 2015-08-19T00:00:00Z lake | wc -c)
	stages=(evcat evwindow evload)
	sizes=("$day_gz" "$day" "$mail")
	hits=0 it=0
	while [ "$hits" -lt 3 ] && [ "$it" -lt 10 ]; do
		it=$((it + 1))
		i=$((RANDOM % 3))
		stage=${stages[i]} bytes=$(random_below "${sizes[i]}")
		# Odd iterations start from an empty database, even ones from
		# the last one's.
		[ $((it % 2)) -eq 0 ] || rm -f wh.db*
		kill_round "$stage" "$bytes" "$PIPES/daily-rollup" -l lake -d wh.db -D 2015-08-18 || true
		run_to_files "$PIPES/daily-rollup" -l lake -d wh.db -D 2015-08-18
		[ "$status" -eq 0 ] || fail "$what: the run after it: exit $status: $(cat err)"
		all_rows wh.db >got
		cmp -s got want || {
			diff -u want got | head -20
			fail "$what: the tables differ from the clean run's"
		}
	done
	[ "$hits" -ge 1 ] || fail "seed $seed: no kill hit a running stage"
}

@test "kill test: stream-files, a random stage or every process SIGKILLed mid-stream, then restarted: every event once" {
	kill_seed
	stream_data
	pl_reference_table want s00.jsonl s01.jsonl
	n=$(pl_lines s00.jsonl s01.jsonl)
	targets=(evcat evscore evload group)
	size=$(stat -c %s s01.jsonl)
	for it in 1 2 3; do
		rm -rf in state db*
		mkdir in
		cp s00.jsonl in/a.jsonl
		target=${targets[RANDOM % 4]} at=$((RANDOM % 4)) delay=$((RANDOM % 150))
		what="seed $seed, iteration $it: $target killed ${delay}ms after piece $at"
		echo "# $what" >&3
		# A long epoch: a stage killed while evcat ends an epoch could
		# end by the epoch's SIGTERM instead.
		pl_setsid "$PIPES/stream-files" -i in -d db -m "$MODEL" -s state -e 60s -x 2s -b 50
		pl_wait pl_has_rows db 100
		# b.jsonl in four pieces; the kill comes after piece $at.
		for ((k = 0; k < at; k++)); do
			pl_append s01.jsonl $((k * 30000)) 30000 in/b.jsonl
			pl_wait pl_has_rows db "$(pl_lines in/*)"
		done
		pl_append s01.jsonl $((at * 30000)) 30000 in/b.jsonl
		sleep "$(printf '0.%03d' "$delay")"
		if [ "$target" = group ]; then
			kill -9 -- "-$bg_pid"
		else
			kill -9 "$(pl_stage "$bg_pid" "$target")" || fail "$what: no $target"
		fi
		pl_wait pl_group_gone "$bg_pid"
		pl_wait_bg
		if [ "$target" = group ]; then
			[ "$bg_status" -eq 137 ] || fail "$what: exit $bg_status: $(cat bg.err)"
		else
			[ "$bg_status" -eq 3 ] || fail "$what: exit $bg_status: $(cat bg.err)"
		fi
		pl_append s01.jsonl $(((at + 1) * 30000)) "$size" in/b.jsonl
		run_to_files "$PIPES/stream-files" -i in -d db -m "$MODEL" -s state -e 3s -x 300ms -b 50
		[ "$status" -eq 0 ] || fail "$what: restart: exit $status: $(cat err)"
		run -0 sqlite3 db 'SELECT count(*), count(distinct id) FROM events'
		[ "$output" = "$n|$n" ] || fail "$what: count, distinct ids: $output"
		pl_table db got
		cmp -s got want || fail "$what: the table differs from a clean load's"
	done
}

# ---- scripts/cron ----------------------------------------------------

# ci ARGS...: scripts/cron/ci-step.sh.
ci() {
	run_to_files "$EV_ROOT/scripts/cron/ci-step.sh" "$@"
}

@test "ci-step.sh: clean input passes (0); the lake holds the scored events" {
	pl_gen in.jsonl -n 500 -s 14 -S 2015-08-18T00:00:00Z --span 2h
	BUILD_TAG='jenkins-events/nightly-42' ci -i in.jsonl -o lake
	[ "$status" -eq 0 ]
	echo "ci-step: OK: 10 files written to lake (run jenkins-events_nightly-42)" >want-err
	assert_files_equal err want-err
	[ ! -s out ]
	evcat lake | sort >got
	evscore -m "$MODEL" in.jsonl | sort >want
	assert_files_equal got want
	[ "$(wc -l <ci-artifacts/committed.jsonl)" -eq 10 ]
	# The same build again replaces its files.
	pl_lake_dump lake before
	BUILD_TAG='jenkins-events/nightly-42' ci -i in.jsonl -o lake
	[ "$status" -eq 0 ]
	pl_lake_dump lake after
	assert_files_equal after before
}

@test "ci-step.sh: a bad line fails the build with 1, naming the tool and its rejects" {
	pl_gen in.jsonl -n 500 -s 14 -S 2015-08-18T00:00:00Z --span 2h
	sed -i '100a {"broken":' in.jsonl
	ci -i in.jsonl -o lake -n b1
	[ "$status" -eq 1 ]
	cat >want-err <<'EOF'
evcat: in.jsonl:101: invalid JSON at column 11: unexpected end of line, expected a value
evcat: 1 line rejected, more than --max-errors 0
ci-step: evcat: input rejected (exit 1): 1 line in ci-artifacts/evcat.rejects.jsonl
ci-step: FAILED: input rejected
EOF
	assert_files_equal err want-err
	run -0 jq -r .raw ci-artifacts/evcat.rejects.jsonl
	assert_output '{"broken":'
	# The good lines still went through.
	[ "$(evcat lake | wc -l)" -eq 500 ]
}

@test "ci-step.sh: an unwritable lake fails the build with 3, a bad model with 2" {
	pl_gen in.jsonl -n 50 -s 14
	: >notadir
	ci -i in.jsonl -o notadir/lake
	[ "$status" -eq 3 ]
	cat >want-err <<'EOF'
evpartition: notadir/lake: Not a directory
ci-step: evpartition: system failure (exit 3)
ci-step: FAILED: system failure
EOF
	assert_files_equal err want-err
	ci -i in.jsonl -o lake -m nosuch.yaml
	[ "$status" -eq 2 ]
	cat >want-err <<'EOF'
evscore: nosuch.yaml: No such file or directory
ci-step: evscore: usage or configuration error (exit 2)
ci-step: FAILED: usage or configuration error
EOF
	assert_files_equal err want-err
	ci -o lake
	[ "$status" -eq 2 ]
	echo "usage: ci-step.sh -i input -o lake [-m model] [-a artifacts] [-n run-id]" >want-err
	assert_files_equal err want-err
}

@test "ci-step.sh: another build writing the lake with the same run id: skipped with 75" {
	pl_gen in.jsonl -n 200 -s 14
	pl_fault_bin fault evscore
	PATH="$T/fault:$PATH" PL_FAULT_LINES=10 PL_FAULT_STALL="$T/stalled" \
		pl_setsid "$EV_ROOT/scripts/cron/ci-step.sh" -i in.jsonl -o lake -n b7 -a art1
	pl_wait test -e stalled
	ci -i in.jsonl -o lake -n b7 -a art2
	[ "$status" -eq 75 ]
	cat >want-err <<'EOF'
evpartition: lake: run id 'b7' is being written by another evpartition
ci-step: evpartition: another run holds the lock (exit 75)
ci-step: SKIPPED: another run with id b7 is writing lake
EOF
	assert_files_equal err want-err
}

# The job lines of the crontab (comments and variables left out).
cron_jobs() {
	grep -Ev '^[[:space:]]*(#|$)|^[A-Z_]+=' "$EV_ROOT/scripts/cron/crontab"
}

@test "crontab: every job runs an executable pipeline of the repository at a fixed time" {
	run -0 cron_jobs
	[ "${#lines[@]}" -eq 2 ]
	for job in "${lines[@]}"; do
		read -r min hour dom mon dow cmd <<<"$job"
		[[ $min =~ ^[0-9]+$ ]] && [ "$min" -lt 60 ] || fail "minute: $job"
		[[ $hour == '*' || ($hour =~ ^[0-9]+$ && $hour -lt 24) ]] || fail "hour: $job"
		[ "$dom $mon $dow" = '* * *' ] || fail "days: $job"
		[[ $cmd != *%* ]] || fail "a % (a newline to cron): $job"
		script=$(grep -o '"$EVTOOLS"/[^ ]*' <<<"$cmd")
		script=${script#'"$EVTOOLS"/'}
		[ -f "$EV_ROOT/$script" ] && [ -x "$EV_ROOT/$script" ] || fail "$script: not an executable file"
		echo "$hour $script" >>scripts
	done
	cat >want <<'EOF'
* scripts/pipelines/hourly-batch
0 scripts/pipelines/daily-rollup
EOF
	assert_files_equal scripts want
	run -0 grep -E '^(SHELL|MAILTO|CRON_TZ|PATH|EVTOOLS|EVDATA)=' "$EV_ROOT/scripts/cron/crontab"
	[ "${#lines[@]}" -eq 6 ]
	assert_line SHELL=/bin/bash
	assert_line CRON_TZ=UTC
}

@test "crontab: a job prints nothing when it succeeds or another run holds the lock, and its output and status when it fails" {
	run -0 cron_jobs
	read -r _ _ _ _ _ hourly <<<"${lines[0]}"
	read -r _ _ _ _ _ daily <<<"${lines[1]}"
	# Run by bash as cron would, with the data under $T.
	job() {
		EVTOOLS="$EV_ROOT" EVDATA="$T/data" bash -c "$1" >job.out 2>&1
	}
	mkdir -p data/incoming
	cp "$MODEL" data/model.yaml
	cp -r "$EV_ROOT/scripts/examples/lists" data/
	pl_gen data/incoming/a.jsonl -n 300 -s 15
	job "$hourly"
	[ ! -s job.out ]
	[ "$(evcat data/lake | wc -l)" -eq 300 ]
	job "$daily"
	[ ! -s job.out ]
	[ -f data/warehouse.db ]
	# Another run holds the lock: skipped, quietly.
	echo '{"id":"late-1","type":"page.viewed","time":"2015-08-18T00:00:00Z"}' >data/incoming/b.jsonl
	exec {lockfd}>data/state/hourly-batch.lock
	flock -n "$lockfd"
	job "$hourly"
	exec {lockfd}>&-
	[ ! -s job.out ]
	[ "$(evcat data/lake | wc -l)" -eq 300 ]
	# A bad line: the output, and the status.
	echo '{"id":' >data/incoming/c.jsonl
	job "$hourly"
	[ "$(evcat data/lake | wc -l)" -eq 301 ]
	run -0 tail -n 1 job.out
	assert_output "hourly-batch: exit status 1"
	run -0 grep -c 'rejected lines in' job.out
	assert_output 1
}
