#!/usr/bin/env bats
# evwindow: event-time windows.  Small cases are golden files worked out by
# hand (tests/fixtures/evwindow/*.out); random out-of-order streams from
# evgen are checked against tests/helpers/evwindow_ref.py, a separate,
# deliberately naive implementation; batch and streaming, one run and
# several runs with --state must give the same bytes.

setup() {
	load test_helper/common
	ev_setup
	load test_helper/evwindow
}

BASIC_AGGS=(--by type -a count -a sum:v -a avg:v -a min:v -a max:v
	-a first:u -a last:u -a distinct:u -a p50:v)
SESS_AGGS=(--session 30s --by u -a count -a sum:n -a first:n -a last:n)

# --- windows, by hand ----------------------------------------------------

@test "tumbling: every aggregate, a late event dropped, a non-numeric value" {
	run_to_files evwindow --tumbling 1m "${BASIC_AGGS[@]}" <"$W_FIX/basic.jsonl"
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" "$W_FIX/basic-tumbling.out"
	assert_files_equal "$T/err" "$W_FIX/basic-tumbling.err"
}

@test "sliding 2m/1m: each event in two windows, partly late events" {
	run_to_files evwindow --sliding 2m/1m -a count -a sum:v <"$W_FIX/basic.jsonl"
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" "$W_FIX/basic-sliding.out"
	assert_files_equal "$T/err" "$W_FIX/basic-sliding.err"
}

@test "sliding with SLIDE = SIZE is tumbling" {
	evgen -n 2000 --seed 3 --span 1h --disorder 3m >"$T/in.jsonl"
	evwindow --tumbling 5m --by type -a count -a p50:data.ms \
		-a sum:data.amount "$T/in.jsonl" >"$T/a" 2>/dev/null
	evwindow --sliding 5m/5m --by type -a count -a p50:data.ms \
		-a sum:data.amount "$T/in.jsonl" >"$T/b" 2>/dev/null
	[ -s "$T/a" ]
	assert_files_equal "$T/b" "$T/a"
}

@test "sessions: strictly less than GAP apart, late events dropped" {
	run_to_files evwindow "${SESS_AGGS[@]}" <"$W_FIX/sessions.jsonl"
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" "$W_FIX/sessions-drop.out"
	assert_files_equal "$T/err" "$W_FIX/sessions-drop.err"
}

@test "sessions: an out-of-order event merges two sessions" {
	run_to_files evwindow "${SESS_AGGS[@]}" --lateness 1m <"$W_FIX/sessions.jsonl"
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" "$W_FIX/sessions-lateness.out"
	[ ! -s "$T/err" ]
}

@test "sessions: --late emit reopens and merges written sessions" {
	run_to_files evwindow "${SESS_AGGS[@]}" --late emit <"$W_FIX/sessions.jsonl"
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" "$W_FIX/sessions-emit.out"
	assert_files_equal "$T/err" "$W_FIX/sessions-emit.err"
}

@test "sessions: --late emit --retain 0 cannot update written sessions" {
	run_to_files evwindow "${SESS_AGGS[@]}" --late emit --retain 0 \
		<"$W_FIX/sessions.jsonl"
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" "$W_FIX/sessions-expired.out"
	assert_files_equal "$T/err" "$W_FIX/sessions-expired.err"
}

@test "--offset shifts the alignment; negative offsets and times before 1970" {
	printf '%s\n' '{"time":"2024-01-01T00:10:00Z"}' '{"time":"2024-01-01T00:40:00Z"}' \
		'{"time":"1969-12-31T23:59:30Z"}' >"$T/in.jsonl"
	run_to_files evwindow --tumbling 1h --offset 30m --lateness 100000d "$T/in.jsonl"
	[ "$status" -eq 0 ]
	cat >"$T/expected" <<-'EOF'
	{"window_start":"1969-12-31T23:30:00Z","window_end":"1970-01-01T00:30:00Z","count":1,"pane":"eof"}
	{"window_start":"2023-12-31T23:30:00Z","window_end":"2024-01-01T00:30:00Z","count":1,"pane":"eof"}
	{"window_start":"2024-01-01T00:30:00Z","window_end":"2024-01-01T01:30:00Z","count":1,"pane":"eof"}
	EOF
	assert_files_equal "$T/out" "$T/expected"
	run_to_files evwindow --tumbling 1h --offset -30m --lateness 100000d "$T/in.jsonl"
	assert_files_equal "$T/out" "$T/expected"
	run_to_files evwindow --sliding 1h/20m --offset 1h10m --lateness 100000d -a n=count \
		"$T/in.jsonl"
	[ "$status" -eq 0 ]
	# Starts at :10, :30 and :50; an hour long: three windows per event.
	run jq -r '.window_start' "$T/out"
	assert_output "$(printf '%s\n' 1969-12-31T23:10:00Z 1969-12-31T23:30:00Z \
		1969-12-31T23:50:00Z 2023-12-31T23:30:00Z 2023-12-31T23:50:00Z \
		2024-01-01T00:10:00Z 2024-01-01T00:30:00Z)"
}

