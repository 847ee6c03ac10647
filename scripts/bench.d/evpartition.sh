# evpartition: the default layout (type/date/hour) in gzip files, level 6,
# beside gzip -6 over the same bytes and Miller splitting by type.
# Targets: at most 1.3x gzip's time; at least 4x faster than mlr; flat
# memory (peak RSS independent of the input size).
bench_evpartition() {
	local dir="$WORK/evpartition"
	rm -rf "$dir"
	mkdir -p "$dir/mlr"
	# The same run id every time: each run replaces the previous run's
	# files, as a retried cron job does.
	bench_compare "evpartition: default layout, gzip -6 ($BENCH_N events)" \
		"evpartition" "evpartition -o '$dir/lake' --run-id bench '$DATA' >/dev/null" \
		"gzip -6" "gzip -6 -c '$DATA' >/dev/null" \
		"mlr split -g type" "mlr --ijsonl --ojsonl split -g type --prefix '$dir/mlr/split' '$DATA'"
	bench_compare "evpartition: Hive layout, gzip -1 ($BENCH_N events)" \
		"evpartition -l hive --level 1" "evpartition -o '$dir/hive' -l hive --level 1 --run-id bench '$DATA' >/dev/null" \
		"gzip -1" "gzip -1 -c '$DATA' >/dev/null"
	printf '\n| evpartition sizes | bytes |\n|---|---:|\n' | tee -a "$RESULTS"
	printf '| evpartition, %s files | %s |\n' "$(find "$dir/lake" -name '*.jsonl.gz' | wc -l)" \
		"$(find "$dir/lake" -name '*.jsonl.gz' -exec cat {} + | wc -c)" | tee -a "$RESULTS"
	printf '| gzip -6 | %s |\n' "$(gzip -6 -c "$DATA" | wc -c)" | tee -a "$RESULTS"
	head -n $((BENCH_N / 10)) "$DATA" >"$dir/tenth.jsonl"
	printf '\n| evpartition memory | |\n|---|---|\n' | tee -a "$RESULTS"
	bench_rss "evpartition, 1/10 of the data" "evpartition -o '$dir/rss1' --run-id rss '$dir/tenth.jsonl'"
	bench_rss "evpartition, all of the data" "evpartition -o '$dir/rss2' --run-id rss '$DATA'"
	rm -rf "$dir/mlr" "$dir/rss1" "$dir/rss2" "$dir/tenth.jsonl"
}
