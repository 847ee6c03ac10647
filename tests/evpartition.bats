#!/usr/bin/env bats
# evpartition: the data-lake writer.  Layouts and escaping, file naming,
# gzip, atomic commits, idempotent re-runs, rolling, open-file limits,
# faults (disk full, kill -9), the round trip through evcat with pruning,
# DuckDB reading the Hive layout, and the manual.

setup() {
	load test_helper/common
	load test_helper/evpartition
	ev_setup
	F="$FIX/evpartition"
	cd "$T"
	USAGE='usage: evpartition -o root [-u] [-l layout] [--run-id id]
                   [--level n | --no-gzip] [--max-file-bytes n]
                   [--max-file-events n] [--max-open n] [--threads n]
                   [--default-partition name] [--type-field path]
                   [--time-field path] [--time-unit unit]
                   [--max-line-bytes n] [--reject file] [--max-errors n]
                   [--stats] [--progress | --no-progress]
                   [file | dir ...]'
}

teardown() {
	evp_teardown
}

# Runs evpartition "$@" expecting exit 2, nothing on stdout, exactly
# $EXPECT on stderr and no lake created.
expect_usage() {
	run_to_files evpartition "$@"
	[ "$status" -eq 2 ] || fail "evpartition $*: exit $status, expected 2: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "evpartition $*: wrote to stdout"
	printf '%s\n' "$EXPECT" >"$T/expected"
	assert_files_equal "$T/err" "$T/expected"
}

# The --stats line of $T/err without "seconds".
stats() {
	grep '^{"tool":"evpartition"' "$T/err" | jq -c 'del(.seconds)'
}

stat_of() {
	grep '^{"tool":"evpartition"' "$T/err" | jq -r ".$1"
}

# --- command line -------------------------------------------------------------

@test "--help prints the usage on stdout and exits 0" {
	run_to_files evpartition --help
	[ "$status" -eq 0 ]
	printf '%s\n' "$USAGE" >"$T/expected"
	assert_files_equal "$T/out" "$T/expected"
	[ ! -s "$T/err" ]
}

@test "--version prints the version" {
	run -0 evpartition --version
	assert_output --regexp '^evpartition [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "-o is required" {
	EXPECT="evpartition: -o root is required
$USAGE"
	expect_usage
}

@test "an unknown option is a usage error" {
	EXPECT="evpartition: unrecognized option '--bogus'
$USAGE"
	expect_usage -o lake --bogus
	[ ! -e lake ]
}

@test "bad option values are usage errors, and nothing is created" {
	EXPECT="evpartition: --level: too small value '0'" expect_usage -o lake --level 0
	EXPECT="evpartition: --level: too large value '10'" expect_usage -o lake --level 10
	EXPECT="evpartition: --level: invalid value 'x'" expect_usage -o lake --level x
	EXPECT="evpartition: --level and --no-gzip exclude each other
$USAGE" expect_usage -o lake --level 1 --no-gzip
	EXPECT="evpartition: --max-file-events: too small value '0'" expect_usage -o lake --max-file-events 0
	EXPECT="evpartition: --max-file-bytes: too small value '0'" expect_usage -o lake --max-file-bytes 0
	EXPECT="evpartition: --max-file-bytes: invalid value '1X'" expect_usage -o lake --max-file-bytes 1X
	EXPECT="evpartition: --max-open: too small value '0'" expect_usage -o lake --max-open 0
	EXPECT="evpartition: --default-partition: empty name" expect_usage -o lake --default-partition ''
	EXPECT="evpartition: -o: empty root directory" expect_usage -o ''
	EXPECT="evpartition: --type-field: empty field path" expect_usage -o lake --type-field ''
	[ ! -e lake ]
}

@test "--run-id accepts letters, digits, '.', '_' and '-' only" {
	local msg="is not 1 to 100 letters, digits, '.', '_' or '-' starting with a letter or digit"
	EXPECT="evpartition: --run-id: '../x' $msg" expect_usage -o lake --run-id ../x
	EXPECT="evpartition: --run-id: '.x' $msg" expect_usage -o lake --run-id .x
	EXPECT="evpartition: --run-id: '-x' $msg" expect_usage -o lake --run-id -x
	EXPECT="evpartition: --run-id: 'a/b' $msg" expect_usage -o lake --run-id a/b
	EXPECT="evpartition: --run-id: 'a b' $msg" expect_usage -o lake --run-id 'a b'
	EXPECT="evpartition: --run-id: '' $msg" expect_usage -o lake --run-id ''
	long=$(printf 'a%.0s' $(seq 101))
	EXPECT="evpartition: --run-id: '$long' $msg" expect_usage -o lake --run-id "$long"
	[ ! -e lake ]
	echo '{"type":"t","time":"2015-08-18T06:00:00Z"}' >one.jsonl
	run -0 evpartition -o lake --run-id "${long:1}" one.jsonl
	[ -f "lake/t/2015-08-18/06/part-${long:1}-00000.jsonl.gz" ]
	run -0 evpartition -o lake --run-id 2015-08-18T06_a.b one.jsonl
	[ -f lake/t/2015-08-18/06/part-2015-08-18T06_a.b-00000.jsonl.gz ]
}

@test "invalid layouts are usage errors" {
	EXPECT="evpartition: --layout '': empty path segment in layout" expect_usage -o lake -l ''
	EXPECT="evpartition: --layout '{type}//{time:%H}': empty path segment in layout" expect_usage -o lake -l '{type}//{time:%H}'
	EXPECT="evpartition: --layout '{type}/': empty path segment in layout" expect_usage -o lake -l '{type}/'
	EXPECT="evpartition: --layout '/abs/{type}': layout must be relative (starts with '/')" expect_usage -o lake -l '/abs/{type}'
	EXPECT="evpartition: --layout '../{type}': layout segment '.' or '..'" expect_usage -o lake -l '../{type}'
	EXPECT="evpartition: --layout '_x/{type}': layout segment starts with '.' or '_' (hidden from readers)" expect_usage -o lake -l '_x/{type}'
	EXPECT="evpartition: --layout '.x{type}': layout segment starts with '.' or '_' (hidden from readers)" expect_usage -o lake -l '.x{type}'
	EXPECT="evpartition: --layout '{type': unclosed '{' in layout" expect_usage -o lake -l '{type'
	EXPECT="evpartition: --layout 'a}': unmatched '}' in layout" expect_usage -o lake -l 'a}'
	EXPECT="evpartition: --layout '{time}': {time} needs a format, e.g. {time:%Y-%m-%d}" expect_usage -o lake -l '{time}'
	EXPECT="evpartition: --layout '{time:}': empty {time:} format in layout" expect_usage -o lake -l '{time:}'
	EXPECT="evpartition: --layout '{time:%D}': unsupported conversion '%D' in {time:...}" expect_usage -o lake -l '{time:%D}'
	EXPECT="evpartition: --layout '{time:%s}': unsupported conversion '%s' in {time:...}" expect_usage -o lake -l '{time:%s}'
	EXPECT="evpartition: --layout '{time:%Y%n}': unsupported conversion '%n' in {time:...}" expect_usage -o lake -l '{time:%Y%n}'
	EXPECT="evpartition: --layout '{time:%x}': unsupported conversion '%x' in {time:...}" expect_usage -o lake -l '{time:%x}'
	EXPECT="evpartition: --layout '{time:%Y%}': {time:...} format ends in '%'" expect_usage -o lake -l '{time:%Y%}'
	EXPECT="evpartition: --layout '{a..b}': invalid field path in layout placeholder" expect_usage -o lake -l '{a..b}'
	EXPECT="evpartition: --layout 'x"$'\t'"{type}': control character or '\\' in layout" expect_usage -o lake -l 'x'$'\t''{type}'
	[ ! -e lake ]
}