@test "epoch times, --time-field, --time-unit and EV_TIME_FIELD" {
	printf '%s\n' '{"ts":1704067205,"t":1704067205000}' '{"ts":1704067265.5,"t":1704067265500}' >"$T/in.jsonl"
	cat >"$T/expected" <<-'EOF'
	{"window_start":"2024-01-01T00:00:00Z","window_end":"2024-01-01T00:01:00Z","count":1,"pane":"on_time"}
	{"window_start":"2024-01-01T00:01:00Z","window_end":"2024-01-01T00:02:00Z","count":1,"pane":"eof"}
	EOF
	run_to_files evwindow --tumbling 1m --time-field ts "$T/in.jsonl"
	assert_files_equal "$T/out" "$T/expected"
	EV_TIME_FIELD=t run_to_files evwindow --tumbling 1m --time-unit ms "$T/in.jsonl"
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" "$T/expected"
}

# --- keys and aggregates -----------------------------------------------------

@test "keys: decoded strings, raw numbers, objects and arrays, null for missing; byte order" {
	run_to_files evwindow --tumbling 1m --by k <"$W_FIX/keys.jsonl"
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" "$W_FIX/keys.out"
	[ ! -s "$T/err" ]
}

@test "keys at their own paths; shared prefixes share an object; escaped dots" {
	printf '%s\n' '{"time":"2024-01-01T00:00:00Z","type":"t","data":{"y":2,"x":"a"},"a.b":true}' \
		'{"time":"2024-01-01T00:00:01Z","type":"t","data":{"x":"a"}}' >"$T/in.jsonl"
	run_to_files evwindow --tumbling 1m --by data.x,type --by 'data.y,a\.b' "$T/in.jsonl"
	[ "$status" -eq 0 ]
	cat >"$T/expected" <<-'EOF'
	{"window_start":"2024-01-01T00:00:00Z","window_end":"2024-01-01T00:01:00Z","data":{"x":"a","y":2},"type":"t","a.b":true,"count":1,"pane":"eof"}
	{"window_start":"2024-01-01T00:00:00Z","window_end":"2024-01-01T00:01:00Z","data":{"x":"a","y":null},"type":"t","a.b":null,"count":1,"pane":"eof"}
	EOF
	assert_files_equal "$T/out" "$T/expected"
}

@test "aggregates: exact sums, big integers, percentiles, ties, distinct, nulls" {
	run_to_files evwindow --tumbling 1m -a sum:f -a avg:f -a sum:i -a avg:i \
		-a sum:m -a min:m -a max:m -a count:m -a first:w -a last:w \
		-a p0:p -a p25:p -a p50:p -a p90:p -a p99.9:p -a p100:p \
		-a distinct:s -a n=count <"$W_FIX/aggs.jsonl"
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" "$W_FIX/aggs.out"
	assert_files_equal "$T/err" "$W_FIX/aggs.err"
}

@test "without -a, evwindow counts; without --by, one group" {
	run_to_files evwindow --tumbling 1h <"$W_FIX/basic.jsonl"
	[ "$status" -eq 0 ]
	echo '{"window_start":"2024-01-01T00:00:00Z","window_end":"2024-01-01T01:00:00Z","count":8,"pane":"eof"}' >"$T/expected"
	assert_files_equal "$T/out" "$T/expected"
}

@test "first and last output the value as written" {
	printf '%s\n' '{"time":"2024-01-01T00:00:02Z","v":{"a": [1, 2.50]}}' \
		'{"time":"2024-01-01T00:00:01Z","v":"\u00e9\n"}' >"$T/in.jsonl"
	run_to_files evwindow --tumbling 1m -a first:v -a last:v "$T/in.jsonl"
	echo '{"window_start":"2024-01-01T00:00:00Z","window_end":"2024-01-01T00:01:00Z","first_v":"\u00e9\n","last_v":{"a": [1, 2.50]},"pane":"eof"}' >"$T/expected"
	assert_files_equal "$T/out" "$T/expected"
}

@test "approximate distinct and percentiles beyond 10000 values, within their bounds" {
	awk 'BEGIN { for (i = 1; i <= 20000; i++)
		printf "{\"time\":\"2024-01-01T00:00:%02dZ\",\"u\":\"user-%d\",\"v\":%d}\n", i % 60, i, i }' >"$T/in.jsonl"
	run_to_files evwindow --tumbling 1m -a distinct:u -a p50:v -a p99:v "$T/in.jsonl"
	[ "$status" -eq 0 ]
	run jq -c '.approx' "$T/out"
	assert_output '["distinct_u","p50_v","p99_v"]'
	# HyperLogLog p=14: 0.81% standard error, 2.4% at 99%; DDSketch: 1%.
	run jq '(.distinct_u - 20000 | fabs) <= 480 and (.p50_v - 10000 | fabs) <= 100 and
		(.p99_v - 19800 | fabs) <= 198' "$T/out"
	assert_output true
	run_to_files evwindow --tumbling 1m --exact -a distinct:u -a p50:v -a p99:v "$T/in.jsonl"
	echo '{"window_start":"2024-01-01T00:00:00Z","window_end":"2024-01-01T00:01:00Z","distinct_u":20000,"p50_v":10000,"p99_v":19800,"pane":"eof"}' >"$T/expected"
	assert_files_equal "$T/out" "$T/expected"
}

# --- lateness and late policies --------------------------------------------

