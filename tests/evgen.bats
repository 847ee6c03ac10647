#!/usr/bin/env bats
# evgen: the synthetic event generator.  Its output feeds the demo, the
# other suites and the benchmarks, so it is pinned byte for byte.

setup() {
	load test_helper/common
	ev_setup
	G="$FIX/evgen"
	USAGE='usage: evgen -n count [-s seed] [-S start] [-r rate | --span duration]
             [-d duration] [-b fraction] [-T types]
       evgen -h | -V'
}

# Milliseconds since the epoch of an evgen time ("...T06:36:40.123Z").
JQ_MS='def ms: (.[0:19] + "Z" | fromdateiso8601) * 1000 + (.[20:23] | tonumber);'

# Prints, for each line on stdin, which kind of line it is: "good" for a
# well-formed event, else the kind of broken line (see evgen(1)).
classify() {
	jq -R -r '
	if . == "" then "blank"
	elif length > 65536 then "overlong"
	elif test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[^ ]+ (INFO|WARN|ERROR) ") then "text"
	elif test(",}$") then "trailing-comma"
	else
	  (try {v: fromjson} catch {bad: true}) as $r
	  | if $r.bad then (if startswith("{") then "truncated" else "other" end)
	    elif ($r.v | type) == "array" then "array"
	    elif ($r.v | type) == "string" then "string"
	    elif ($r.v | type) == "number" then "number"
	    elif ($r.v | type) != "object" then "other"
	    elif ($r.v.data.comment // "" | test("\ufffd")) then "bad-utf8"
	    elif ($r.v | has("time") | not) then "no-time"
	    elif $r.v.time == "2015-13-45T99:00:00Z" then "bad-time"
	    else "good" end
	end'
}

# Runs evgen with "$@", expecting a usage error: exit 2, nothing on stdout
# and exactly $EXPECT on stderr.
expect_usage_error() {
	run_to_files evgen "$@"
	[ "$status" -eq 2 ] || fail "evgen $*: exit $status, expected 2"
	[ ! -s "$T/out" ] || fail "evgen $*: wrote to stdout"
	printf '%s\n' "$EXPECT" >"$T/expected"
	assert_files_equal "$T/err" "$T/expected"
}

# --- golden output ---------------------------------------------------------

@test "evgen -n 20 --seed 7 matches the golden file" {
	run_to_files evgen -n 20 --seed 7
	[ "$status" -eq 0 ]
	[ ! -s "$T/err" ]
	assert_files_equal "$T/out" "$G/seed7-n20.jsonl"
}

@test "disorder and broken lines match the golden file" {
	run_to_files evgen -n 40 --seed 7 --disorder 30s --bad-rate 0.3
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" "$G/seed7-n40-disorder30s-bad0.3.jsonl"
}

@test "short options are the long ones" {
	evgen -n 40 -s 7 -d 30s -b 0.3 >"$T/short"
	evgen --count=40 --seed=7 --disorder=30s --bad-rate=0.3 >"$T/long"
	assert_files_equal "$T/short" "$G/seed7-n40-disorder30s-bad0.3.jsonl"
	assert_files_equal "$T/long" "$G/seed7-n40-disorder30s-bad0.3.jsonl"
}

# --- determinism ---------------------------------------------------------

@test "the same arguments give the same bytes" {
	evgen -n 3000 --seed 42 --disorder 1m --bad-rate 0.05 >"$T/a"
	evgen -n 3000 --seed 42 --disorder 1m --bad-rate 0.05 >"$T/b"
	[ -s "$T/a" ]
	assert_files_equal "$T/a" "$T/b"
}

@test "a different seed gives different events" {
	evgen -n 200 --seed 1 | jq -r .id | sort >"$T/a"
	evgen -n 200 --seed 2 | jq -r .id | sort >"$T/b"
	[ "$(wc -l <"$T/a")" -eq 200 ]
	[ "$(comm -12 "$T/a" "$T/b" | wc -l)" -eq 0 ]
	evgen -n 200 --seed 2 | jq -c .data >"$T/da"
	evgen -n 200 --seed 3 | jq -c .data >"$T/db"
	if cmp -s "$T/da" "$T/db"; then fail "seeds 2 and 3 gave the same data"; fi
}

@test "the default seed is 1 and the largest seed works" {
	evgen -n 50 >"$T/a"
	evgen -n 50 --seed 1 >"$T/b"
	assert_files_equal "$T/a" "$T/b"
	run evgen -n 1 --seed 18446744073709551615
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "the first k lines are the run with -n k" {
	evgen -n 300 --seed 5 --disorder 10s --bad-rate 0.2 | head -n 120 >"$T/a"
	evgen -n 120 --seed 5 --disorder 10s --bad-rate 0.2 >"$T/b"
	assert_files_equal "$T/b" "$T/a"
}

@test "-n 0 writes nothing and succeeds" {
	run_to_files evgen -n 0
	[ "$status" -eq 0 ]
	[ ! -s "$T/out" ]
	[ ! -s "$T/err" ]
	run_to_files evgen -n 0 --span 1h --bad-rate 1
	[ "$status" -eq 0 ]
	[ ! -s "$T/out" ]
}

# --- the events ------------------------------------------------------------

@test "every line is one JSON object with the envelope (bad-rate 0)" {
	evgen -n 5000 --seed 3 >"$T/ev"
	[ "$(wc -l <"$T/ev")" -eq 5000 ]
	iconv -f UTF-8 -t UTF-8 "$T/ev" >/dev/null
	run jq -R -s -e '
	    split("\n") | .[:-1] | map(fromjson)
	    | length == 5000 and all(.[];
		type == "object"
		and has("id") and has("type") and has("time") and has("data")
		and (.id | test("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"))
		and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$"))
		and (.source | test("^/evgen/(web-[1-4]|mx-[1-3]|billing|auth)$"))
		and (.data | type == "object"))' "$T/ev"
	assert_success
	[ -z "$(jq -r .id "$T/ev" | sort | uniq -d)" ]
}

@test "each type has exactly its documented data fields" {
	run jq -s -c 'group_by(.type) | map({(.[0].type): (map(.data | keys) | unique)}) | add' \
	    < <(evgen -n 5000 --seed 11)
	assert_success
	assert_output '{"email.received":[["dkim","dmarc","enterprise","from_domain","recipients","sender_ip","spf","subject","to"]],"page.viewed":[["country","ms","url"]],"payment.sent":[["amount","currency","method","user"]],"user.created":[["email","user","workflow"]],"user.verified":[["email","user","workflow"]]}'
}

@test "the mix: page.viewed most common, payment.sent rarer than email" {
	evgen -n 20000 | jq -r .type | sort | uniq -c | awk '{print $2, $1}' >"$T/mix"
	awk '
	    { n[$1] = $2; total += $2 }
	    END {
		ok = total == 20000 \
		    && n["page.viewed"] > 0.60 * total && n["page.viewed"] < 0.72 * total \
		    && n["email.received"] > 0.12 * total && n["email.received"] < 0.18 * total \
		    && n["payment.sent"] > 0.04 * total && n["payment.sent"] < n["email.received"] \
		    && n["user.created"] > n["user.verified"] && n["user.verified"] > 0.03 * total
		exit !ok
	    }' "$T/mix" || { cat "$T/mix"; false; }
}

@test "values are varied: lookalikes, bad ranges, IPv6, escapes, non-ASCII" {
	evgen -n 20000 --types email.received >"$T/mail"
	jq -r .data.from_domain "$T/mail" | sort -u >"$T/domains"
	grep -qx 'paypa1.com' "$T/domains"
	grep -qx 'micros0ft-support.com' "$T/domains"
	grep -qx 'arnazon.co' "$T/domains"
	grep -qx 'gmail.com' "$T/domains"
	[ "$(wc -l <"$T/domains")" -ge 30 ]
	jq -r .data.sender_ip "$T/mail" >"$T/ips"
	grep -q '^203\.0\.113\.' "$T/ips"
	grep -q '^2001:db8:' "$T/ips"
	grep -q '^2a0' "$T/ips"
	# Lookalikes fail authentication far more often than genuine senders.
	run jq -s -e '
	    def failrate: (map(select(.data.dmarc != "pass")) | length) / length;
	    (map(select(.data.from_domain | test("paypa1|micros0ft|arnazon|rnicrosoft"))) | failrate) > 0.5
	    and (map(select(.data.from_domain == "gmail.com")) | failrate) < 0.2' "$T/mail"
	assert_success
	jq -r '[.data.spf, .data.dkim, .data.dmarc] | .[]' "$T/mail" | sort -u | tr '\n' ' ' >"$T/auth"
	[ "$(cat "$T/auth")" = "fail neutral none pass permerror softfail temperror " ]
	# Subjects that need JSON escapes and are not ASCII, as written.
	grep -qF '"subject":"Re: \"Q3 forecast\" draft v' "$T/mail"
	grep -qF '"subject":"Share: \\\\fs01\\finance\\Q3-forecast.xlsx"' "$T/mail"
	grep -qF '"subject":"Report\tQ3\t(final)"' "$T/mail"
	grep -qF '請求書のお知らせ' "$T/mail"
	grep -qF 'fällig' "$T/mail"
	run jq -s -e 'map(.data.recipients) | min == 1 and max > 100 and (map(select(. == 1)) | length) > (length / 2)' "$T/mail"
	assert_success
	run jq -s -e 'map(.data.enterprise) | unique == ["acme","globex","hooli","initech","umbrella"]' "$T/mail"
	assert_success
}

@test "page latencies are heavy-tailed integers, amounts have cents" {
	evgen -n 20000 --types page.viewed | jq -r .data.ms | sort -n >"$T/ms"
	awk '{ a[NR] = $1 } $1 != int($1) { bad = 1 }
	     END { exit !(!bad && a[int(NR / 2)] < 100 && a[int(NR * 0.99)] > 2000 && a[NR] <= 30000) }' "$T/ms"
	evgen -n 5000 --types payment.sent | jq -r '.data.amount | tostring' >"$T/amounts"
	grep -q '\.[0-9][0-9]$' "$T/amounts"
	grep -qx '[0-9]*' "$T/amounts"
}

@test "user.verified agrees with the user.created of the same user" {
	run jq -s -e '
	    (map(select(.type == "user.created")) | map({key: .data.user, value: .data}) | from_entries) as $c
	    | map(select(.type == "user.verified" and $c[.data.user] != null)) as $v
	    | ($v | length) > 100
	      and all($v[]; .data == $c[.data.user])
	      and (map(select(.type == "user.created") | .data.user) | . == (unique | sort))' \
	    < <(evgen -n 20000 --types 'user.*')
	assert_success
}

# --- time ------------------------------------------------------------------

@test "times start at 2015-08-18 and advance by 1/rate (default 10/s)" {
	run jq -s -e "$JQ_MS"'
	    (("2015-08-18T00:00:00.000Z" | ms)) as $s
	    | length == 1000 and ([.[].time | ms] == [range(0; 1000) | $s + 100 * .])' \
	    < <(evgen -n 1000)
	assert_success
}

@test "--rate, --span and --start place events exactly" {
	run evgen -n 4 --rate 3
	assert_success
	[ "$(printf '%s\n' "${lines[@]}" | jq -r .time | tr '\n' ' ')" = "2015-08-18T00:00:00.000Z 2015-08-18T00:00:00.333Z 2015-08-18T00:00:00.666Z 2015-08-18T00:00:01.000Z " ]
	[ "$(evgen -n 3 -r 0.5 -S 2020-02-29T23:59:58Z | jq -r .time | tr '\n' ' ')" = "2020-02-29T23:59:58.000Z 2020-03-01T00:00:00.000Z 2020-03-01T00:00:02.000Z " ]
	[ "$(evgen -n 4 --span 1h | jq -r .time | tr '\n' ' ')" = "2015-08-18T00:00:00.000Z 2015-08-18T00:15:00.000Z 2015-08-18T00:30:00.000Z 2015-08-18T00:45:00.000Z " ]
	[ "$(evgen -n 1 --start @0 | jq -r .time)" = "1970-01-01T00:00:00.000Z" ]
	[ "$(evgen -n 1 --start 2016-01-01 | jq -r .time)" = "2016-01-01T00:00:00.000Z" ]
}

@test "--span 3d covers three days, within [start, start + span)" {
	evgen -n 5000 --span 3d | jq -r .time >"$T/times"
	[ "$(cut -c1-10 "$T/times" | sort -u | tr '\n' ' ')" = "2015-08-18 2015-08-19 2015-08-20 " ]
	[ "$(head -1 "$T/times")" = "2015-08-18T00:00:00.000Z" ]
	[ "$(tail -1 "$T/times")" \< "2015-08-21T00:00:00.000Z" ]
	[ "$(cut -c1-13 "$T/times" | sort -u | wc -l)" -eq 72 ]
}

@test "--disorder moves each event back by at most the duration" {
	evgen -n 2000 --disorder 5m >"$T/ev"
	run jq -s -e "$JQ_MS"'
	    (("2015-08-18T00:00:00.000Z" | ms)) as $s
	    | [to_entries[] | ($s + 100 * .key) - (.value.time | ms)] as $back
	    | ($back | min) >= 0 and ($back | max) <= 300000 and ($back | max) > 290000' "$T/ev"
	assert_success
	# Out of order, and nothing but the times changed.
	if jq -r .time "$T/ev" | sort -c 2>/dev/null; then fail "times are in order"; fi
	evgen -n 2000 | jq -c 'del(.time)' >"$T/a"
	jq -c 'del(.time)' "$T/ev" >"$T/b"
	assert_files_equal "$T/b" "$T/a"
}

# --- broken lines ----------------------------------------------------------

@test "--bad-rate 1 writes each kind of broken line, in the documented order" {
	evgen -n 22 --bad-rate 1 | classify >"$T/kinds"
	printf '%s\n' truncated trailing-comma text array string number \
	    bad-utf8 no-time bad-time blank overlong >"$T/order"
	cat "$T/order" "$T/order" >"$T/expected"
	assert_files_equal "$T/kinds" "$T/expected"
}

@test "--bad-rate 0.2 over 1000 lines: every kind, only in place of events" {
	evgen -n 1000 --bad-rate 0.2 >"$T/bad"
	evgen -n 1000 >"$T/good"
	[ "$(wc -l <"$T/bad")" -eq 1000 ]
	classify <"$T/bad" >"$T/kinds"
	for k in truncated trailing-comma text array string number bad-utf8 \
	    no-time bad-time blank overlong good; do
		grep -qx "$k" "$T/kinds" || fail "no line of kind $k"
	done
	if grep -qx other "$T/kinds"; then fail "a line of no known kind"; fi
	broken=$(grep -vcx good "$T/kinds")
	[ "$broken" -gt 150 ]
	[ "$broken" -lt 250 ]
	# A line is either broken or the very event of the clean run.
	same=$(paste -d '\n' "$T/bad" "$T/good" | LC_ALL=C awk 'NR % 2 { l = $0; next } $0 == l { n++ } END { print n + 0 }')
	[ "$same" -eq $((1000 - broken)) ]
	# Characteristics as documented.
	[ "$(LC_ALL=C grep -c $'\xfc\xdfe aus K\xf6ln' "$T/bad")" -eq "$(grep -cx bad-utf8 "$T/kinds")" ]
	LC_ALL=C awk 'length($0) > 65536 && (length($0) <= 70000 || length($0) >= 71000) { exit 1 }' "$T/bad"
	[ "$(grep -c '"time":"2015-13-45T99:00:00Z"' "$T/bad")" -eq "$(grep -cx bad-time "$T/kinds")" ]
}

# --- options ---------------------------------------------------------------

@test "--types restricts the types; globs and lists work" {
	[ "$(evgen -n 300 --types payment.sent | jq -r .type | sort -u)" = "payment.sent" ]
	[ "$(evgen -n 300 -T 'user.*' | jq -r .type | sort -u | tr '\n' ' ')" = "user.created user.verified " ]
	[ "$(evgen -n 300 -T 'page.viewed,email.*' | jq -r .type | sort -u | tr '\n' ' ')" = "email.received page.viewed " ]
}

@test "--help prints the usage on stdout and exits 0" {
	run_to_files evgen --help
	[ "$status" -eq 0 ]
	[ ! -s "$T/err" ]
	[ "$(head -1 "$T/out")" = "usage: evgen -n count [-s seed] [-S start] [-r rate | --span duration]" ]
	[ "$(head -3 "$T/out")" = "$USAGE" ]
	grep -q -- '--bad-rate fraction' "$T/out"
	evgen -h >"$T/h"
	assert_files_equal "$T/h" "$T/out"
}

@test "--version prints the Makefile's version" {
	version=$(sed -n 's/^VERSION *= *//p' "$EV_ROOT/Makefile")
	run evgen --version
	assert_success
	assert_output "evgen $version"
	run evgen -V
	assert_output "evgen $version"
}

@test "usage errors: exact message, usage text, exit 2" {
	EXPECT="evgen: missing -n count
$USAGE"
	expect_usage_error
	expect_usage_error --seed 3
	EXPECT="evgen: option '-n' requires a value
$USAGE"
	expect_usage_error -n
	EXPECT="evgen: option '--rate' requires a value
$USAGE"
	expect_usage_error -n 1 --rate
	EXPECT="evgen: unknown option '--bogus'
$USAGE"
	expect_usage_error -n 1 --bogus
	EXPECT="evgen: unknown option '-x'
$USAGE"
	expect_usage_error -n 1 -x
	EXPECT="evgen: option '--s' is ambiguous
$USAGE"
	expect_usage_error -n 1 --s 3
	EXPECT="evgen: option '--help' takes no value
$USAGE"
	expect_usage_error --help=yes
	EXPECT="evgen: unexpected argument 'file.jsonl'
$USAGE"
	expect_usage_error -n 1 file.jsonl
}

@test "bad option values: exact message, exit 2" {
	EXPECT="evgen: --count: invalid value 'ten': expected a non-negative integer"
	expect_usage_error -n ten
	EXPECT="evgen: --count: invalid value '-1': expected a non-negative integer"
	expect_usage_error --count -1
	EXPECT="evgen: --count: invalid value '18446744073709551616': too large"
	expect_usage_error -n 18446744073709551616
	EXPECT="evgen: --seed: invalid value '0x10': expected a non-negative integer"
	expect_usage_error -n 1 -s 0x10
	EXPECT="evgen: --start: invalid value '2015-13-01': invalid month"
	expect_usage_error -n 1 --start 2015-13-01
	EXPECT="evgen: --rate: invalid value 'x': expected a number above 0 and at most 1000000 (at most 6 decimals)"
	expect_usage_error -n 1 --rate x
	EXPECT="evgen: --rate: invalid value '0': expected a number above 0 and at most 1000000 (at most 6 decimals)"
	expect_usage_error -n 1 -r 0
	EXPECT="evgen: --rate: invalid value '1000000.5': expected a number above 0 and at most 1000000 (at most 6 decimals)"
	expect_usage_error -n 1 -r 1000000.5
	EXPECT="evgen: --rate: invalid value '0.0000001': expected a number above 0 and at most 1000000 (at most 6 decimals)"
	expect_usage_error -n 1 -r 0.0000001
	EXPECT="evgen: --span: invalid value '0': must be longer than 0"
	expect_usage_error -n 1 --span 0
	EXPECT="evgen: --span: invalid value '3x': unknown unit"
	expect_usage_error -n 1 --span 3x
	EXPECT="evgen: --rate and --span cannot be combined"
	expect_usage_error -n 1 --rate 5 --span 1h
	EXPECT="evgen: --disorder: invalid value '30': missing unit"
	expect_usage_error -n 1 --disorder 30
	EXPECT="evgen: --disorder: invalid value '-5s': sign not allowed"
	expect_usage_error -n 1 -d -5s
	EXPECT="evgen: --bad-rate: invalid value '1.5': expected a number from 0 to 1 (at most 9 decimals)"
	expect_usage_error -n 1 --bad-rate 1.5
	EXPECT="evgen: --bad-rate: invalid value '.5': expected a number from 0 to 1 (at most 9 decimals)"
	expect_usage_error -n 1 -b .5
	EXPECT="evgen: --bad-rate: invalid value '5%': expected a number from 0 to 1 (at most 9 decimals)"
	expect_usage_error -n 1 -b 5%
	EXPECT="evgen: --types: invalid value 'page.viewed,signup': no event type matches 'signup'"
	expect_usage_error -n 1 --types page.viewed,signup
	EXPECT="evgen: --types: invalid value 'user.*,': empty type name"
	expect_usage_error -n 1 -T 'user.*,'
}

@test "times beyond the supported range are usage errors" {
	run evgen -n 10 --start 9999-12-31T23:59:59Z
	assert_success
	EXPECT="evgen: the events would run past 9999-12-31T23:59:59Z; use an earlier --start or a higher --rate"
	expect_usage_error -n 11 --start 9999-12-31T23:59:59Z
	EXPECT="evgen: the events would run past 9999-12-31T23:59:59Z; use an earlier --start or a shorter --span"
	expect_usage_error -n 2 --start 9999-12-31T23:00:00Z --span 2h
	EXPECT="evgen: --disorder: would move events before 0000-01-01T00:00:00Z"
	expect_usage_error -n 1 --start 0000-01-01T00:00:00Z --disorder 1s
}

# --- I/O -----------------------------------------------------------------

@test "a write error (stdout on /dev/full) exits 3 with a message" {
	[ -w /dev/full ] || skip "no /dev/full"
	run_to_files sh -c 'evgen -n 10000 >/dev/full'
	[ "$status" -eq 3 ]
	[ "$(cat "$T/err")" = "evgen: write error: No space left on device" ]
	run_to_files sh -c 'evgen --help >/dev/full'
	[ "$status" -eq 3 ]
	[ "$(cat "$T/err")" = "evgen: write error: No space left on device" ]
}

@test "evgen -n 1000000 | head -1 ends quietly" {
	run_to_files bash -c 'evgen -n 1000000 | head -1; echo "status ${PIPESTATUS[*]}" >&2'
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$T/out")" -eq 1 ]
	# evgen dies of SIGPIPE (128 + 13), without a word; head succeeds.
	[ "$(cat "$T/err")" = "status 141 0" ]
}

@test "a million events weigh about 200 MB" {
	bytes=$(evgen -n 1000000 | wc -c)
	[ "$bytes" -gt 190000000 ]
	[ "$bytes" -lt 240000000 ]
}

# --- the manual ------------------------------------------------------------

@test "man page: lint clean" {
	run mandoc -Tlint -W warning "$EV_ROOT/man/evgen.1"
	assert_success
	assert_output ''
}

@test "man page: SYNOPSIS is the usage text" {
	mandoc -Tascii "$EV_ROOT/man/evgen.1" | sed 's/.\x08//g' |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' | tr -s ' \n' ' ' |
	    sed 's/^ //; s/ $//' >"$T/synopsis"
	printf '%s\n' "$USAGE" | sed 's/^usage: //' | tr -s ' \n' ' ' |
	    sed 's/^ //; s/ $//' >"$T/usage"
	[ -s "$T/usage" ]
	assert_files_equal "$T/synopsis" "$T/usage"
}

@test "man page: the EXAMPLES run and print what they show" {
	# Each "$ command" line of a literal display, with the lines after it
	# up to the next command or the end of the display as its output.
	mandoc -Tascii "$EV_ROOT/man/evgen.1" | sed 's/.\x08//g' |
	    sed -n '/^EXAMPLES/,/^SEE ALSO/p' >"$T/examples"
	cd "$T"
	n=0
	while IFS= read -r -d '' block; do
		cmd=$(printf '%s\n' "$block" | head -1)
		printf '%s\n' "$block" | tail -n +2 | sed '/^$/d' >"$T/want"
		case $cmd in *evcat*) command -v evcat >/dev/null || continue ;; esac
		bash -o pipefail -c "$cmd" >"$T/got" 2>"$T/got.err" ||
		    fail "example failed: $cmd: $(cat "$T/got.err")"
		if [ -s "$T/want" ]; then
			assert_files_equal "$T/got" "$T/want"
		fi
		n=$((n + 1))
	done < <(awk '
	    /^           \$ / { if (c != "") printf "%s%c", c, 0; c = substr($0, 14); next }
	    /^           / && c != "" { c = c "\n" substr($0, 12); next }
	    { if (c != "") printf "%s%c", c, 0; c = "" }
	    END { if (c != "") printf "%s%c", c, 0 }' "$T/examples")
	[ "$n" -ge 5 ]
}
