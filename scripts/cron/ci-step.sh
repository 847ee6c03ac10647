#!/usr/bin/env bash
# ci-step.sh - a CI build step (Jenkins "Execute shell", a GitLab or GitHub
# Actions script step): validate, score and partition the events of a build
# into a lake, and fail the build exactly when a tool's exit status says so.
#
#   ci-step.sh -i input -o lake [-m model] [-a artifacts] [-n run-id]
#
#   evcat input | evscore -m model | evpartition -o lake --run-id run-id
#
# input is a file or a directory of the build's events (gzip or not).
# model defaults to scripts/examples/email-trust.yaml.  artifacts (default
# ci-artifacts, in the current directory, which is the workspace in
# Jenkins) receives each tool's rejected lines, evcat.rejects.jsonl,
# evscore.rejects.jsonl and evpartition.rejects.jsonl, and the list of
# files written, committed.jsonl: archive it with the build.  The run id,
# -n, defaults to $BUILD_TAG (jenkins-JOB-NUMBER), made safe for evpartition,
# else "ci": building the same build again replaces its files instead of
# adding a second copy (evpartition(1), Run ids and re-runs).
#
# Every stage's status is looked at, not only the last one's.  Each stage
# that failed is named on the standard error, with what its status means
# (evtools(7)):
#
#   ci-step: evcat: input rejected (exit 1): 2 lines in ci-artifacts/evcat.rejects.jsonl
#   ci-step: FAILED: input rejected
#
# A stage ended by SIGPIPE because a later stage had failed is not named:
# the later one is.  Exit status, and what the build should do with it:
#
#   0   every stage succeeded: the build passes.
#   1   input was rejected (a stage exited 1; the good lines were still
#       written): the build fails.
#   2   a usage or configuration error, such as a bad model: fails.
#   3   a system failure (I/O, a full disk, an unwritable lake) or a stage
#       killed by a signal: fails.
#   75  another run with the same run id is writing the lake: nothing was
#       done.  Set Jenkins' "Exit code to set build unstable" (advanced
#       options of the shell step) to 75, or allow_failure: exit_codes: 75
#       in GitLab, so that this is not a failure.
#
# When several stages fail, the status is the worst of them: 3, then 2,
# then 1.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {
	echo "usage: ci-step.sh -i input -o lake [-m model] [-a artifacts] [-n run-id]" >&2
	exit 2
}

input='' lake='' model="$here/../examples/email-trust.yaml" art=ci-artifacts
run=${BUILD_TAG:-ci}
while getopts 'i:o:m:a:n:' opt; do
	case $opt in
	i) input=$OPTARG ;;
	o) lake=$OPTARG ;;
	m) model=$OPTARG ;;
	a) art=$OPTARG ;;
	n) run=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -gt 0 ] || [ -z "$input" ] || [ -z "$lake" ]; then usage; fi
# evpartition run ids: letters, digits, '.', '_' and '-', from a letter or digit.
run=$(printf '%s' "$run" | tr -c 'A-Za-z0-9._-' '_' | cut -c1-100)
case $run in [A-Za-z0-9]*) ;; *) run="ci$run" ;; esac
run=${run:0:100}

if ! mkdir -p "$art"; then
	echo "ci-step: FAILED: system failure: cannot create $art" >&2
	exit 3
fi

evcat --reject "$art/evcat.rejects.jsonl" "$input" |
	evscore -m "$model" --reject "$art/evscore.rejects.jsonl" |
	evpartition -o "$lake" --run-id "$run" \
		--reject "$art/evpartition.rejects.jsonl" >"$art/committed.jsonl"
st=("${PIPESTATUS[@]}")
stages=(evcat evscore evpartition)

worst=0 locked=0 later_failed=0
# From the last stage back, so that SIGPIPE after a later failure is known.
for ((i = ${#st[@]} - 1; i >= 0; i--)); do
	s=${st[i]} name=${stages[i]} what=''
	case $s in
	0) continue ;;
	1)
		what="input rejected (exit 1)"
		f="$art/$name.rejects.jsonl"
		if [ -s "$f" ]; then
			n=$(wc -l <"$f")
			what="$what: $n line$([ "$n" -eq 1 ] || echo s) in $f"
		fi
		[ "$worst" -ge 1 ] || worst=1
		;;
	2)
		what="usage or configuration error (exit 2)"
		[ "$worst" -ge 2 ] || worst=2
		;;
	3)
		what="system failure (exit 3)"
		worst=3
		;;
	75)
		what="another run holds the lock (exit 75)"
		locked=1
		;;
	141)
		[ "$later_failed" -eq 1 ] && continue
		what="system failure (killed by SIGPIPE)"
		worst=3
		;;
	*)
		if [ "$s" -gt 128 ]; then
			what="system failure (killed by signal $((s - 128)))"
		else
			what="system failure (unexpected exit $s)"
		fi
		worst=3
		;;
	esac
	later_failed=1
	echo "ci-step: $name: $what" >&2
done

case $worst in
0)
	if [ "$locked" -eq 1 ]; then
		echo "ci-step: SKIPPED: another run with id $run is writing $lake" >&2
		exit 75
	fi
	echo "ci-step: OK: $(wc -l <"$art/committed.jsonl") files written to $lake (run $run)" >&2
	exit 0
	;;
1) echo "ci-step: FAILED: input rejected" >&2 ;;
2) echo "ci-step: FAILED: usage or configuration error" >&2 ;;
*) echo "ci-step: FAILED: system failure" >&2 ;;
esac
exit "$worst"