@test "--lateness keeps a window open for events that much behind" {
	run_to_files evwindow --tumbling 1m "${BASIC_AGGS[@]}" --lateness 30s <"$W_FIX/basic.jsonl"
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" "$W_FIX/basic-lateness.out"
	assert_files_equal "$T/err" "$W_FIX/basic-lateness.err"
}

@test "--late emit writes updated results marked late" {
	run_to_files evwindow --tumbling 1m "${BASIC_AGGS[@]}" --late emit <"$W_FIX/basic.jsonl"
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" "$W_FIX/basic-emit.out"
	assert_files_equal "$T/err" "$W_FIX/basic-emit.err"
}

@test "--late emit --retain: a window no longer kept is not updated" {
	# [0:00, 0:01) is written when the watermark reaches 0:01:10, and its
	# late event (0:00:50) comes then, 10 s after its end; [0:01, 0:02) is
	# written at 0:02:45 and its late event (0:01:59.5) comes then, 45 s
	# after its end.  A window is kept while end + retain > watermark.
	run_to_files evwindow --tumbling 1m -a count --late emit --retain 10s <"$W_FIX/basic.jsonl"
	[ "$status" -eq 0 ]
	run jq -c 'select(.pane == "late") | [.window_start, .count]' "$T/out"
	assert_output ''
	echo 'evwindow: 2 late events: 0 emitted as late updates, 2 dropped beyond --retain (first at <stdin>:5)' >"$T/expected"
	assert_files_equal "$T/err" "$T/expected"
	run_to_files evwindow --tumbling 1m -a count --late emit --retain 45s <"$W_FIX/basic.jsonl"
	run jq -c 'select(.pane == "late") | [.window_start, .count]' "$T/out"
	assert_output '["2024-01-01T00:00:00Z",4]'
	echo 'evwindow: 2 late events: 1 emitted as late updates, 1 dropped beyond --retain (first at <stdin>:5)' >"$T/expected"
	assert_files_equal "$T/err" "$T/expected"
	run_to_files evwindow --tumbling 1m -a count --late emit --retain 46s --stats <"$W_FIX/basic.jsonl"
	run jq -c 'select(.pane == "late") | [.window_start, .count]' "$T/out"
	assert_output "$(printf '%s\n' '["2024-01-01T00:00:00Z",4]' '["2024-01-01T00:01:00Z",3]')"
	run jq -c '[.late, .late_updates, .late_expired]' <(w_stats)
	assert_output '[2,2,0]'
}

@test "--late file: writes the late lines unchanged, atomically" {
	run_to_files evwindow --tumbling 1m "${BASIC_AGGS[@]}" --late "file:$T/late.jsonl" \
		<"$W_FIX/basic.jsonl"
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" "$W_FIX/basic-tumbling.out"
	assert_files_equal "$T/late.jsonl" "$W_FIX/basic-late-lines.jsonl"
	{
		echo "evwindow: 2 late events written to $T/late.jsonl (first at <stdin>:5)"
		cat "$W_FIX/basic-non-numeric.err"
	} >"$T/expected"
	assert_files_equal "$T/err" "$T/expected"
	run ls -A "$T"
	refute_output --partial evtmp
}

@test "--fail-on-late exits 1 when an event was late, 0 otherwise" {
	run_to_files evwindow --tumbling 1m -a count --fail-on-late <"$W_FIX/basic.jsonl"
	[ "$status" -eq 1 ]
	printf '%s\n' 'evwindow: 2 late events dropped (first at <stdin>:5)' \
		'evwindow: --fail-on-late: 2 late events' >"$T/expected"
	assert_files_equal "$T/err" "$T/expected"
	[ "$(wc -l <"$T/out")" -eq 3 ]
	run_to_files evwindow --tumbling 1m -a count --fail-on-late --lateness 1m <"$W_FIX/basic.jsonl"
	[ "$status" -eq 0 ]
	[ ! -s "$T/err" ]
}

@test "--stats counts late events, state, non-numeric values per aggregate" {
	run_to_files evwindow --tumbling 1m "${BASIC_AGGS[@]}" --stats <"$W_FIX/basic.jsonl"
	[ "$status" -eq 0 ]
	printf '{"tool":"evwindow","lines_in":8,"blank":0,"rejected":0,"lines_out":5,"bytes_in":%d,"bytes_out":%d,"events":8,"late":2,"late_updates":0,"late_expired":0,"rejected_max_windows":0,"open_windows":0,"open_windows_max":2,"approx":0,"watermark":"2024-01-01T00:03:00Z","non_numeric":{"sum_v":1,"avg_v":1,"min_v":1,"max_v":1,"p50_v":1}}\n' \
		"$(wc -c <"$W_FIX/basic.jsonl")" "$(wc -c <"$T/out")" >"$T/expected"
	w_stats >"$T/stats"
	assert_files_equal "$T/stats" "$T/expected"
}

# --- bad input and limits ---------------------------------------------------