@test "--max-open larger than the open file limit allows is a usage error" {
	EXPECT="evpartition: --max-open: 250 does not fit the open file limit 256 (ulimit -n) less 16 reserved"
	ulimit -n 256
	expect_usage -o lake --max-open 250
	run -0 evpartition -o lake --max-open 240 </dev/null
}

# --- layouts ----------------------------------------------------------------

@test "default layout: TYPE/YYYY-MM-DD/HH, and the listing of committed files" {
	evgen -n 400 --seed 7 --rate 0.05 >in.jsonl
	run_to_files evpartition -o lake --run-id g in.jsonl
	[ "$status" -eq 0 ]
	[ ! -s "$T/err" ]
	jq -c 'del(.bytes)' "$T/out" >listing
	assert_files_equal listing "$F/default-listing.jsonl"
	# Every listed file exists with the listed size, events and times
	# (evgen writes milliseconds; whole seconds are listed without).
	while IFS=$'\t' read -r path events bytes tmin tmax; do
		[ "$(stat -c %s "$path")" -eq "$bytes" ] || fail "$path: size"
		got=$(gzip -dc "$path" | jq -rs '[length, (map(.time) | min, max | sub("\\.000Z$"; "Z"))] | @tsv')
		[ "$got" = "$events"$'\t'"$tmin"$'\t'"$tmax" ] ||
			fail "$path: $got, listed $events $tmin $tmax"
	done < <(jq -r '[.path, .events, .bytes, .min_time, .max_time] | @tsv' "$T/out")
	evp_files lake >files
	jq -r .path "$T/out" | sed 's|^lake/||' | sort >listed
	assert_files_equal files listed
	evp_check_files lake
}

@test "hive layout: type=/dt=/hr=" {
	evgen -n 400 --seed 7 --rate 0.05 >in.jsonl
	run -0 --separate-stderr evpartition -o lake -l hive --run-id g in.jsonl
	evp_partitions lake >parts
	assert_files_equal parts "$F/hive-partitions.txt"
	cat lake/_evtools_layout.json >marker
	printf '%s\n' '{"version":1,"layout":"type={type}/dt={time:%Y-%m-%d}/hr={time:%H}","type_field":"type","time_field":"time"}' >want
	assert_files_equal marker want
}

@test "template layout with a field, nested time levels and literal text" {
	evgen -n 300 --seed 3 --types email.received --rate 0.002 >in.jsonl
	run -0 --separate-stderr evpartition -o lake --run-id t \
	    -l 'c={data.enterprise}/{time:%Y/%m}/day-{time:%d}' in.jsonl
	evp_partitions lake >parts
	assert_files_equal parts "$F/template-partitions.txt"
	# Each event is in the directory of its own enterprise and day.
	for f in $(evp_files lake); do
		gzip -dc "lake/$f" | jq -r '"c=" + .data.enterprise + "/" + .time[0:4] + "/" + .time[5:7] + "/day-" + .time[8:10]' |
		    sort -u >dirs
		echo "${f%/*}" >want
		assert_files_equal dirs want
	done
}

@test "time placeholders of every granularity place each event by its own time" {
	printf '%s\n' '{"type":"a","time":"1969-12-31T23:59:59.999Z"}' '{"type":"a","time":"1970-01-01T00:00:00Z"}' \
	    '{"type":"a","time":"2015-08-18T06:59:59.999999Z"}' '{"type":"a","time":"2015-08-18T07:00:00Z"}' \
	    '{"type":"a","time":"2015-08-18T07:00:59Z"}' '{"type":"a","time":"2015-08-18T07:01:00Z"}' \
	    '{"type":"a","time":"2015-08-18T07:01:00+01:00"}' '{"type":"a","time":1439881260}' \
	    '{"type":"a","time":"2016-12-31T23:59:59Z"}' '{"type":"a","time":"2017-01-01T00:00:00Z"}' >in.jsonl
	run -0 --separate-stderr evpartition -o lake --run-id t -l 'd={time:%F}/h={time:%H}/m={time:%M}/s={time:%S}/{time:%j-%U-%a}' in.jsonl
	for f in $(evp_files lake); do
		gzip -dc "lake/$f" | jq -r '.time | if type == "number" then todate else . end' |
		    while read -r t; do echo "${f%/*} $t"; done
	done | sort >got
	cat >want <<-'EOF'
	d=1969-12-31/h=23/m=59/s=59/365-52-Wed 1969-12-31T23:59:59.999Z
	d=1970-01-01/h=00/m=00/s=00/001-00-Thu 1970-01-01T00:00:00Z
	d=2015-08-18/h=06/m=01/s=00/230-33-Tue 2015-08-18T07:01:00+01:00
	d=2015-08-18/h=06/m=59/s=59/230-33-Tue 2015-08-18T06:59:59.999999Z
	d=2015-08-18/h=07/m=00/s=00/230-33-Tue 2015-08-18T07:00:00Z
	d=2015-08-18/h=07/m=00/s=59/230-33-Tue 2015-08-18T07:00:59Z
	d=2015-08-18/h=07/m=01/s=00/230-33-Tue 2015-08-18T07:01:00Z
	d=2015-08-18/h=07/m=01/s=00/230-33-Tue 2015-08-18T07:01:00Z
	d=2016-12-31/h=23/m=59/s=59/366-52-Sat 2016-12-31T23:59:59Z
	d=2017-01-01/h=00/m=00/s=00/001-01-Sun 2017-01-01T00:00:00Z
	EOF
	assert_files_equal got want
}

@test "events larger than a compression chunk" {
	big=$(head -c 700000 /dev/zero | tr '\0' 'x')
	{
		echo '{"type":"a","time":"2015-08-18T06:00:00Z","n":1}'
		echo "{\"type\":\"a\",\"time\":\"2015-08-18T06:00:01Z\",\"big\":\"$big\"}"
		echo '{"type":"a","time":"2015-08-18T06:00:02Z","n":2}'
		echo "{\"type\":\"a\",\"time\":\"2015-08-18T06:00:03Z\",\"big\":\"${big}y\"}"
		echo '{"type":"a","time":"2015-08-18T06:00:04Z","n":3}'
	} >in.jsonl
	for t in 1 2; do
		run -0 --separate-stderr evpartition -o "l$t" --run-id r --threads $t in.jsonl
		evp_check_files "l$t"
		gzip -dc "l$t/a/2015-08-18/06/part-r-00000.jsonl.gz" >back
		assert_files_equal back in.jsonl
	done
	cmp l1/a/2015-08-18/06/part-r-00000.jsonl.gz l2/a/2015-08-18/06/part-r-00000.jsonl.gz
}

