# evwindow: 1-hour tumbling windows, count and sum of data.amount by type,
# beside DuckDB (read_json + time_bucket, through @duckdb/node-api) and
# Miller.  Target: faster than DuckDB; peak memory flat in the input size.
# The three are first checked to give the same numbers on a slice.

# Writes the DuckDB query script: one JSON object per row.
evwindow_bench_write_duckdb() {
	cat >"$WORK/node/evwindow-bench.mjs" <<'EOF'
import { DuckDBInstance } from '@duckdb/node-api';

const file = process.argv[2].replaceAll("'", "''");
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const reader = await con.runAndReadAll(`
  SELECT time_bucket(INTERVAL 1 hour, "time",
                     TIMESTAMPTZ '1970-01-01 00:00:00+00') AS hour,
         type, count(*) AS count, sum(data.amount) AS sum_data_amount
  FROM read_json('${file}', format = 'newline_delimited',
                 columns = {"time": 'TIMESTAMPTZ', "type": 'VARCHAR',
                            "data": 'STRUCT(amount DOUBLE)'})
  GROUP BY ALL ORDER BY hour, type`);
const out = reader.getRowObjectsJson().map((r) => JSON.stringify(r));
process.stdout.write(out.join('\n') + '\n');
EOF
}

# Miller's DSL: the hour of the time ("2015-08-18T06"), and a 1 to count.
# shellcheck disable=SC2016
EVWINDOW_MLR_PUT='$hour = substr0($time, 0, 12); $one = 1'

# Prints "HOUR TYPE COUNT CENTS" lines, sorted, from each tool's output on
# stdin ($1: evwindow, duckdb or mlr), so that the three can be compared.
evwindow_bench_normalise() {
	case "$1" in
	evwindow)
		jq -r '[.window_start[0:13], .type, .count,
			(if .sum_data_amount == null then "-"
			 else .sum_data_amount * 100 | round end)] | @tsv' ;;
	duckdb)
		jq -r '[(.hour[0:10] + "T" + .hour[11:13]), .type, (.count | tonumber),
			(if .sum_data_amount == null then "-"
			 else .sum_data_amount * 100 | round end)] | @tsv' ;;
	mlr)
		jq -r '[.hour, .type, .one_sum,
			(if ."data.amount_sum" == null then "-"
			 else ."data.amount_sum" * 100 | round end)] | @tsv' ;;
	esac | sort
}

bench_evwindow() {
	local slice="$WORK/evwindow-slice.jsonl" js="$WORK/node/evwindow-bench.mjs"
	local n a b c
	evwindow_bench_write_duckdb
	head -n 200000 "$DATA" >"$slice"
	evwindow --tumbling 1h --by type -a count -a sum:data.amount "$slice" |
		evwindow_bench_normalise evwindow >"$WORK/evwindow-check.evwindow"
	TZ=UTC node "$js" "$slice" |
		evwindow_bench_normalise duckdb >"$WORK/evwindow-check.duckdb"
	mlr --ijsonl --ojsonl flatten 'then' put "$EVWINDOW_MLR_PUT" \
		'then' stats1 -a sum -f one,data.amount -g type,hour "$slice" |
		evwindow_bench_normalise mlr >"$WORK/evwindow-check.mlr"
	if ! cmp -s "$WORK/evwindow-check.evwindow" "$WORK/evwindow-check.duckdb" ||
		! cmp -s "$WORK/evwindow-check.evwindow" "$WORK/evwindow-check.mlr"; then
		echo "bench: evwindow, DuckDB and mlr disagree on $slice:" >&2
		diff "$WORK/evwindow-check.evwindow" "$WORK/evwindow-check.duckdb" >&2 || true
		diff "$WORK/evwindow-check.evwindow" "$WORK/evwindow-check.mlr" >&2 || true
		return 1
	fi
	n=$(wc -l <"$WORK/evwindow-check.evwindow")
	printf '\nevwindow, DuckDB and mlr agree on the first 200000 events (%s hour x type rows).\n' \
		"$n" | tee -a "$RESULTS"

	bench_compare "evwindow: 1 h tumbling windows, count + sum by type ($BENCH_N events)" \
		"evwindow" "evwindow --tumbling 1h --by type -a count -a sum:data.amount '$DATA' >/dev/null" \
		"DuckDB" "TZ=UTC node '$js' '$DATA' >/dev/null" \
		"mlr" "mlr --ijsonl --ojsonl flatten then put '$EVWINDOW_MLR_PUT' then stats1 -a sum -f one,data.amount -g type,hour '$DATA' >/dev/null"

	# Memory: the same three days of events, a tenth and all of it.
	a="$WORK/evwindow-3d-100k.jsonl"
	b="$WORK/evwindow-3d-1m.jsonl"
	[ -s "$a" ] || evgen -n 100000 --span 3d --seed 42 >"$a"
	[ -s "$b" ] || evgen -n 1000000 --span 3d --seed 42 >"$b"
	c="--tumbling 1h --by type -a count -a sum:data.amount -a p99:data.ms -a distinct:data.user"
	printf '\n| evwindow memory (%s) | |\n|---|---|\n' "$c" | tee -a "$RESULTS"
	bench_rss "evwindow, 100000 events over 3 days" "evwindow $c '$a'"
	bench_rss "evwindow, 1000000 events over 3 days" "evwindow $c '$b'"
}