@test "events without a valid time are rejected; --max-windows rejects what does not fit" {
	cat >"$T/in.jsonl" <<-'EOF'
	{"time":"2024-01-01T00:00:01Z","k":"a"}
	{"time":"2024-01-01T00:00:02Z","k":"b"}
	{"k":"c"}
	{"time":"2024-01-01T00:00:03Z","k":"c"}
	{"time":"2024-13-01T00:00:03Z","k":"c"}
	{"time":"2024-01-01T00:00:04Z","k":"a"}
	{"time":"2024-01-01T00:01:05Z","k":"c"}
	{"time":"2024-01-01T00:01:06Z","k":"a"}
	{"time":true}
	EOF
	run_to_files evwindow --tumbling 1m --by k --max-windows 2 --reject "$T/rej.jsonl" \
		--stats "$T/in.jsonl"
	[ "$status" -eq 1 ]
	cat >"$T/expected" <<-'EOF'
	{"window_start":"2024-01-01T00:00:00Z","window_end":"2024-01-01T00:01:00Z","k":"a","count":2,"pane":"on_time"}
	{"window_start":"2024-01-01T00:00:00Z","window_end":"2024-01-01T00:01:00Z","k":"b","count":1,"pane":"on_time"}
	{"window_start":"2024-01-01T00:01:00Z","window_end":"2024-01-01T00:02:00Z","k":"a","count":1,"pane":"eof"}
	{"window_start":"2024-01-01T00:01:00Z","window_end":"2024-01-01T00:02:00Z","k":"c","count":1,"pane":"eof"}
	EOF
	assert_files_equal "$T/out" "$T/expected"
	f="$T/in.jsonl"
	cat >"$T/expected" <<-EOF
	evwindow: $f:3: missing time field 'time'
	evwindow: $f:4: too many open windows (--max-windows 2)
	evwindow: $f:5: invalid time "2024-13-01T00:00:03Z" in field 'time': invalid month
	evwindow: $f:9: time field 'time' is true, not a string or number
	evwindow: 4 lines rejected, more than --max-errors 0
	EOF
	head -n 5 "$T/err" >"$T/err5"
	assert_files_equal "$T/err5" "$T/expected"
	run jq -r '[.line, .error] | @tsv' "$T/rej.jsonl"
	assert_output "$(printf '%s\t%s\n' 3 "missing time field 'time'" \
		4 'too many open windows (--max-windows 2)' \
		5 "invalid time \"2024-13-01T00:00:03Z\" in field 'time': invalid month" \
		9 "time field 'time' is true, not a string or number")"
	run jq -r 'select(.line == 4) | .raw' "$T/rej.jsonl"
	assert_output '{"time":"2024-01-01T00:00:03Z","k":"c"}'
	run jq -c '[.events, .rejected, .rejected_max_windows, .open_windows_max]' <(w_stats)
	assert_output '[5,4,1,2]'
}

@test "--max-windows bounds panes of sliding windows and sessions too" {
	evgen -n 3000 --seed 4 --span 1h >"$T/in.jsonl"
	run_to_files evwindow --sliding 10m/1m --by type --max-windows 30 --max-errors 100000 \
		--stats "$T/in.jsonl"
	[ "$status" -eq 0 ]
	run jq '.open_windows_max == 30 and .rejected == .rejected_max_windows and .rejected > 0' <(w_stats)
	assert_output true
	run_to_files evwindow --session 1m --by data.user --max-windows 10 --max-errors 100000 \
		--stats "$T/in.jsonl"
	[ "$status" -eq 0 ]
	run jq '.open_windows_max == 10 and .rejected > 0 and .events + .rejected == 3000' <(w_stats)
	assert_output true
}

@test "usage errors: window options" {
	w_expect_usage_error 'evwindow: --tumbling: invalid duration '\''1x'\'': unknown unit' --tumbling 1x
	w_expect_usage_error 'evwindow: --tumbling: duration must be more than 0' --tumbling 0
	w_expect_usage_error 'evwindow: --session: invalid duration '\''-1m'\'': sign not allowed' --session -1m
	w_expect_usage_error 'evwindow: --tumbling: duration '\''99999999d'\'' too long (at most 3652425d)' \
		--tumbling 99999999d
	w_expect_usage_error 'evwindow: --sliding: expected SIZE/SLIDE, got '\''1h'\''' --sliding 1h
	w_expect_usage_error 'evwindow: --sliding: invalid duration '\''x'\'': expected a number' --sliding 1h/x
	w_expect_usage_error 'evwindow: --sliding: SLIDE 2h is longer than SIZE 1h' --sliding 1h/2h
	w_expect_usage_error 'evwindow: only one of --tumbling, --sliding and --session may be given' \
		--tumbling 1h --session 5m
	w_expect_usage_error 'evwindow: --offset does not apply to --session' --session 5m --offset 1m
	w_expect_usage_error 'evwindow: --lateness: invalid duration '\''soon'\'': expected a number' \
		--tumbling 1h --lateness soon
	w_expect_usage_error 'evwindow: --idle: duration must be more than 0' --tumbling 1h --idle 0
}

@test "usage errors: no window option prints the usage" {
	run_to_files evwindow -a count
	[ "$status" -eq 2 ]
	[ ! -s "$T/out" ]
	{ echo 'evwindow: one of --tumbling, --sliding or --session is required'; evwindow --help; } >"$T/expected"
	assert_files_equal "$T/err" "$T/expected"
}