@test "a layout without time keeps events whose time is unusable" {
	printf '%s\n' '{"type":"a","time":"2015-08-18T06:00:00Z"}' '{"type":"a"}' \
	    '{"type":"a","time":"bogus"}' '{"type":"b","time":1439879800}' >in.jsonl
	run -0 --separate-stderr evpartition -o lake --run-id t -l 'by-type/{type}' in.jsonl
	printf '%s\n' \
	    '{"path":"lake/by-type/a/part-t-00000.jsonl.gz","partition":"by-type/a","events":3,"min_time":"2015-08-18T06:00:00Z","max_time":"2015-08-18T06:00:00Z"}' \
	    '{"path":"lake/by-type/b/part-t-00000.jsonl.gz","partition":"by-type/b","events":1,"min_time":"2015-08-18T06:36:40Z","max_time":"2015-08-18T06:36:40Z"}' >want
	echo "$output" | jq -c 'del(.bytes)' >got
	assert_files_equal got want
	printf '%s\n' '{"type":"a"}' '{"type":"a","time":"bogus"}' | evpartition -o lake2 --run-id t -l '{type}' >out2
	[ "$(jq -c '[.min_time, .max_time]' out2)" = '[null,null]' ]
}

@test "numbers and booleans are partition values; --type-field, --time-field, --time-unit" {
	printf '%s\n' '{"k":{"n":5},"ts":1439879800000}' '{"k":{"n":true},"ts":1439879800000}' \
	    '{"k":{"n":-1.5e3},"ts":1439883400000}' >in.jsonl
	run -0 --separate-stderr evpartition -o lake --run-id t --type-field k.n --time-field ts \
	    --time-unit ms in.jsonl
	evp_partitions lake >parts
	printf '%s\n' -1.5e3/2015-08-18/07 5/2015-08-18/06 true/2015-08-18/06 >want
	assert_files_equal parts want
	grep -q '"type_field":"k.n","time_field":"ts"' lake/_evtools_layout.json
}

@test "EV_TYPE_FIELD and EV_TIME_FIELD set the default fields" {
	echo '{"kind":"x","at":"2015-08-18T06:00:00Z"}' >in.jsonl
	EV_TYPE_FIELD=kind EV_TIME_FIELD=at run -0 --separate-stderr evpartition -o lake --run-id t in.jsonl
	[ -f lake/x/2015-08-18/06/part-t-00000.jsonl.gz ]
}

@test "a directory name over 255 bytes rejects the event" {
	long=$(printf 'y%.0s' $(seq 150))
	echo "{\"a\":\"$long\",\"b\":\"$long\",\"time\":\"2015-08-18T06:00:00Z\"}" >in.jsonl
	echo '{"a":"s","b":"t","time":"2015-08-18T06:00:00Z"}' >>in.jsonl
	run_to_files evpartition -o lake --run-id t -l '{a}-{b}' in.jsonl
	[ "$status" -eq 1 ]
	printf '%s\n' 'evpartition: in.jsonl:1: partition directory name longer than 255 bytes' \
	    'evpartition: 1 line rejected, more than --max-errors 0' >want
	assert_files_equal "$T/err" want
	evp_files lake >files
	echo s-t/part-t-00000.jsonl.gz >want
	assert_files_equal files want
}

# --- hostile values -------------------------------------------------------------

@test "hostile values: golden directory names, default layout" {
	cp "$F/hostile.jsonl" .
	run_to_files evpartition -o lake --run-id h --max-errors 10 hostile.jsonl
	[ "$status" -eq 0 ]
	jq -r .partition "$T/out" >parts
	assert_files_equal parts "$F/hostile-default.txt"
	assert_files_equal "$T/err" "$F/hostile-default.err"
	# Nothing left ROOT, no name is hidden, too long, "." or "..".
	(cd lake && find . -mindepth 1 ! -path './_evpartition*' ! -name _evtools_layout.json) |
	    sed 's|^\./||' >all
	[ "$(wc -l <all)" -eq 76 ]
	awk -F/ '{ for (i = 1; i <= NF; i++) if ($i == "." || $i == ".." || $i == "" || length($i) > 255) print }' all >bad
	[ ! -s bad ] || fail "bad paths: $(cat bad)"
	if tr '/' '\n' <all | grep -q '^[._]'; then fail "a hidden name"; fi
	n=$(find lake -mindepth 1 -maxdepth 1 ! -name '_ev*' | wc -l)
	[ "$n" -eq 19 ]
	[ ! -e "$T/etc" ] && [ ! -e "$T/../etc" ] && [ ! -e lake/a/b ] && [ ! -e b ]
	evp_check_files lake
	# Each partition holds exactly the events of its value.
	evcat lake | sort >back
	grep -v -e '"type": ""' -e '"type": null' -e '"type": {' -e '"id": "h-notime"' -e '"id": "h-badtime"' hostile.jsonl | sort >want
	assert_files_equal back want
}

@test "hostile values: golden directory names, Hive layout with the Hive default partition" {
	cp "$F/hostile.jsonl" .
	run_to_files evpartition -o lake -l hive --run-id h --default-partition __HIVE_DEFAULT_PARTITION__ --stats hostile.jsonl
	[ "$status" -eq 0 ]
	jq -r .partition "$T/out" >parts
	assert_files_equal parts "$F/hostile-hive.txt"
	[ "$(stat_of defaulted)" -eq 5 ]
	[ "$(stat_of rejected)" -eq 0 ]
	evcat lake | sort >back
	sort hostile.jsonl >want
	assert_files_equal back want
}

@test "hostile values inside a name keep a leading '.' or '_', outside they are escaped" {
	printf '%s\n' '{"v":"_x","time":"2015-08-18T06:00:00Z"}' '{"v":".y","time":"2015-08-18T06:00:00Z"}' \
	    '{"v":"..","time":"2015-08-18T06:00:00Z"}' >in.jsonl
	run -0 --separate-stderr evpartition -o lake --run-id t -l 'v-{v}/{v}' in.jsonl
	evp_partitions lake >parts
	printf '%s\n' 'v-../%2E.' 'v-.y/%2Ey' 'v-_x/%5Fx' >want
	assert_files_equal parts want
}

# --- files ---------------------------------------------------------------------

@test "files are single gzip members with a fixed header, byte-for-byte reproducible" {
	evgen -n 3000 --seed 11 >in.jsonl
	run -0 --separate-stderr evpartition -o a --run-id same in.jsonl
	run -0 --separate-stderr evpartition -o b --run-id same in.jsonl
	evp_sums a >sa
	evp_sums b >sb
	assert_files_equal sa sb
	evp_check_files a
	for f in $(evp_files a); do
		# 1f 8b, deflate, no flags, mtime 0, XFL 0, OS Unix.
		[ "$(head -c 10 "a/$f" | od -An -tx1 | tr -d ' ')" = 1f8b0800000000000003 ] ||
			fail "$f: header $(head -c 10 "a/$f" | od -An -tx1)"
	done
}

@test "--level 1 and 9 write valid files with their XFL byte; 9 is smaller than 1" {
	evgen -n 3000 --seed 11 --types page.viewed >in.jsonl
	run -0 --separate-stderr evpartition -o l1 --run-id r --level 1 in.jsonl
	run -0 --separate-stderr evpartition -o l9 --run-id r --level 9 in.jsonl
	evp_check_files l1
	evp_check_files l9
	f=page.viewed/2015-08-18/00/part-r-00000.jsonl.gz
	[ "$(head -c 10 "l1/$f" | od -An -tx1 | tr -d ' ')" = 1f8b0800000000000403 ]
	[ "$(head -c 10 "l9/$f" | od -An -tx1 | tr -d ' ')" = 1f8b0800000000000203 ]
	[ "$(stat -c %s "l9/$f")" -lt "$(stat -c %s "l1/$f")" ]
}

