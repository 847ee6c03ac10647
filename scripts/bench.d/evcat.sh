# evcat: validate and pass through, beside jq -c . and the pipe itself.
# Targets: >= 10x jq's speed; >= 25% of cat | cat's throughput; flat memory.
bench_evcat() {
	bench_compare "evcat: validate and pass through ($BENCH_N events)" \
		"evcat" "evcat '$DATA' | cat >/dev/null" \
		"cat | cat" "cat '$DATA' | cat >/dev/null" \
		"jq -c ." "jq -c . '$DATA' >/dev/null"
	bench_compare "evcat: select a type and a time range" \
		"evcat -t 'user.*' --since --until" "evcat -t 'user.*' --since 2015-08-18T06:00:00Z --until 2015-08-18T18:00:00Z '$DATA' >/dev/null" \
		"jq select" "jq -c 'select((.type|startswith(\"user.\")) and .time >= \"2015-08-18T06:00:00Z\" and .time < \"2015-08-18T18:00:00Z\")' '$DATA' >/dev/null"
	head -n $((BENCH_N / 10)) "$DATA" >"$WORK/tenth.jsonl"
	printf '\n| evcat memory | |\n|---|---|\n' | tee -a "$RESULTS"
	bench_rss "evcat, 1/10 of the data" "evcat '$WORK/tenth.jsonl'"
	bench_rss "evcat, all of the data" "evcat '$DATA'"
}
