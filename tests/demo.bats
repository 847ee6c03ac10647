#!/usr/bin/env bats
# make demo: scripts/demo, shortened to one day, runs end to end and its
# report agrees with the lake and the warehouse it leaves behind.

setup() {
	load test_helper/common
	ev_setup
}

@test "demo: one day of hourly batches and the roll-up, report matches lake and warehouse" {
	export EV_DEMO_DAYS=1 EV_DEMO_DIR="$T/demo"
	run_to_files "$EV_ROOT/scripts/demo"
	[ "$status" -eq 0 ] || fail "demo exited $status: $(cat "$T/err")"
	# evgen is deterministic: these are the figures of seeds 1-24.
	grep -qxF '   29 of 16640 lines rejected, every one kept with its reason;' "$T/out"
	grep -qxF '   the lake holds the other 16611 (evcat lake | wc -l), nothing lost' "$T/out"
	grep -qxF '   16640 lines, 24 runs of hourly-batch, 2 of daily-rollup in' \
		<(sed 's/ [0-9.]* s$//' "$T/out")
	grep -qE '^   pass +2111$' "$T/out"
	grep -qE '^   label +113$' "$T/out"
	grep -qE '^   quarantine +217$' "$T/out"
	cd "$T/demo"
	# The warehouse holds what the lake holds.
	run sqlite3 warehouse.db 'SELECT sum(events) FROM hourly_events'
	assert_output "$(evcat lake | wc -l)"
	run sqlite3 warehouse.db 'SELECT count(*), count(DISTINCT id) FROM email_verdicts'
	assert_output "$(evcat -t email.received lake | wc -l)|$(evcat -t email.received lake | wc -l)"
	# Every rejected line is kept with its file, line and reason.
	run bash -c 'cat state/rejects/*.jsonl | jq -r "[.file, .line, .error] | select(all(. != null)) | length" | sort | uniq -c'
	assert_output "     29 3"
	# The checkpoint has reached the end of every incoming file.
	run evcat --checkpoint state/incoming.ckpt incoming
	assert_success
	assert_output ""
}