@test "compression is close to gzip -6 over the same bytes" {
	evgen -n 20000 --seed 2 --types page.viewed --rate 1000 >in.jsonl
	run -0 --separate-stderr evpartition -o lake --run-id r in.jsonl
	ours=$(stat -c %s lake/page.viewed/2015-08-18/00/part-r-00000.jsonl.gz)
	theirs=$(gzip -6 -c in.jsonl | wc -c)
	# 256 KiB chunks primed with 32 KiB of history: within 1%.
	[ "$ours" -le $((theirs * 101 / 100)) ] || fail "$ours bytes vs gzip's $theirs"
}

@test "--no-gzip writes plain .jsonl files with the events unchanged" {
	evgen -n 500 --seed 5 >in.jsonl
	printf '%s\n' '{"type":"x","time":"2015-08-18T00:00:00Z" ,  "s":"\u00e9"}  ' >>in.jsonl
	run -0 --separate-stderr evpartition -o lake --run-id p --no-gzip in.jsonl
	if evp_files lake | grep -qv '\.jsonl$'; then fail "a file without .jsonl"; fi
	(cd lake && evp_files . | xargs -d '\n' cat) | sort >back
	sort in.jsonl >want
	assert_files_equal back want
	evp_check_files lake
}

@test "a final line without a newline gets one; blank lines are skipped" {
	printf '%s\n\n   \n%s' '{"type":"a","time":"2015-08-18T06:00:00Z"}' '{"type":"a","time":"2015-08-18T06:00:01Z"}' >in.jsonl
	run -0 --separate-stderr evpartition -o lake --run-id t --stats in.jsonl
	gzip -dc lake/a/2015-08-18/06/part-t-00000.jsonl.gz >got
	printf '%s\n' '{"type":"a","time":"2015-08-18T06:00:00Z"}' '{"type":"a","time":"2015-08-18T06:00:01Z"}' >want
	assert_files_equal got want
	echo "$stderr" | grep -q '"lines_in":4,"blank":2,"rejected":0,"lines_out":2'
}

@test "gzip input, directories and standard input are read like evcat does" {
	evgen -n 300 --seed 1 >a.jsonl
	mkdir -p in/sub
	gzip -c a.jsonl >in/sub/a.jsonl.gz
	evgen -n 100 --seed 2 >b.jsonl
	run -0 --separate-stderr evpartition -o lake --run-id t in - <b.jsonl
	evcat lake | sort >back
	cat a.jsonl b.jsonl | sort >want
	assert_files_equal back want
}

@test "empty input: no files, exit 0, the marker is written" {
	run_to_files evpartition -o lake --run-id t --stats </dev/null
	[ "$status" -eq 0 ]
	[ ! -s "$T/out" ]
	[ -f lake/_evtools_layout.json ]
	[ -z "$(evp_files lake)" ]
	stats >got
	echo '{"tool":"evpartition","lines_in":0,"blank":0,"rejected":0,"lines_out":0,"bytes_in":0,"bytes_out":0,"run_id":"t","files":0,"partitions":0,"defaulted":0,"stale_removed":0,"tmp_removed":0,"recovered_runs":0,"max_open":5,"threads":1,"reopens":0,"buffer_evictions":0,"peak_buffer_bytes":0}' >want
	sed -i 's/"max_open":[0-9]*/"max_open":5/; s/"threads":[0-9]*/"threads":1/' got
	assert_files_equal got want
}

# --- rolling -------------------------------------------------------------------

@test "--max-file-events rolls files, numbered from 00000" {
	evp_tmpfs fs 64m && cd fs
	evgen -n 2000 --seed 4 --types page.viewed --rate 1000 >in.jsonl
	run -0 --separate-stderr evpartition -o lake --run-id r --max-file-events 300 in.jsonl
	evp_files lake >files
	for i in 0 1 2 3 4 5 6; do
		printf 'page.viewed/2015-08-18/00/part-r-%05d.jsonl.gz\n' $i
	done >want
	assert_files_equal files want
	for i in 0 1 2 3 4 5; do
		[ "$(gzip -dc lake/page.viewed/2015-08-18/00/part-r-0000$i.jsonl.gz | wc -l)" -eq 300 ]
	done
	[ "$(gzip -dc lake/page.viewed/2015-08-18/00/part-r-00006.jsonl.gz | wc -l)" -eq 200 ]
	# Files are listed in order, and the events stay in input order.
	jq -r .path <<<"$output" | sed 's|^lake/||' >listed
	assert_files_equal listed want
	for f in $(cat files); do gzip -dc "lake/$f"; done >back
	assert_files_equal back in.jsonl
}

@test "--max-file-bytes without gzip: no file exceeds the limit" {
	evp_tmpfs fs 64m && cd fs
	evgen -n 3000 --seed 4 --rate 1000 >in.jsonl
	run -0 --separate-stderr evpartition -o lake --run-id r --no-gzip --max-file-bytes 20K in.jsonl
	max=$(jq -s 'map(.bytes) | max' <<<"$output")
	[ "$max" -le 20480 ]
	# Every file but a partition's last is full to within one event.
	jq -r '.partition' <<<"$output" | sort | uniq -c | awk '$1 > 1' | grep -q .
	[ "$(jq -s 'map(select(.bytes < 20480 - 400)) | length' <<<"$output")" -le 5 ]
	evcat lake | sort >back
	sort in.jsonl >want
	assert_files_equal back want
}

@test "--max-file-bytes with gzip: files end within one chunk of the limit" {
	evp_tmpfs fs 64m && cd fs
	evgen -n 20000 --seed 4 --types page.viewed --rate 1000 >in.jsonl
	run -0 --separate-stderr evpartition -o lake --run-id r --max-file-bytes 64K in.jsonl
	n=$(jq -s length <<<"$output")
	[ "$n" -ge 5 ]
	# All but the last reach 64 KiB and stay below 64 KiB + one chunk (8 KiB
	# of input, compressing to less).
	jq -s '.[:-1] | map(.bytes) | (min >= 65536) and (max < 65536 + 8192)' <<<"$output" | grep -qx true
	evp_check_files lake
	evcat lake >back
	assert_files_equal back in.jsonl
}

@test "files are listed as they are committed, while the input is still open" {
	mkfifo in.fifo
	evpartition -o lake --run-id r --max-file-events 2 <in.fifo >out.jsonl 2>stderr.txt &
	pid=$!
	exec 7>in.fifo
	printf '%s\n' '{"type":"a","time":"2015-08-18T06:00:00Z"}' '{"type":"a","time":"2015-08-18T06:00:01Z"}' '{"type":"b","time":"2015-08-18T06:00:02Z"}' >&7
	evp_wait_lines out.jsonl 1
	[ -f lake/a/2015-08-18/06/part-r-00000.jsonl.gz ]
	[ ! -e lake/b/2015-08-18/06/part-r-00000.jsonl.gz ]
	exec 7>&-
	wait "$pid"
	[ "$(wc -l <out.jsonl)" -eq 2 ]
	[ -f lake/b/2015-08-18/06/part-r-00000.jsonl.gz ]
}