@test "usage errors: aggregates, keys and names" {
	w_expect_usage_error "evwindow: -a 'median:x': unknown function 'median' (expected count, sum, avg, min, max, first, last, distinct or pNN)" \
		--tumbling 1h -a median:x
	w_expect_usage_error "evwindow: -a 'sum': sum needs a field path (sum:PATH)" --tumbling 1h -a sum
	w_expect_usage_error "evwindow: -a 'p101:x': invalid percentile 'p101' (expected p0 to p100, such as p99 or p99.9)" \
		--tumbling 1h -a p101:x
	w_expect_usage_error "evwindow: -a 'sum:': empty field path in 'sum:'" --tumbling 1h -a sum:
	w_expect_usage_error "evwindow: -a '=count': empty name in '=count'" --tumbling 1h -a =count
	w_expect_usage_error "evwindow: -a 'sum:a..b': invalid field path 'a..b': empty key in field path" \
		--tumbling 1h -a sum:a..b
	w_expect_usage_error "evwindow: duplicate output field 'count' (name an aggregate with -a NAME=...)" \
		--tumbling 1h -a count -a count
	w_expect_usage_error "evwindow: duplicate output field 'pane' (name an aggregate with -a NAME=...)" \
		--tumbling 1h --by pane
	w_expect_usage_error "evwindow: --by: 'type' given twice" --tumbling 1h --by type,type
	w_expect_usage_error "evwindow: --by: 'data' and 'data.x' overlap (one is inside the other)" \
		--tumbling 1h --by data --by data.x
	w_expect_usage_error "evwindow: --by: empty field path in 'a,'" --tumbling 1h --by a,
	w_expect_usage_error "evwindow: --by: invalid field path 'a..b': empty key in field path" \
		--tumbling 1h --by a..b
}

@test "usage errors: late policy, state and limits" {
	w_expect_usage_error "evwindow: --late: expected drop, emit or file:PATH, got 'keep'" \
		--tumbling 1h --late keep
	w_expect_usage_error "evwindow: --retain needs --late emit" --tumbling 1h --retain 1h
	w_expect_usage_error "evwindow: --flush needs --state" --tumbling 1h --flush
	w_expect_usage_error "evwindow: --max-windows: too small value '0'" --tumbling 1h --max-windows 0
	w_expect_usage_error "evwindow: --state: empty file name" --tumbling 1h --state ''
}

@test "--state made with other options is refused, the file untouched" {
	evwindow --tumbling 1h --by type -a count --state "$T/s.json" <"$W_FIX/basic.jsonl" >/dev/null
	cp "$T/s.json" "$T/s.orig"
	w_expect_usage_error "evwindow: $T/s.json: state made with --tumbling 1h; this run has --tumbling 30m" \
		--tumbling 30m --by type --state "$T/s.json"
	w_expect_usage_error "evwindow: $T/s.json: state made with --by type; this run has no --by" \
		--tumbling 1h --state "$T/s.json"
	w_expect_usage_error "evwindow: $T/s.json: state made with -a count=count; this run has -a count=count -a s=sum:v" \
		--tumbling 1h --by type -a count -a s=sum:v --state "$T/s.json"
	w_expect_usage_error "evwindow: $T/s.json: state made with --lateness 0; this run has --lateness 5m" \
		--tumbling 1h --by type --lateness 5m --state "$T/s.json"
	w_expect_usage_error "evwindow: $T/s.json: state made with no --late emit; this run has --late emit --retain 1h" \
		--tumbling 1h --by type --late emit --retain 1h --state "$T/s.json"
	assert_files_equal "$T/s.json" "$T/s.orig"
}

@test "--state: an invalid file is refused" {
	echo garbage >"$T/s.json"
	w_expect_usage_error "evwindow: $T/s.json: invalid state file: lexical error: invalid char in json text." \
		--tumbling 1h --state "$T/s.json"
	echo '{"x":1}' >"$T/s.json"
	w_expect_usage_error "evwindow: $T/s.json: invalid state file: not an evwindow state" \
		--tumbling 1h --state "$T/s.json"
	evwindow --tumbling 1h --state "$T/s.json.ok" <"$W_FIX/basic.jsonl" >/dev/null
	sed 's/"evwindow_state":1/"evwindow_state":7/' "$T/s.json.ok" >"$T/s.json"
	w_expect_usage_error "evwindow: $T/s.json: invalid state file: version 7, expected 1" \
		--tumbling 1h --state "$T/s.json"
	sed 's/"seq":8/"seq":"8"/' "$T/s.json.ok" >"$T/s.json"
	w_expect_usage_error "evwindow: $T/s.json: invalid state file: bad watermark or counters" \
		--tumbling 1h --state "$T/s.json"
	sed 's/"aggs":\[[0-9]*\]/"aggs":[-1]/' "$T/s.json.ok" >"$T/s.json"
	w_expect_usage_error "evwindow: $T/s.json: invalid state file: invalid state of aggregate 'count'" \
		--tumbling 1h --state "$T/s.json"
}

# --- state: consecutive runs = one run ---------------------------------------

