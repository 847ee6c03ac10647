# evscore: the example trust model (scripts/examples/email-trust.yaml: 18
# rules, 2 overrides, 3 groups, 5 lists) beside jq running the same model
# written out in jq (scripts/bench.d/evscore.jq), on the same data in the
# same run: all the events (email.received scored, the rest passed on), and
# the email.received events alone, where all the work is.
# Targets: >= 10x jq's speed; flat memory.
bench_evscore() {
	local ex="$ROOT/scripts/examples" mail="$WORK/email-received.jsonl"
	local model="$ex/email-trust.yaml" prog="$ROOT/scripts/bench.d/evscore.jq"
	local jqargs n f
	jqargs="--rawfile lookalike '$ex/lists/lookalike-domains.txt'"
	jqargs+=" --rawfile badnets '$ex/lists/bad-nets.txt'"
	jqargs+=" --rawfile providers '$ex/lists/provider-nets.txt'"
	jqargs+=" --rawfile blocked '$ex/lists/blocked-domains.txt'"
	jqargs+=" --rawfile acme '$ex/lists/acme-allow.txt'"
	evcat -t email.received "$DATA" >"$mail"
	n=$(wc -l <"$mail")

	# The two must agree before they are timed: same verdicts, values,
	# logits and reasons, event by event, on the first 20000 events.
	f='[.id, .score.verdict, .score.value, .score.logit, [.score.reasons[]? | .rule // .group], [.score.reasons[]?.contribution]]'
	head -n 20000 "$DATA" >"$WORK/evscore-sample.jsonl"
	evscore -m "$model" "$WORK/evscore-sample.jsonl" | jq -c "$f" >"$WORK/evscore-sample.evscore"
	eval "jq -n -c $jqargs -f '$prog' '$WORK/evscore-sample.jsonl'" | jq -c "$f" >"$WORK/evscore-sample.jq"
	if ! cmp -s "$WORK/evscore-sample.evscore" "$WORK/evscore-sample.jq"; then
		echo "bench: evscore and the jq program disagree:" >&2
		diff "$WORK/evscore-sample.evscore" "$WORK/evscore-sample.jq" | head -5 >&2
		return 1
	fi
	printf '\nevscore and jq agree on every verdict, value and reason of the first 20000 events.\n' |
		tee -a "$RESULTS"

	bench_compare "evscore: the email-trust model, $BENCH_N events (email.received scored)" \
		"evscore" "evscore -m '$model' '$DATA' >/dev/null" \
		"jq" "jq -n -c $jqargs -f '$prog' '$DATA' >/dev/null"
	# MB/s of this table are of the mail file.
	local saved=$DATA_BYTES
	DATA_BYTES=$(stat -c %s "$mail")
	bench_compare "evscore: the email-trust model, the $n email.received events alone" \
		"evscore" "evscore -m '$model' '$mail' >/dev/null" \
		"jq" "jq -n -c $jqargs -f '$prog' '$mail' >/dev/null"
	DATA_BYTES=$saved

	head -n $((BENCH_N / 10)) "$DATA" >"$WORK/tenth.jsonl"
	printf '\n| evscore memory | |\n|---|---|\n' | tee -a "$RESULTS"
	bench_rss "evscore, 1/10 of the data" "evscore -m '$model' '$WORK/tenth.jsonl'"
	bench_rss "evscore, all of the data" "evscore -m '$model' '$DATA'"
}