@test "--max-line-bytes, -u, --progress and --no-progress" {
	printf '%s\n' '{"type":"a","time":"2015-08-18T06:00:00Z"}' \
	    "{\"type\":\"a\",\"time\":\"2015-08-18T06:00:00Z\",\"x\":\"$(printf 'x%.0s' $(seq 200))\"}" >in.jsonl
	run_to_files evpartition -o lake --run-id r --max-line-bytes 100 -u --progress in.jsonl
	[ "$status" -eq 1 ]
	grep -qx 'evpartition: in.jsonl:2: line too long (249 bytes, limit 100)' "$T/err"
	[ "$(wc -l <"$T/out")" -eq 1 ]
	run_to_files evpartition -o lake2 --run-id r --no-progress --unbuffered in.jsonl
	[ "$status" -eq 0 ]
	[ ! -s "$T/err" ]
	[ "$(gzip -dc lake2/a/2015-08-18/06/part-r-00000.jsonl.gz | wc -l)" -eq 2 ]
}

# --- rejects -------------------------------------------------------------------

@test "events without a usable type or time are rejected, the others written" {
	printf '%s\n' '{"type":"a","time":"2015-08-18T06:00:00Z"}' '{"time":"2015-08-18T06:00:00Z"}' \
	    '{"type":null,"time":"2015-08-18T06:00:00Z"}' '{"type":"","time":"2015-08-18T06:00:00Z"}' \
	    '{"type":["a"],"time":"2015-08-18T06:00:00Z"}' '{"type":"a"}' '{"type":"a","time":"2015-13-01T00:00:00Z"}' \
	    '{"type":"a","time":true}' 'not json' '[1]' '{"type":"b","time":1439880000}' >in.jsonl
	run_to_files evpartition -o lake --run-id t --reject rej.jsonl --stats in.jsonl
	[ "$status" -eq 1 ]
	grep -v '^{"tool"' "$T/err" >rejects.err
	assert_files_equal rejects.err "$F/rejects.err"
	jq -c . rej.jsonl >rej
	assert_files_equal rej "$F/rejects.reject.jsonl"
	evp_files lake >files
	printf '%s\n' a/2015-08-18/06/part-t-00000.jsonl.gz b/2015-08-18/06/part-t-00000.jsonl.gz >want
	assert_files_equal files want
	[ "$(stat_of rejected)" -eq 9 ]
	[ "$(stat_of lines_out)" -eq 2 ]
}

@test "--max-errors lets a run with rejects exit 0" {
	evgen -n 500 --seed 9 --bad-rate 0.05 >in.jsonl
	run_to_files evpartition -o lake --run-id t --max-errors 100 --stats in.jsonl
	[ "$status" -eq 0 ]
	grep -q '^evpartition: [0-9]* lines rejected (10 shown), within --max-errors 100$' "$T/err"
	in=$(stat_of lines_in) out=$(stat_of lines_out) rej=$(stat_of rejected) blank=$(stat_of blank)
	[ "$rej" -gt 10 ]
	[ $((out + rej + blank)) -eq "$in" ]
	[ "$(evcat lake | wc -l)" -eq "$out" ]
	run_to_files evpartition -o lake2 --run-id t --max-errors 10 in.jsonl
	[ "$status" -eq 1 ]
	[ "$(evcat lake2 | wc -l)" -eq "$out" ]
}

@test "--default-partition places what cannot be placed" {
	printf '%s\n' '{"type":"a","time":"2015-08-18T06:00:00Z"}' '{"time":"2015-08-18T06:00:00Z"}' \
	    '{"type":"a"}' '{"type":{},"time":"bad"}' >in.jsonl
	run_to_files evpartition -o lake --run-id t --default-partition _unknown --stats in.jsonl
	[ "$status" -eq 0 ]
	evp_partitions lake >parts
	printf '%s\n' %5Funknown/%5Funknown/%5Funknown %5Funknown/2015-08-18/06 a/%5Funknown/%5Funknown a/2015-08-18/06 >want
	assert_files_equal parts want
	[ "$(stat_of defaulted)" -eq 3 ]
}

# --- the round trip and pruning ----------------------------------------------------

@test "round trip: evgen | evpartition, then evcat ROOT gives the same lines" {
	evgen -n 20000 --seed 21 --disorder 10m >in.jsonl
	evgen -n 20000 --seed 21 --disorder 10m | evpartition -o lake --run-id rt >/dev/null
	evcat lake | sort >back
	sort in.jsonl >want
	assert_files_equal back want
	evp_check_files lake
}

@test "evcat --since/--until opens only the partitions in range" {
	evgen -n 20000 --seed 21 --rate 1 >in.jsonl # 5.5 hours
	run -0 --separate-stderr evpartition -o lake --run-id rt in.jsonl
	run_to_files evcat --stats --since 2015-08-18T02:00:00Z --until 2015-08-18T04:00:00Z lake
	[ "$status" -eq 0 ]
	inrange=$(evp_files lake | grep -c -e '/2015-08-18/02/' -e '/2015-08-18/03/')
	[ "$(jq -r .files <"$T/err")" -eq "$inrange" ]
	[ "$(jq -r .pruned_dirs <"$T/err")" -gt 0 ]
	sort "$T/out" >back
	jq -c 'select(.time >= "2015-08-18T02:00:00.000Z" and .time < "2015-08-18T04:00:00.000Z")' in.jsonl | sort >want
	# jq re-serialises: compare the ids.
	jq -r .id back | sort >b
	jq -r .id want | sort >w
	assert_files_equal b w
}

@test "evcat -t TYPE opens only that type's partitions, in both layouts" {
	evgen -n 20000 --seed 21 --rate 1 >in.jsonl
	for layout in default hive; do
		rm -rf lake
		run -0 --separate-stderr evpartition -o lake -l $layout --run-id rt in.jsonl
		run_to_files evcat --stats -t user.created lake
		[ "$status" -eq 0 ]
		[ "$(jq -r .files <"$T/err")" -eq "$(evp_files lake | grep -c 'user.created/')" ]
		[ "$(wc -l <"$T/out")" -eq "$(grep -c '"type":"user.created"' in.jsonl)" ]
	done
}

# --- re-runs and run ids -------------------------------------------------------

@test "the default run id is the UTC start time and the process id" {
	echo '{"type":"a","time":"2015-08-18T06:00:00Z"}' >in.jsonl
	before=$(date -u +%Y%m%dT%H%M%SZ)
	run_to_files evpartition -o lake --stats in.jsonl
	after=$(date -u +%Y%m%dT%H%M%SZ)
	id=$(stat_of run_id)
	[[ $id =~ ^[0-9]{8}T[0-9]{6}Z-[0-9]+$ ]] || fail "run id $id"
	[[ ! ${id%-*} < $before && ! ${id%-*} > $after ]] || fail "$id not within $before..$after"
	[ -f "lake/a/2015-08-18/06/part-$id-00000.jsonl.gz" ]
	# Another run adds its own file.
	run -0 --separate-stderr evpartition -o lake in.jsonl
	[ "$(evp_files lake | wc -l)" -eq 2 ]
}

@test "re-running with the same run id replaces the files byte for byte" {
	evgen -n 5000 --seed 8 >in.jsonl
	run -0 --separate-stderr evpartition -o lake --run-id r in.jsonl
	echo "$output" >first
	evp_sums lake >s1
	ls -i "lake/page.viewed/2015-08-18/00/part-r-00000.jsonl.gz" | cut -d' ' -f1 >ino1
	run_to_files evpartition -o lake --run-id r --stats in.jsonl
	[ "$status" -eq 0 ]
	assert_files_equal "$T/out" first
	evp_sums lake >s2
	assert_files_equal s2 s1
	# Replaced (renamed over), not rewritten in place.
	ls -i "lake/page.viewed/2015-08-18/00/part-r-00000.jsonl.gz" | cut -d' ' -f1 >ino2
	if cmp -s ino1 ino2; then fail "rewritten in place"; fi
	[ "$(stat_of stale_removed)" -eq 0 ]
}