@test "--state: runs over consecutive slices give the output and state of one run" {
	evgen -n 3000 --seed 9 --span 3h --disorder 4m >"$T/in.jsonl"
	split -l 700 "$T/in.jsonl" "$T/part."
	local w late a
	for w in "--tumbling 10m" "--sliding 20m/5m --offset 2m" "--session 30s"; do
		for late in "" "--late emit --retain 10m" "--lateness 2m --late emit"; do
			# shellcheck disable=SC2086
			a="$w $late --by type -a count -a sum:data.amount -a avg:data.ms -a min:data.ms
				-a p90:data.ms -a distinct:data.user -a first:data.user -a last:data.url"
			rm -f "$T/one.state" "$T/runs.state"
			# shellcheck disable=SC2086
			evwindow $a --state "$T/one.state" "$T/in.jsonl" >"$T/one.out" 2>/dev/null
			for p in "$T"/part.*; do
				# shellcheck disable=SC2086
				evwindow $a --state "$T/runs.state" "$p" 2>/dev/null
			done >"$T/runs.out"
			[ -s "$T/one.out" ] || fail "$a: no output"
			assert_files_equal "$T/runs.out" "$T/one.out"
			assert_files_equal "$T/runs.state" "$T/one.state"
		done
	done
}

@test "--state --flush ends a series: the same as one run without --state" {
	evgen -n 3000 --seed 10 --span 2h --disorder 2m >"$T/in.jsonl"
	head -n 1500 "$T/in.jsonl" >"$T/1.jsonl"
	tail -n +1501 "$T/in.jsonl" >"$T/2.jsonl"
	local w
	for w in "--tumbling 10m" "--sliding 20m/5m" "--session 1m"; do
		rm -f "$T/s"
		# shellcheck disable=SC2086
		evwindow $w --by type -a count -a p50:data.ms "$T/in.jsonl" >"$T/one.out" 2>/dev/null
		# shellcheck disable=SC2086
		{
			evwindow $w --by type -a count -a p50:data.ms --state "$T/s" "$T/1.jsonl"
			evwindow $w --by type -a count -a p50:data.ms --state "$T/s" --flush "$T/2.jsonl"
		} >"$T/runs.out" 2>/dev/null
		assert_files_equal "$T/runs.out" "$T/one.out"
		# After --flush, an event for a flushed window is late.
		# shellcheck disable=SC2086
		run_to_files evwindow $w --by type -a count --state "$T/s.flushed" --flush "$T/in.jsonl"
		head -n 1 "$T/in.jsonl" >"$T/old.jsonl"
		# shellcheck disable=SC2086
		run_to_files evwindow $w --by type -a count --state "$T/s.flushed" "$T/old.jsonl"
		[ ! -s "$T/out" ]
		grep -q '^evwindow: 1 late event dropped' "$T/err"
		rm -f "$T/s.flushed"
	done
}

@test "--state keeps sketches exactly" {
	awk 'BEGIN { for (i = 1; i <= 30000; i++)
		printf "{\"time\":\"2024-01-01T00:00:%02dZ\",\"u\":\"user-%d\",\"v\":%d.5}\n", i % 60, i % 25000, i - 15000 }' >"$T/in.jsonl"
	head -n 12000 "$T/in.jsonl" >"$T/1.jsonl"
	tail -n +12001 "$T/in.jsonl" >"$T/2.jsonl"
	evwindow --tumbling 1m -a distinct:u -a p1:v -a p50:v -a p99:v -a sum:v "$T/in.jsonl" >"$T/one.out"
	{
		evwindow --tumbling 1m -a distinct:u -a p1:v -a p50:v -a p99:v -a sum:v --state "$T/s" "$T/1.jsonl"
		evwindow --tumbling 1m -a distinct:u -a p1:v -a p50:v -a p99:v -a sum:v --state "$T/s" --flush "$T/2.jsonl"
	} >"$T/runs.out"
	assert_files_equal "$T/runs.out" "$T/one.out"
	run jq -c '.approx' "$T/one.out"
	assert_output '["distinct_u","p1_v","p50_v","p99_v"]'
	# (i - 15000).5 for i = 1..30000: negative values end in -0.5.
	run jq '.sum_v' "$T/one.out"
	assert_output 15001
}

# --- batch = streaming --------------------------------------------------------

@test "batch = streaming: the same bytes through a pipe in random pieces with pauses" {
	evgen -n 3000 --seed 21 --span 2h --disorder 5m >"$T/in.jsonl"
	local w i=0
	for w in "--tumbling 5m --late emit" "--sliding 15m/5m --lateness 1m" \
		"--session 20s --late emit --retain 10m" "--tumbling 10m --offset 3m"; do
		i=$((i + 1))
		# shellcheck disable=SC2086
		evwindow $w --by type -a count -a sum:data.amount -a p90:data.ms \
			-a distinct:data.user "$T/in.jsonl" >"$T/file.out" 2>"$T/file.err"
		# shellcheck disable=SC2086
		w_trickle "$T/in.jsonl" "$i" | evwindow $w --by type -a count \
			-a sum:data.amount -a p90:data.ms -a distinct:data.user >"$T/pipe.out" 2>/dev/null
		[ -s "$T/file.out" ]
		assert_files_equal "$T/pipe.out" "$T/file.out"
	done
}

