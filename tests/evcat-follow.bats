#!/usr/bin/env bats
# evcat -f: growing files, new files in followed directories, rotation by
# rename and by copytruncate, --idle-exit, checkpoints while following.
#
# Writers run in the test itself; the test polls for the output it expects
# (wait_for) instead of sleeping, and ends evcat with SIGTERM once it has
# it, so slow machines make the tests slower, not flaky.  --idle-exit is
# always given as a safety net.

setup() {
	load test_helper/common
	ev_setup
	load test_helper/evcat
	cd "$T"
}

teardown() {
	kill_background
}

# Starts evcat -f in the background with "$@", output to out and err.
follow() {
	evcat -f --idle-exit 60s "$@" >out 2>err 3>&- &
	pid=$!
}

# Ends the background evcat with SIGTERM; expects the clean exit 143.
stop() {
	kill -TERM "$pid"
	WAIT_TIMEOUT=10 wait_for has_ended "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 143 ] || fail "evcat -f ended with $status: $(cat err)"
}

# Fails unless out holds exactly the lines of expected, in any order, each
# once.
assert_same_lines() {
	sort out >out.sorted
	sort expected >expected.sorted
	assert_files_equal out.sorted expected.sorted
}

@test "-f reads a growing file, including a line completed later" {
	add 1 2 log
	follow log
	wait_for has_lines out 2
	add 3 5 log
	printf '{"n":' >>log
	wait_for has_lines out 5
	printf '6}\n' >>log
	wait_for has_lines out 6
	stop
	want 1 6
	assert_files_equal out expected
	[ ! -s err ]
}

@test "-f on a directory picks up new files, also in new subdirectories" {
	mkdir d
	add 1 1 d/a
	follow d
	wait_for has_lines out 1
	add 2 3 d/b
	wait_for has_lines out 3
	mkdir d/sub
	add 4 4 d/sub/c
	add 5 5 d/a
	printf '{"n":99}\n' >d/.hidden
	wait_for has_lines out 5
	stop
	want 1 5
	assert_same_lines
}

@test "-f on an operand that appears later reads it when it does" {
	add 1 1 log
	follow log later
	wait_for has_lines out 1
	add 2 2 later
	wait_for has_lines out 2
	stop
	want 1 2
	assert_files_equal out expected
	printf '%s\n' 'evcat: later: No such file or directory' >expected
	assert_files_equal err expected
}

@test "rename and create rotation: no line lost, none repeated" {
	add 1 3 log
	follow log
	wait_for has_lines out 3
	# The writer keeps its descriptor across the rename, like a logger that
	# reopens late; the builtin printf writes at once.
	exec 7>>log
	printf '{"n":4}\n' >&7
	mv log log.1
	printf '{"n":5}\n' >&7
	exec 7>&-
	add 6 7 log
	wait_for has_lines out 7
	add 8 8 log
	wait_for has_lines out 8
	stop
	want 1 8
	assert_same_lines
	# The new file is read in order.
	grep -n . out | grep -q '{"n":8}' 
	[ "$(grep -xn '{"n":6}' out | cut -d: -f1)" -lt "$(grep -xn '{"n":8}' out | cut -d: -f1)" ]
}

@test "copytruncate rotation in a followed directory: no line lost, none repeated" {
	mkdir d
	# More than 1024 bytes before the rotation: the copy is found by its
	# content (a shorter file's copy would be read again: at least once).
	add 1 150 d/log
	follow d
	wait_for has_lines out 150
	add 151 151 d/log
	cp d/log d/log.1
	: >d/log
	add 152 152 d/log
	wait_for has_text err 'evcat: d/log: file truncated; reading it from the start'
	wait_for has_text out '{"n":152}'
	wait_for has_text out '{"n":151}'
	add 153 153 d/log
	wait_for has_text out '{"n":153}'
	stop
	want 1 153
	assert_same_lines
}