@test "a re-run that writes fewer files removes the rest of the run id's files" {
	evp_tmpfs fs 64m && cd fs
	evgen -n 6000 --seed 8 >in.jsonl
	run -0 --separate-stderr evpartition -o clean --run-id r in.jsonl
	run -0 --separate-stderr evpartition -o lake --run-id r --max-file-events 100 in.jsonl
	[ "$(evp_files lake | wc -l)" -gt 30 ]
	# Another run id's file stays.
	echo '{"type":"page.viewed","time":"2015-08-18T00:00:00Z"}' | evpartition -o lake --run-id other >/dev/null
	run_to_files evpartition -o lake --run-id r --stats in.jsonl
	[ "$status" -eq 0 ]
	[ "$(stat_of stale_removed)" -gt 25 ]
	evp_files lake | grep -v part-other- >files
	evp_files clean >want
	assert_files_equal files want
	evp_sums lake | grep -v part-other- >s1
	evp_sums clean >s2
	assert_files_equal s1 s2
	[ -f lake/page.viewed/2015-08-18/00/part-other-00000.jsonl.gz ]
	cat lake/_evpartition/runs/r >list
	assert_files_equal list want
}

@test "a re-run whose input lost partitions removes them and their empty directories" {
	evgen -n 6000 --seed 8 --rate 1 >in.jsonl  # 1h40m
	head -n 1000 in.jsonl >less.jsonl          # the first 16 minutes
	run -0 --separate-stderr evpartition -o lake --run-id r in.jsonl
	[ -d lake/page.viewed/2015-08-18/01 ]
	run -0 --separate-stderr evpartition -o lake --run-id r less.jsonl
	run -0 --separate-stderr evpartition -o clean --run-id r less.jsonl
	(cd lake && find . ! -path './_evpartition*' | sort) >tree
	(cd clean && find . ! -path './_evpartition*' | sort) >want
	assert_files_equal tree want
	[ ! -e lake/page.viewed/2015-08-18/01 ]
}

@test "a re-run with --no-gzip removes the run id's .gz files" {
	evgen -n 200 --seed 8 >in.jsonl
	run -0 --separate-stderr evpartition -o lake --run-id r in.jsonl
	run -0 --separate-stderr evpartition -o lake --run-id r --no-gzip in.jsonl
	[ -z "$(evp_files lake | grep '\.gz$')" ]
	[ -n "$(evp_files lake | grep '\.jsonl$')" ]
}

@test "a complete run records its files and drops its journal" {
	evgen -n 200 --seed 8 >in.jsonl
	run -0 --separate-stderr evpartition -o lake --run-id r in.jsonl
	[ ! -e lake/_evpartition/active/r ]
	evp_files lake >want
	assert_files_equal lake/_evpartition/runs/r want
	# The lake's own files are hidden from evcat.
	[ "$(evcat lake | wc -l)" -eq 200 ]
}

@test "two runs with the same run id: the second exits 75" {
	mkfifo in.fifo
	evpartition -o lake --run-id same <in.fifo >out1 2>stderr1.txt &
	pid=$!
	exec 7>in.fifo
	echo '{"type":"a","time":"2015-08-18T06:00:00Z"}' >&7
	for i in $(seq 50); do [ -e lake/_evpartition/active/same ] && break; sleep 0.1; done
	sleep 0.2
	run_to_files evpartition -o lake --run-id same </dev/null
	[ "$status" -eq 75 ]
	echo "evpartition: lake: run id 'same' is being written by another evpartition" >want
	assert_files_equal "$T/err" want
	# Another run id writes the same lake meanwhile.
	echo '{"type":"a","time":"2015-08-18T06:00:00Z"}' | evpartition -o lake --run-id other >/dev/null
	exec 7>&-
	wait "$pid"
	evp_files lake >files
	printf '%s\n' a/2015-08-18/06/part-other-00000.jsonl.gz a/2015-08-18/06/part-same-00000.jsonl.gz >want
	assert_files_equal files want
}

# --- the layout record -------------------------------------------------------------

@test "a lake of another layout or fields is refused with exit 2" {
	echo '{"type":"a","kind":"b","time":"2015-08-18T06:00:00Z"}' >in.jsonl
	run -0 --separate-stderr evpartition -o lake --run-id r in.jsonl
	cp -r lake before
	EXPECT="evpartition: lake: the lake has layout '{type}/{time:%Y-%m-%d}/{time:%H}' (type field 'type', time field 'time'); refusing to add layout 'type={type}/dt={time:%Y-%m-%d}/hr={time:%H}' (type field 'type', time field 'time')" \
	    expect_usage -o lake -l hive in.jsonl
	EXPECT="evpartition: lake: the lake has layout '{type}/{time:%Y-%m-%d}/{time:%H}' (type field 'type', time field 'time'); refusing to add layout '{type}/{time:%Y-%m-%d}/{time:%H}' (type field 'kind', time field 'time')" \
	    expect_usage -o lake/ --type-field kind in.jsonl
	EXPECT="evpartition: lake: the lake has layout '{type}/{time:%Y-%m-%d}/{time:%H}' (type field 'type', time field 'time'); refusing to add layout '{type}/{time:%Y-%m-%d}/{time:%H}' (type field 'type', time field 'ts')" \
	    expect_usage -o lake --time-field ts in.jsonl
	diff -r lake before
	# The same layout spelled out is the same layout.
	run -0 --separate-stderr evpartition -o lake --run-id r2 -l '{type}/{time:%Y-%m-%d}/{time:%H}' in.jsonl
}

@test "a lake whose layout record is not one is refused with exit 2" {
	mkdir lake
	echo '{"version":1}' >lake/_evtools_layout.json
	EXPECT="evpartition: lake/_evtools_layout.json: not an evtools layout marker" expect_usage -o lake </dev/null
	[ ! -e lake/_evpartition ]
}

@test "a root that cannot be a directory is an I/O error" {
	echo x >afile
	run_to_files evpartition -o afile </dev/null
	[ "$status" -eq 3 ]
	echo "evpartition: afile: Not a directory" >want
	assert_files_equal "$T/err" want
}

# --- faults -------------------------------------------------------------------

@test "disk full: exit 3 with the path, no temporary files, committed files listed" {
	evp_tmpfs fs 1m
	evgen -n 30000 --seed 3 >in.jsonl
	run_to_files evpartition -o fs/lake --run-id f --no-gzip --max-file-bytes 100K in.jsonl
	[ "$status" -eq 3 ]
	[[ $(cat "$T/err") =~ ^evpartition:\ fs/lake/[a-z.]+/2015-08-18/00/part-f-000[0-9][0-9]\.jsonl:\ No\ space\ left\ on\ device$ ]] ||
	    fail "stderr: $(cat "$T/err")"
	evp_no_tmp fs
	[ "$(wc -l <"$T/out")" -ge 5 ]
	jq -r .path "$T/out" | sed 's|^fs/lake/||' | sort >listed
	evp_files fs/lake >files
	assert_files_equal files listed
	evp_check_files fs/lake
	# The journal is kept: nothing of the run is lost track of.
	[ -s fs/lake/_evpartition/active/f ]
}