@test "streaming: windows leave the process as soon as they close, before input ends" {
	mkfifo "$T/fifo"
	evwindow --tumbling 1m -a count <"$T/fifo" >"$T/out" 2>"$T/err" &
	local pid=$!
	exec 8>"$T/fifo"
	printf '%s\n' '{"time":"2024-01-01T00:00:10Z"}' '{"time":"2024-01-01T00:00:20Z"}' \
		'{"time":"2024-01-01T00:01:10Z"}' >&8
	w_wait_for "$T/out" '"pane":"on_time"' || { exec 8>&-; fail "no output while input is open"; }
	run cat "$T/out"
	assert_output '{"window_start":"2024-01-01T00:00:00Z","window_end":"2024-01-01T00:01:00Z","count":2,"pane":"on_time"}'
	exec 8>&-
	wait "$pid"
	[ "$(wc -l <"$T/out")" -eq 2 ]
}

@test "--idle: while input pauses, the watermark follows the wall clock" {
	mkfifo "$T/fifo"
	evwindow --tumbling 1s -a count --idle 200ms <"$T/fifo" >"$T/out" 2>"$T/err" &
	local pid=$!
	exec 8>"$T/fifo"
	echo '{"time":"2024-01-01T00:00:59.5Z"}' >&8
	w_wait_for "$T/out" '"pane":"idle"' || { exec 8>&-; fail "no idle window"; }
	run cat "$T/out"
	assert_output '{"window_start":"2024-01-01T00:00:59Z","window_end":"2024-01-01T00:01:00Z","count":1,"pane":"idle"}'
	# The window is closed now: an event for it is late.
	echo '{"time":"2024-01-01T00:00:59.9Z"}' >&8
	exec 8>&-
	wait "$pid"
	[ "$(wc -l <"$T/out")" -eq 1 ]
	echo 'evwindow: 1 late event dropped (first at <stdin>:2)' >"$T/expected"
	assert_files_equal "$T/err" "$T/expected"
}

@test "SIGTERM: open windows are written (or saved with --state), then the signal ends it" {
	local pid st mode
	for mode in eof state; do
		rm -f "$T/fifo" "$T/s"
		mkfifo "$T/fifo"
		if [ "$mode" = state ]; then
			evwindow --tumbling 1m -a count --state "$T/s" <"$T/fifo" >"$T/out" 2>"$T/err" &
		else
			evwindow --tumbling 1m -a count <"$T/fifo" >"$T/out" 2>"$T/err" &
		fi
		pid=$!
		exec 8>"$T/fifo"
		printf '%s\n' '{"time":"2024-01-01T00:00:10Z"}' '{"time":"2024-01-01T00:01:10Z"}' >&8
		w_wait_for "$T/out" '"pane":"on_time"' || { exec 8>&-; fail "no output"; }
		kill -TERM "$pid"
		# The reader notices the signal at the latest when input comes.
		(echo '{"time":"2024-01-01T00:02:10Z"}' >&8) 2>/dev/null || true
		exec 8>&-
		st=0
		wait "$pid" || st=$?
		[ "$st" -eq 143 ] || fail "$mode: exit $st, expected 143 (SIGTERM)"
		[ ! -s "$T/err" ]
		if [ "$mode" = state ]; then
			[ "$(wc -l <"$T/out")" -eq 1 ]
			run jq -c '[.seq, .max_ts, (.panes | length)]' "$T/s"
			assert_output '[2,1704067270000000,1]'
		else
			run tail -n 1 "$T/out"
			assert_output '{"window_start":"2024-01-01T00:01:00Z","window_end":"2024-01-01T00:02:00Z","count":1,"pane":"eof"}'
		fi
	done
}

# --- against the reference implementation ------------------------------------

@test "random out-of-order streams: the same output as the reference implementation" {
	local seed w late by a n=0 lates
	lates=("" "--lateness 2m" "--late emit" "--late emit --retain 4m")
	for seed in 1 2 3; do
		evgen -n 1500 --seed "$seed" --span $((seed * 40))m --disorder $((seed * 3 + 1))m \
			>"$T/in.jsonl"
		for w in "--tumbling 5m" "--tumbling 7m --offset 2m" "--sliding 10m/2m" \
			"--sliding 7m/3m --offset -1m" "--session 10s" "--session 45s"; do
			for late in "${lates[$((n % 4))]}" "${lates[$(((n + 1) % 4))]}"; do
				by="--by type"
				[ $((n % 3)) -eq 1 ] && by="--by data.country,type"
				[ $((n % 3)) -eq 2 ] && by=""
				n=$((n + 1))
				a="$w $late $by -a count -a sum:data.amount -a avg:data.ms -a min:data.ms
					-a max:data.amount -a p90:data.ms -a p50:data.amount
					-a distinct:data.country -a first:data.user -a last:data.url -a count:data.ms"
				# shellcheck disable=SC2086
				evwindow $a "$T/in.jsonl" >"$T/c.out" 2>/dev/null
				# shellcheck disable=SC2086
				w_ref $a "$T/in.jsonl" >"$T/ref.out"
				[ -s "$T/ref.out" ] || fail "reference: no output for $a"
				cmp -s "$T/c.out" "$T/ref.out" || {
					diff "$T/ref.out" "$T/c.out" | head -5 >&2
					fail "seed $seed: $a differs from the reference"
				}
			done
		done
	done
	[ "$n" -eq 36 ]
}

