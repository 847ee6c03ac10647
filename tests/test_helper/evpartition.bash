# Helpers for tests/evpartition.bats.

EVP_MOUNTS=()

# Mounts a tmpfs of SIZE (such as 1m) at DIR, for tests that need a full
# disk or many fast fsyncs.  CI runs as root; a failed mount fails the test.
evp_tmpfs() {
	local dir="$1" size="$2"
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	mount -t tmpfs -o "size=$size" tmpfs "$dir" ||
		fail "cannot mount a tmpfs at $dir (the test needs root)"
	EVP_MOUNTS+=("$dir")
}

evp_teardown() {
	local m
	cd /
	for m in "${EVP_MOUNTS[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	EVP_MOUNTS=()
}

# Lists the visible data files below ROOT, relative and sorted.
evp_files() {
	(cd "$1" && find . -name '[!._]*' -type f ! -path './_*' | sed 's|^\./||' | LC_ALL=C sort)
}

# Lists the partition directories (those holding data files) below ROOT.
evp_partitions() {
	evp_files "$1" | sed 's|/[^/]*$||' | LC_ALL=C sort -u
}

# Prints "checksum  path" for every data file below ROOT.
evp_sums() {
	(cd "$1" && evp_files . | xargs -r -d '\n' md5sum)
}

# Fails unless every visible .gz below ROOT is one complete gzip member
# (CRC and length checked, nothing after it) whose content is whole lines,
# and every line of every data file is one JSON object (checked by jq, not
# by the tools under test).  See tests/helpers/evpartition_gzcheck.c.
evp_check_files() {
	local root="$1" all="$BATS_TEST_TMPDIR/evp_all"
	(cd "$root" && evp_files . | xargs -r -d '\n' evpartition_gzcheck) >"$all" ||
		fail "$root: a file is not complete"
	evp_objects "$root" "$all"
}

# Fails unless every line of CONTENT (a file) is one JSON object; NAME is
# for the message.
evp_objects() {
	local name="$1" content="$2" lines objects
	lines=$(wc -l <"$content")
	objects=$(jq -c 'select(type == "object") | 1' "$content" 2>/dev/null | wc -l)
	[ "$lines" -eq "$objects" ] ||
		fail "$name: $lines lines but $objects JSON objects"
}

# Fails if a temporary file is left anywhere below ROOT.
evp_no_tmp() {
	local left
	left=$(find "$1" -name '*.evtmp')
	[ -z "$left" ] || fail "temporary files left: $left"
}

# The node modules DuckDB's test uses, installed once into build/node.
evp_duckdb() {
	EVP_NODE="$EV_ROOT/build/node"
	if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null 2>&1 ||
			{ apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; } ||
			fail "cannot install nodejs and npm"
	fi
	if [ ! -d "$EVP_NODE/node_modules/@duckdb/node-api" ]; then
		mkdir -p "$EVP_NODE"
		(cd "$EVP_NODE" && { [ -f package.json ] || npm init -y >/dev/null; } &&
			npm install --silent --no-audit --no-fund @duckdb/node-api >/dev/null 2>&1) ||
			fail "npm install @duckdb/node-api failed"
	fi
}

# Polls up to 10 s until FILE has at least N lines.
evp_wait_lines() {
	local file="$1" n="$2" _
	for _ in $(seq 100); do
		[ -f "$file" ] && [ "$(wc -l <"$file")" -ge "$n" ] && return 0
		sleep 0.1
	done
	fail "$file: fewer than $n lines after 10 s"
}