@test "disk full during the final group commit of gzip files" {
	evp_tmpfs fs 256k
	evgen -n 4000 --seed 3 --rate 0.1 >in.jsonl  # 11 hours, 55 partitions
	run_to_files evpartition -o fs/lake --run-id f --level 1 in.jsonl
	[ "$status" -eq 3 ]
	grep -Eq '^evpartition: fs/lake/.*/part-f-00000\.jsonl\.gz: No space left on device$' "$T/err" ||
	    fail "stderr: $(cat "$T/err")"
	evp_no_tmp fs
	jq -r .path "$T/out" | sed 's|^fs/lake/||' | sort >listed
	evp_files fs/lake >files
	assert_files_equal files listed
	evp_check_files fs/lake
}

@test "a file size limit (ulimit -f): exit 3 with File too large" {
	evgen -n 3000 --seed 3 >in.jsonl
	run_to_files bash -c 'ulimit -f 100; exec evpartition -o lake --run-id f --no-gzip in.jsonl'
	[ "$status" -eq 3 ]
	echo "evpartition: lake/page.viewed/2015-08-18/00/part-f-00000.jsonl: File too large" >want
	assert_files_equal "$T/err" want
	evp_no_tmp lake
	[ -z "$(evp_files lake)" ]
}

@test "an unreadable input: exit 3, the rest written, no stale file removed" {
	evgen -n 300 --seed 3 >in.jsonl
	run -0 --separate-stderr evpartition -o lake --run-id r --max-file-events 10 in.jsonl
	n=$(evp_files lake | wc -l)
	run_to_files evpartition -o lake --run-id r in.jsonl missing.jsonl
	[ "$status" -eq 3 ]
	echo "evpartition: missing.jsonl: No such file or directory" >want
	assert_files_equal "$T/err" want
	[ "$(evp_files lake | wc -l)" -eq "$n" ]
	[ -s lake/_evpartition/active/r ]
}

@test "standard output cannot be written: exit 3, no temporary files" {
	evgen -n 300 --seed 3 >in.jsonl
	run_to_files bash -c 'evpartition -o lake --run-id r in.jsonl >/dev/full'
	[ "$status" -eq 3 ]
	echo "evpartition: write error on standard output: No space left on device" >want
	assert_files_equal "$T/err" want
	evp_no_tmp lake
}

@test "SIGTERM: commits what was read, lists it, ends by the signal" {
	mkfifo in.fifo
	evpartition -o lake --run-id r <in.fifo >out.jsonl 2>stderr.txt &
	pid=$!
	exec 7>in.fifo
	echo '{"type":"a","time":"2015-08-18T06:00:00Z"}' >&7
	for i in $(seq 50); do [ -e lake/_evpartition/active/r ] && break; sleep 0.1; done
	sleep 0.3
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	exec 7>&-
	[ "$status" -eq 143 ]
	[ "$(wc -l <out.jsonl)" -eq 1 ]
	[ -f lake/a/2015-08-18/06/part-r-00000.jsonl.gz ]
	evp_no_tmp lake
	[ -e lake/_evpartition/active/r ]
}

@test "kill -9 at random points: no partial file is ever visible, a re-run gives the clean run's files" {
	evp_tmpfs fs 256m
	evgen -n 100000 --seed 12 >fs/in.jsonl
	start=$(date +%s%N)
	run -0 --separate-stderr evpartition -o fs/clean --run-id k --max-file-events 2000 fs/in.jsonl
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	RANDOM=4242
	for i in 1 2 3 4 5 6; do
		evpartition -o fs/lake --run-id k --max-file-events 2000 fs/in.jsonl >/dev/null 2>&1 &
		pid=$!
		delay=$((RANDOM % (ms + 1)))
		sleep "$(awk -v d="$delay" 'BEGIN { printf "%.3f", d / 1000 }')"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		evp_check_files fs/lake
		# evcat reads the committed files only, never a temporary one.
		evcat fs/lake >/dev/null || fail "evcat failed after kill $i"
	done
	run -0 --separate-stderr evpartition -o fs/lake --run-id k --max-file-events 2000 fs/in.jsonl
	evp_no_tmp fs/lake
	evp_sums fs/lake >got
	evp_sums fs/clean >want
	assert_files_equal got want
}

@test "a run alone on the lake removes the temporary files killed runs left" {
	evp_tmpfs fs 64m
	evgen -n 100000 --seed 12 >fs/in.jsonl
	evpartition -o fs/lake --run-id dead --max-file-events 5000 fs/in.jsonl >/dev/null 2>&1 &
	pid=$!
	for i in $(seq 100); do
		[ -n "$(find fs/lake -name '*.evtmp' 2>/dev/null)" ] && [ -n "$(find fs/lake -name 'part-*' 2>/dev/null)" ] && break
		sleep 0.05
	done
	kill -9 "$pid"
	wait "$pid" || true
	left=$(find fs/lake -name '*.evtmp' | wc -l)
	[ "$left" -gt 0 ]
	echo '{"type":"a","time":"2015-08-18T06:00:00Z"}' >one.jsonl
	run_to_files evpartition -o fs/lake --run-id other --stats one.jsonl
	[ "$status" -eq 0 ]
	[ "$(stat_of tmp_removed)" -eq "$left" ]
	[ "$(stat_of recovered_runs)" -eq 1 ]
	evp_no_tmp fs/lake
	# The dead run's committed files are now on its list, for its re-run.
	[ ! -e fs/lake/_evpartition/active/dead ]
	evp_files fs/lake | grep part-dead- >want
	assert_files_equal fs/lake/_evpartition/runs/dead want
}

@test "while another run writes the lake, only the run id's own leftovers are removed" {
	evp_tmpfs fs 64m
	mkdir -p fs/lake/x/2015-08-18/06 fs/lake/_evpartition/active
	echo '{"type":"x","time":"2015-08-18T06:00:00Z"}' | evpartition -o fs/lake --run-id seed >/dev/null
	# Two killed runs' leftovers, each named in its journal.
	for id in dead mine; do
		touch "fs/lake/x/2015-08-18/06/.part-$id-00000.jsonl.gz.999.0badf00d.evtmp"
		echo "x/2015-08-18/06/part-$id-00000.jsonl.gz" >"fs/lake/_evpartition/active/$id"
	done
	mkfifo in.fifo
	evpartition -o fs/lake --run-id busy <in.fifo >/dev/null 2>&1 &
	pid=$!
	exec 7>in.fifo
	for i in $(seq 50); do [ -e fs/lake/_evpartition/active/busy ] && break; sleep 0.1; done
	sleep 0.5
	# It was alone at its start: it removed both.
	[ -z "$(find fs/lake -name '*.evtmp')" ]
	[ ! -e fs/lake/_evpartition/active/dead ]
	touch "fs/lake/x/2015-08-18/06/.part-dead-00000.jsonl.gz.999.0badf00d.evtmp"
	echo "x/2015-08-18/06/part-dead-00000.jsonl.gz" >fs/lake/_evpartition/active/dead
	touch "fs/lake/x/2015-08-18/06/.part-mine-00000.jsonl.gz.999.0badf00d.evtmp"
	echo "x/2015-08-18/06/part-mine-00000.jsonl.gz" >fs/lake/_evpartition/active/mine
	run_to_files evpartition -o fs/lake --run-id mine --stats </dev/null
	[ "$status" -eq 0 ]
	[ "$(stat_of tmp_removed)" -eq 1 ]
	[ -e "fs/lake/x/2015-08-18/06/.part-dead-00000.jsonl.gz.999.0badf00d.evtmp" ]
	[ ! -e "fs/lake/x/2015-08-18/06/.part-mine-00000.jsonl.gz.999.0badf00d.evtmp" ]
	exec 7>&-
	wait "$pid"
}