@test "the reference implementation agrees with the hand-made golden files" {
	w_ref --tumbling 1m "${BASIC_AGGS[@]}" --late emit <"$W_FIX/basic.jsonl" >"$T/a"
	assert_files_equal "$T/a" "$W_FIX/basic-emit.out"
	w_ref --sliding 2m/1m -a count -a sum:v <"$W_FIX/basic.jsonl" >"$T/a"
	assert_files_equal "$T/a" "$W_FIX/basic-sliding.out"
	w_ref "${SESS_AGGS[@]}" --late emit <"$W_FIX/sessions.jsonl" >"$T/a"
	assert_files_equal "$T/a" "$W_FIX/sessions-emit.out"
	w_ref "${SESS_AGGS[@]}" --lateness 1m <"$W_FIX/sessions.jsonl" >"$T/a"
	assert_files_equal "$T/a" "$W_FIX/sessions-lateness.out"
	w_ref --tumbling 1m --by k <"$W_FIX/keys.jsonl" >"$T/a"
	assert_files_equal "$T/a" "$W_FIX/keys.out"
}

# --- input, output, signals -------------------------------------------------------

@test "gzip input and directories are read like evcat reads them" {
	mkdir "$T/d"
	head -n 4 "$W_FIX/basic.jsonl" | gzip >"$T/d/a.jsonl.gz"
	tail -n +5 "$W_FIX/basic.jsonl" >"$T/d/b.jsonl"
	run_to_files evwindow --tumbling 1m "${BASIC_AGGS[@]}" "$T/d"
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" "$W_FIX/basic-tumbling.out"
}

@test "a missing input file: exit 3, the other input still aggregated" {
	run_to_files evwindow --tumbling 1h "$T/nosuch.jsonl" "$W_FIX/basic.jsonl"
	[ "$status" -eq 3 ]
	echo "evwindow: $T/nosuch.jsonl: No such file or directory" >"$T/expected"
	assert_files_equal "$T/err" "$T/expected"
	grep -q '"count":8' "$T/out"
}

@test "write errors: standard output, the state file, the late file" {
	run bash -c "evwindow --tumbling 1m <'$W_FIX/basic.jsonl' >/dev/full"
	[ "$status" -eq 3 ]
	assert_output 'evwindow: write error on standard output: No space left on device'
	run_to_files evwindow --tumbling 1m --state "$T/nodir/s" <"$W_FIX/basic.jsonl"
	[ "$status" -eq 3 ]
	printf '%s\n' "evwindow: $T/nodir/s: No such file or directory" \
		'evwindow: 2 late events dropped (first at <stdin>:5)' >"$T/expected"
	assert_files_equal "$T/err" "$T/expected"
	run_to_files evwindow --tumbling 1m --late "file:$T/nodir/late" <"$W_FIX/basic.jsonl"
	[ "$status" -eq 3 ]
	[ ! -s "$T/out" ]
	echo "evwindow: --late file:$T/nodir/late: No such file or directory" >"$T/expected"
	assert_files_equal "$T/err" "$T/expected"
}

@test "a closed pipe ends evwindow quietly (SIGPIPE)" {
	evgen -n 20000 --seed 5 --span 1d >"$T/in.jsonl"
	run bash -c "evwindow --tumbling 1m --by type '$T/in.jsonl' | head -n 1 >/dev/null; echo \${PIPESTATUS[0]}"
	assert_output 141
}

@test "--help and --version" {
	run evwindow --help
	[ "$status" -eq 0 ]
	assert_line --index 0 'usage: evwindow --tumbling size | --sliding size/slide | --session gap'
	run evwindow --version
	assert_output --regexp '^evwindow [0-9]+\.[0-9]+\.[0-9]+$'
}

# --- documentation and internals ----------------------------------------------

@test "evwindow(1): lint, SYNOPSIS = usage, every option described, EXAMPLES run" {
	load test_helper/docs
	run mandoc -Tlint -W warning "$EV_ROOT/man/evwindow.1"
	assert_output ""
	assert_equal "$(usage_text evwindow)" "$(man_synopsis "$EV_ROOT/man/evwindow.1")"
	local o bs='\'
	for o in $(evwindow --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		grep -qE -- "^\.It .*Fl $bs$bs${o#-}( |\$)" "$EV_ROOT/man/evwindow.1" ||
			fail "$o has no .It entry"
	done
	mkdir "$T/ex" && cd "$T/ex"
	{
		echo 'set -eo pipefail'
		man_examples "$EV_ROOT/man/evwindow.1"
	} >"$T/examples.sh"
	[ "$(grep -c evwindow "$T/examples.sh")" -ge 7 ]
	run bash "$T/examples.sh"
	[ "$status" -eq 0 ] || fail "examples: $output"
	[ -s late-events.jsonl ] && [ -s hourly.jsonl ] && [ -s runs.out ]
}

@test "unit: t_evwindow_sketch (exact sums, numbers, HyperLogLog, DDSketch)" {
	run "$EV_BUILD/unit/t_evwindow_sketch"
	[ "$status" -eq 0 ] || fail "$output"
	assert_output --regexp '^t_evwindow_sketch: [0-9]+ checks, 0 failed$'
}
