#!/usr/bin/env bats
# evcat --checkpoint and --from: a cron job that runs again reads exactly
# the new lines; rotated files are recognised; a second run on a held
# checkpoint exits 75; SIGKILL loses no line.

setup() {
	load test_helper/common
	ev_setup
	load test_helper/evcat
	cd "$T"
}

teardown() {
	kill_background
}

@test "a re-run reads exactly the lines appended since the last run" {
	add 1 3 log
	run_to_files evcat --checkpoint cp log
	[ "$status" -eq 0 ]
	want 1 3
	assert_files_equal out expected
	run_to_files evcat --checkpoint cp log
	[ "$status" -eq 0 ]
	[ ! -s out ] && [ ! -s err ]
	for round in 1 2 3; do
		add $((round * 10)) $((round * 10 + 4)) log
		run_to_files evcat --checkpoint cp log
		[ "$status" -eq 0 ]
		want $((round * 10)) $((round * 10 + 4))
		assert_files_equal out expected
	done
	# The checkpoint: version 1, the file, its position after the last line.
	run jq -c '[.version, (.files | length), .files[0].path, .files[0].offset, .files[0].line, .files[0].gzip, .files[0].fingerprint_bytes]' cp
	assert_output "[1,1,\"log\",$(stat -c %s log),18,false,$(stat -c %s log)]"
	[ "$(jq -r '.files[0].ino' cp)" = "$(stat -c %i log)" ]
	[ "$(jq -r '.files[0].dev' cp)" = "$(stat -c %d log)" ]
	# Committed atomically: no temporary files are left.
	[ "$(ls -A | grep -c evtmp)" -eq 0 ]
}

@test "rejected and blank lines are passed over once, like accepted ones" {
	printf '{"n":1}\nbad\n\n' >log
	run_to_files evcat --checkpoint cp log
	[ "$status" -eq 1 ]
	printf '{"n":2}\n' >>log
	run_to_files evcat --checkpoint cp --stats log
	[ "$status" -eq 0 ]
	want 2 2
	assert_files_equal out expected
	assert_stats err '{"tool":"evcat","lines_in":1,"blank":0,"rejected":0,"lines_out":1,"bytes_in":8,"bytes_out":8,"filtered":0,"files":1,"pruned_dirs":0}'
}

@test "a last line without newline waits for its newline" {
	printf '{"n":1}\n{"n":' >log
	run_to_files evcat --checkpoint cp log
	[ "$status" -eq 0 ]
	want 1 1
	assert_files_equal out expected
	printf '%s\n' 'evcat: log: last line has no newline yet; left for the next run' >expected
	assert_files_equal err expected
	printf '2}' >>log
	run_to_files evcat --checkpoint cp log
	[ ! -s out ]
	assert_files_equal err expected
	printf '\n' >>log
	run_to_files evcat --checkpoint cp log
	[ "$status" -eq 0 ]
	want 2 2
	assert_files_equal out expected
	[ ! -s err ]
}

@test "a renamed (rotated) file is recognised by device, inode and content" {
	add 1 2 log
	evcat --checkpoint cp log >/dev/null
	add 3 4 log
	mv log log.1
	add 100 101 log
	run_to_files evcat --checkpoint cp log.1 log
	[ "$status" -eq 0 ]
	{ want 3 4; add 100 101 expected; }
	assert_files_equal out expected
	[ ! -s err ]
	run jq -r '.files[] | "\(.path) \(.line)"' cp
	assert_output 'log.1 4
log 2'
	# Next rotation: log.1 is gone, log becomes log.1.
	rm log.1
	add 102 102 log
	mv log log.1
	add 200 200 log
	run_to_files evcat --checkpoint cp log.1 log
	{ want 102 102; add 200 200 expected; }
	assert_files_equal out expected
	# The deleted file's entry is dropped.
	[ "$(jq '.files | length' cp)" -eq 2 ]
}

@test "a copied or compressed rotation resumes after the line already read" {
	# More than 1024 bytes before the first run: a full fingerprint.
	add 1 150 log
	evcat --checkpoint cp log >/dev/null
	add 151 160 log
	gzip -n -c log >log.1.gz
	rm log
	add 500 501 log
	run_to_files evcat --checkpoint cp log.1.gz log
	[ "$status" -eq 0 ]
	{ want 151 160; add 500 501 expected; }
	assert_files_equal out expected
	printf '%s\n' 'evcat: log.1.gz: same content as log in the checkpoint; resuming after line 150' >expected
	assert_files_equal err expected
	# The compressed file then has its own entry.
	run_to_files evcat --checkpoint cp log.1.gz log
	[ ! -s out ] && [ ! -s err ]
	[ "$(jq -r '.files[] | select(.path == "log.1.gz") | "\(.gzip) \(.line)"' cp)" = "true 160" ]
}

@test "a short file (under 1024 bytes) is not matched by content" {
	add 1 3 log
	evcat --checkpoint cp log >/dev/null
	cp log copy
	run_to_files evcat --checkpoint cp copy
	want 1 3
	assert_files_equal out expected
	[ ! -s err ]
}

@test "a gzip file that grows by appended members resumes in the decompressed stream" {
	add 1 3 /dev/stdout | gzip -n >log.gz
	evcat --checkpoint cp log.gz >/dev/null
	add 4 5 /dev/stdout | gzip -n >>log.gz
	run_to_files evcat --checkpoint cp log.gz
	[ "$status" -eq 0 ]
	want 4 5
	assert_files_equal out expected
	[ "$(jq -r '.files[0].offset' cp)" -eq 40 ]
}