# --- many partitions, few descriptors ----------------------------------------------

@test "20,000 partitions under ulimit -n 256: one file each, bounded memory" {
	evp_tmpfs fs 512m
	# Two events for each of 20,000 types, interleaved.
	awk 'BEGIN { for (r = 0; r < 2; r++) for (i = 0; i < 20000; i++) {
		j = (i * 7919 + r * 104729) % 20000
		printf "{\"id\":\"%d-%d\",\"type\":\"t%05d\",\"time\":\"2015-08-18T06:%02d:00Z\"}\n", r, j, j, r } }' >fs/in.jsonl
	# At most 256 MB of address space (not under the sanitizers, which
	# reserve terabytes of shadow memory).
	limit='ulimit -v 262144;'
	[ -z "${EV_SANITIZER:-}" ] || limit=
	run_to_files bash -c "ulimit -n 256; $limit exec evpartition -o fs/lake --run-id m --stats fs/in.jsonl"
	[ "$status" -eq 0 ] || fail "exit $status: $(tail -3 "$T/err")"
	[ "$(wc -l <"$T/out")" -eq 20000 ]
	[ "$(evp_files fs/lake | wc -l)" -eq 20000 ]
	[ "$(stat_of max_open)" -eq 224 ]
	[ "$(stat_of reopens)" -gt 0 ]
	jq -s 'map(.events) | unique' "$T/out" | jq -c . | grep -qx '\[2\]'
	gzip -dc fs/lake/t12345/2015-08-18/06/part-m-00000.jsonl.gz >got
	printf '%s\n' '{"id":"0-12345","type":"t12345","time":"2015-08-18T06:00:00Z"}' '{"id":"1-12345","type":"t12345","time":"2015-08-18T06:01:00Z"}' >want
	assert_files_equal got want
	evcat fs/lake | sort >back
	sort fs/in.jsonl >want
	assert_files_equal back want
}

@test "--max-open does not change the files" {
	evp_tmpfs fs 64m
	awk 'BEGIN { for (i = 0; i < 3000; i++) printf "{\"type\":\"t%d\",\"time\":\"2015-08-18T06:00:00Z\",\"n\":%d}\n", i % 300, i }' >in.jsonl
	run_to_files evpartition -o fs/a --run-id r --max-open 1 --stats in.jsonl
	[ "$status" -eq 0 ]
	[ "$(stat_of reopens)" -gt 0 ]
	run -0 --separate-stderr evpartition -o fs/b --run-id r in.jsonl
	evp_sums fs/a >sa
	evp_sums fs/b >sb
	assert_files_equal sa sb
}

@test "--threads does not change the files" {
	evp_tmpfs fs 128m && cd fs
	evgen -n 40000 --seed 6 --rate 20 >in.jsonl
	for t in 1 2 5; do
		run -0 --separate-stderr evpartition -o "t$t" --run-id r --threads $t --max-file-events 7000 in.jsonl
		evp_sums "t$t" >"s$t"
	done
	assert_files_equal s2 s1
	assert_files_equal s5 s1
	evp_check_files t5
	# With a size limit too, where rolling depends on compressed sizes.
	for t in 1 3; do
		run -0 --separate-stderr evpartition -o "b$t" --run-id r --threads $t --max-file-bytes 100K in.jsonl
		evp_sums "b$t" >"bs$t"
	done
	assert_files_equal bs3 bs1
	[ "$(wc -l <bs1)" -gt 10 ]
	EXPECT="evpartition: --threads: too small value '0'" expect_usage -o lake --threads 0
}

@test "memory stays flat: buffers of partitions no longer written are freed" {
	evgen -n 200000 --seed 1 >in.jsonl # 5.5 hours
	run_to_files evpartition -o lake --run-id r --stats in.jsonl
	[ "$status" -eq 0 ]
	[ "$(stat_of buffer_evictions)" -gt 0 ]
	peak=$(stat_of peak_buffer_bytes)
	[ "$peak" -lt $((12 << 20)) ] || fail "peak buffers $peak"
}

# --- a real engine reads the lake -----------------------------------------------------

@test "DuckDB reads the Hive layout: same count per type and hour as evcat" {
	evp_duckdb
	evgen -n 30000 --seed 31 --rate 2 >in.jsonl # 4 hours
	run -0 --separate-stderr evpartition -o hive -l hive --run-id d in.jsonl
	node "$F/duckdb_counts.cjs" "$EVP_NODE" hive >duck 2>duck.err || fail "$(cat duck.err)"
	evcat hive | jq -r '[.type, .time[0:10], .time[11:13]] | @tsv' | sort | uniq -c |
	    awk '{ printf "%s\t%s\t%s\t%s\n", $2, $3, $4, $1 }' >want
	[ "$(wc -l <want)" -ge 20 ]
	assert_files_equal duck want
}

@test "DuckDB decodes escaped Hive values and reads the default partition as NULL" {
	evp_duckdb
	printf '%s\n' '{"type":"a/b c","time":"2015-08-18T06:00:00Z"}' '{"type":"x:y=z%","time":"2015-08-18T06:00:00Z"}' \
	    '{"type":"_u","time":"2015-08-18T06:00:00Z"}' '{"type":null,"time":"2015-08-18T06:00:00Z"}' >in.jsonl
	run -0 --separate-stderr evpartition -o hive -l hive --run-id d --default-partition __HIVE_DEFAULT_PARTITION__ in.jsonl
	node "$F/duckdb_counts.cjs" "$EVP_NODE" hive >duck 2>duck.err || fail "$(cat duck.err)"
	printf '%s\t2015-08-18\t06\t1\n' _u 'a/b c' 'x:y=z%' null >want
	assert_files_equal duck want
}

# --- the manual -------------------------------------------------------------------------

@test "man page: lint clean" {
	run mandoc -Tlint -W warning "$EV_ROOT/man/evpartition.1"
	assert_success
	assert_output ''
}

@test "man page: SYNOPSIS is the usage text" {
	MANWIDTH=200 mandoc -Tascii "$EV_ROOT/man/evpartition.1" | col -b |
	    awk '/^SYNOPSIS/{on=1; next} /^[A-Z]/{on=0} on' | tr -s ' \t\n' ' ' |
	    sed 's/^ //; s/ $//' >synopsis
	printf '%s\n' "$USAGE" | sed '1s/^usage: //' | tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//' >usage
	assert_files_equal synopsis usage
}

@test "man page: the EXAMPLES run" {
	load test_helper/docs
	mkdir -p incoming
	evgen -n 600 --seed 1 -S now-1h >incoming/sample.jsonl
	{
		echo 'set -eo pipefail'
		man_examples "$EV_ROOT/man/evpartition.1"
	} >examples.sh
	[ "$(grep -c evpartition examples.sh)" -ge 5 ]
	run_to_files bash examples.sh
	[ "$status" -eq 0 ] || fail "examples failed: $(cat "$T/err")"
	# The re-run printed nothing: cmp found the listing unchanged.
	[ -d lake ] && [ -d hive ] && [ -d mail ]
	[ -n "$(evp_files mail | grep '^acme/2015/08/18/')" ]
	grep -q '^[0-9]*$' <(sed -n 1p "$T/out")
}
