# Helpers for tests/docs.bats: read man pages the way the tests need.

# man_synopsis PAGE: the SYNOPSIS of an mdoc page as rendered, one line,
# white space squeezed.
man_synopsis() {
	MANWIDTH=200 mandoc -Tascii "$1" | col -b |
		awk '/^SYNOPSIS/{on=1; next} /^[A-Z]/{on=0} on' |
		tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//'
}

# usage_text TOOL: the usage the tool prints (up to the first blank line,
# where any longer help begins), without "usage: ", squeezed.
usage_text() {
	"$1" --help | sed -n '/^$/q; p' | sed '1s/^usage: //' |
		tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//'
}

# man_examples PAGE: the shell commands of the EXAMPLES section, one per
# line: the "$ " lines of each literal display, continuation lines joined,
# mdoc escapes undone; a line ending in "\e", "|" or "&&" continues on the
# next.  A display preceded by the comment line
# '.\" docs-test: skip' is left out (it needs something the tests cannot
# provide, such as a Kafka broker); the comment says why.
man_examples() {
	awk '
	/^\.Sh / { ex = ($0 == ".Sh EXAMPLES"); next }
	!ex { next }
	/^\.\\" docs-test: skip/ { skip = 1; next }
	/^\.Bd / { inbd = 1; next }
	/^\.Ed/ { inbd = 0; skip = 0; if (cmd != "") print cmd; cmd = ""; next }
	!inbd || skip { next }
	{
		line = $0
		gsub(/\\\(aq/, "\047", line)
		gsub(/\\-/, "-", line)
		gsub(/\\&/, "", line)
		gsub(/\\e/, "\\", line)
		if (cont) {
			sub(/^[ \t]+/, "", line)
			cmd = cmd " " line
		} else if (line ~ /^\$ /) {
			if (cmd != "") print cmd
			cmd = substr(line, 3)
		} else {
			next
		}
		# A line ending in a backslash, a pipe or "&&" goes on.
		cont = (cmd ~ /\\$/ || cmd ~ /(\||&&)[ \t]*$/)
		if (cmd ~ /\\$/) sub(/[ \t]*\\$/, "", cmd)
	}' "$1"
}