@test "a file truncated and rewritten under the same inode is read from the start" {
	add 1 5 log
	evcat --checkpoint cp log >/dev/null
	: >log
	add 7 8 log
	run_to_files evcat --checkpoint cp log
	[ "$status" -eq 0 ]
	want 7 8
	assert_files_equal out expected
}

@test "directories: new files are read whole, known files from their position" {
	mkdir d
	add 1 2 d/a
	evcat --checkpoint cp d >/dev/null
	add 3 3 d/a
	add 10 11 d/b
	run_to_files evcat --checkpoint cp d
	[ "$status" -eq 0 ]
	{ want 3 3; add 10 11 expected; }
	assert_files_equal out expected
}

@test "--from end: without a checkpoint start at the end; with one, only then" {
	add 1 3 log
	run_to_files evcat --from end log
	[ "$status" -eq 0 ]
	[ ! -s out ]
	run_to_files evcat --from end --checkpoint cp log
	[ ! -s out ]
	add 4 5 log
	run_to_files evcat --from end --checkpoint cp log
	want 4 5
	assert_files_equal out expected
	# A pipe has no end to start from: it is read.
	cat log >pipe.in
	run_to_files bash -c 'cat pipe.in | evcat --from end'
	want 1 5
	assert_files_equal out expected
	# --from beginning is the default.
	run_to_files evcat --from beginning log
	assert_files_equal out expected
}

@test "a second run on a held checkpoint exits 75 at once" {
	add 1 1 log
	# The test holds the lock itself.
	exec 9>cp.lock
	flock -n 9
	start=$SECONDS
	run_to_files evcat --checkpoint cp log
	[ "$status" -eq 75 ]
	# Not waiting for the lock (which the test never releases here).
	[ $((SECONDS - start)) -le 20 ]
	[ ! -s out ]
	printf '%s\n' 'evcat: checkpoint cp is in use by another run' >expected
	assert_files_equal err expected
	exec 9>&-
	# A running evcat holds it too.
	mkfifo fifo
	evcat --checkpoint cp fifo >/dev/null 2>first.err 3>&- &
	first=$!
	exec 7<>fifo
	# Wait until it holds the lock, looking in /proc/locks: trying the
	# lock would hold it for a moment, and a run starting then would find
	# it taken.  Generous: a sanitizer build on a loaded machine starts
	# slowly.
	WAIT_TIMEOUT=60 wait_for bash -c "grep -qE ' $first [0-9a-f]+:[0-9a-f]+:$(stat -c %i cp.lock) ' /proc/locks || ! kill -0 $first"
	kill -0 "$first" || fail "the first evcat ended early: $(cat first.err)"
	run_to_files evcat --checkpoint cp log
	[ "$status" -eq 75 ]
	assert_files_equal err expected
	exec 7>&-
	wait "$first"
	run_to_files evcat --checkpoint cp log
	[ "$status" -eq 0 ]
}

@test "a checkpoint that is not one is a usage error; an unwritable place an I/O error" {
	add 1 1 log
	printf 'junk\n' >cp
	run_to_files evcat --checkpoint cp log
	[ "$status" -eq 2 ]
	[ ! -s out ]
	printf '%s\n' 'evcat: checkpoint cp: not valid JSON' >expected
	assert_files_equal err expected
	printf '{"version":2,"files":[]}\n' >cp
	run_to_files evcat --checkpoint cp log
	[ "$status" -eq 2 ]
	printf '%s\n' 'evcat: checkpoint cp: not an evtools checkpoint (version 1)' >expected
	assert_files_equal err expected
	printf '{"version":1,"files":[{"path":"log"}]}\n' >cp
	run_to_files evcat --checkpoint cp log
	[ "$status" -eq 2 ]
	printf '%s\n' 'evcat: checkpoint cp: entry 1 is malformed' >expected
	assert_files_equal err expected
	run_to_files evcat --checkpoint "$T/no/such/dir/cp" log
	[ "$status" -eq 3 ]
	printf '%s\n' "evcat: checkpoint lock $T/no/such/dir/cp.lock: No such file or directory" >expected
	assert_files_equal err expected
}

@test "SIGKILL during a checkpointed run, then a re-run: no line is lost" {
	# A first run leaves a checkpoint in the middle of the file.
	evgen -n 20000 --seed 9 >all
	head -n 5000 all >log
	evcat --checkpoint cp log >out0
	tail -n +5001 all >>log
	cp cp cp.before
	# The second run writes into a slow consumer and is killed mid-way.
	mkfifo pipe
	# (It keeps the FIFO open: evcat blocks, it does not get SIGPIPE.)
	{
		exec 8<pipe
		head -c 300000 <&8 >out1
		exec sleep 60
	} 3>&- &
	consumer=$!
	evcat --checkpoint cp log >pipe 3>&- &
	victim=$!
	wait_for has_bytes out1 300000
	kill -9 "$victim"
	wait "$victim" || true
	kill "$consumer" 2>/dev/null || true
	# The checkpoint file is whole: the old one or a new one.
	jq -e '.version == 1' cp >/dev/null
	run_to_files evcat --checkpoint cp log
	[ "$status" -eq 0 ]
	cp out out2
	# Complete lines only from the killed run.
	head -n "$(($(wc -l <out1)))" out1 >out1.lines
	sort -u out0 out1.lines out2 >union
	sort -u all >expected
	assert_files_equal union expected
	# The re-run starts at or before where the killed one stopped, and not
	# before the first run's end.
	first=$(head -n 1 out2)
	pos=$(grep -nxF -- "$first" all | cut -d: -f1)
	[ "$pos" -eq 5001 ] || [ "$pos" -le $((5000 + $(wc -l <out1.lines) + 1)) ]
	[ "$pos" -ge 5001 ]
}