@test "copytruncate seen between the copy and the truncation: no line repeated" {
	mkdir d
	add 1 150 d/log
	follow d
	wait_for has_lines out 150
	add 151 151 d/log
	cp d/log d/log.1
	# Let evcat look (the poll is every 200 ms) while the copy exists and
	# the original is not truncated yet (regression: the copy was read from
	# the original's position and the lines after it came twice).
	sleep 0.6
	: >d/log
	add 152 152 d/log
	wait_for has_text err 'evcat: d/log: file truncated; reading it from the start'
	wait_for has_text out '{"n":152}'
	wait_for has_text out '{"n":151}'
	add 153 153 d/log
	wait_for has_text out '{"n":153}'
	stop
	want 1 153
	assert_same_lines
}

@test "--idle-exit ends following after that long without data" {
	add 1 2 log
	start=$(date +%s%N)
	run_to_files evcat -f --idle-exit 500ms log
	elapsed=$((($(date +%s%N) - start) / 1000000))
	[ "$status" -eq 0 ]
	want 1 2
	assert_files_equal out expected
	[ ! -s err ]
	[ "$elapsed" -ge 500 ]
	[ "$elapsed" -lt 10000 ]
}

@test "-f on standard input ends at its end" {
	add 1 3 log
	run_to_files timeout 10 evcat -f <log
	[ "$status" -eq 0 ]
	want 1 3
	assert_files_equal out expected
	# A pipe that stays open is followed until --idle-exit.
	run_to_files timeout 10 evcat -f --idle-exit 300ms < <(cat log; exec sleep 3)
	[ "$status" -eq 0 ]
	assert_files_equal out expected
}

@test "-f flushes what it has before waiting for more" {
	add 1 1 log
	# A pipe consumer sees the line while evcat still waits.
	mkfifo pipe
	evcat -f --idle-exit 60s log >pipe 3>&- &
	pid=$!
	exec 8<pipe
	read -r -t 20 line <&8
	[ "$line" = '{"n":1}' ]
	has_ended "$pid" && fail "evcat ended"
	kill -TERM "$pid"
	wait "$pid" || true
	exec 8<&-
}

@test "-f with --checkpoint: SIGTERM saves the position of what was written" {
	add 1 5 log
	follow --checkpoint cp log
	wait_for has_lines out 5
	add 6 7 log
	wait_for has_lines out 7
	stop
	[ "$(jq -r '.files[0].line' cp)" -eq 7 ]
	add 8 8 log
	run_to_files evcat --checkpoint cp log
	want 8 8
	assert_files_equal out expected
}

@test "-f with --checkpoint: SIGKILL, then a re-run: no line lost, the re-run starts at or before the kill" {
	evgen -n 3000 --seed 4 >all
	head -n 1000 all >log
	follow --checkpoint cp log
	wait_for has_lines out 1000
	# Positions are saved while waiting for data, at most once a second.
	wait_for test -s cp
	wait_for bash -c '[ "$(jq -r ".files[0].line" cp)" -eq 1000 ]'
	sed -n '1001,2000p' all >>log
	wait_for has_lines out 1500
	kill -9 "$pid"
	wait "$pid" || true
	saved=$(jq -r '.files[0].line' cp)
	written=$(wc -l <out)
	cp out out1
	[ "$saved" -le "$written" ]
	sed -n '2001,3000p' all >>log
	run_to_files evcat --checkpoint cp log
	[ "$status" -eq 0 ]
	# Every line is in one of the outputs (duplicates allowed).
	sort -u out1 out >union
	sort -u all >expected
	assert_files_equal union expected
	# The re-run starts right after the saved position: at or before where
	# the killed run stopped.
	first=$(head -n 1 out)
	pos=$(grep -nxF -- "$first" all | cut -d: -f1)
	[ "$pos" -eq $((saved + 1)) ]
	[ "$pos" -le $((written + 1)) ]
}
