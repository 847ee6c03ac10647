# scripts/examples/email-trust.yaml written out in jq: the peer of
# evscore in scripts/bench.d/evscore.sh.  Same rules, same list files
# (read with --rawfile), same arithmetic in the same order, the same
# "score" member; tests/evscore.bats checks that both give the same
# verdicts, values and reasons.
#
#   jq -n -c --rawfile lookalike lists/lookalike-domains.txt \
#         --rawfile badnets lists/bad-nets.txt \
#         --rawfile providers lists/provider-nets.txt \
#         --rawfile blocked lists/blocked-domains.txt \
#         --rawfile acme lists/acme-allow.txt -f evscore.jq events.jsonl
#
# The lists are turned into sets once, before the first event (-n and
# inputs), as a jq user would write it.

# The entries of a domain or CIDR list file: comments and blanks removed.
def entries: split("\n") | map(sub("#.*$"; "") | gsub("^[ \t\r]+|[ \t\r]+$"; ""))
	| map(select(length > 0));

# A domain set: {"paypa1.com": true, ...}.
def domset: entries | map(ascii_downcase | sub("\\.$"; "")) | map({(.): true}) | add // {};

# The string is a domain in SET or a subdomain of one (e-mail addresses by
# their domain, case and one trailing dot ignored).
def domain_in($set):
	if type == "string" then
		(split("@") | last | ascii_downcase | sub("\\.$"; "") | split(".")) as $l
		| any(range(0; $l | length); $set[$l[.:] | join(".")] == true)
	else false end;

# IPv4 text to a number, or null.
def ip4:
	if test("^(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}$") then
		(split(".") | map(tonumber)) as $o
		| if all($o[]; . <= 255) then ((($o[0] * 256 + $o[1]) * 256 + $o[2]) * 256 + $o[3]) else null end
	else null end;

# IPv6 text to 8 groups of 16 bits, or null.
def ip6:
	def groups: if . == "" then [] else split(":") end;
	def hex: ascii_downcase | explode
		| reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end));
	def parts:
		map(if test("^[0-9a-fA-F]{1,4}$") then [hex]
		    elif (ip4 != null) then (ip4 as $v | [($v / 65536 | floor), ($v % 65536)])
		    else [null] end) | add // [];
	if test("^[0-9a-fA-F:.]+$") | not then null
	elif (indices("::") | length) > 1 then null
	elif contains("::") then
		(split("::") | map(groups | parts)) as [$h, $t]
		| if ($h + $t | length) > 7 then null
		  else $h + [range(0; 8 - ($h + $t | length)) | 0] + $t end
	else groups | parts | if length == 8 then . else null end end
	| if . == null or any(.[]; . == null) then null else . end;

# A CIDR set: [{v: 4, a: number, p: prefix} | {v: 6, a: [groups], p: prefix}].
def cidrset: entries | map(
	(split("/") | .[0]) as $a | (split("/") | .[1] // null) as $p
	| if ($a | ip4) != null then {v: 4, a: ($a | ip4), p: ($p // "32" | tonumber)}
	  else {v: 6, a: ($a | ip6), p: ($p // "128" | tonumber)} end);

def in4($n; $a): ($n.p == 0) or
	(($a / pow(2; 32 - $n.p) | floor) == ($n.a / pow(2; 32 - $n.p) | floor));
def in6($n; $a): ($n.p / 16 | floor) as $full | ($n.p % 16) as $rest
	| all(range(0; $full); $a[.] == $n.a[.])
	  and ($rest == 0 or (($a[$full] / pow(2; 16 - $rest) | floor)
		== ($n.a[$full] / pow(2; 16 - $rest) | floor)));

# The string is an IPv4 or IPv6 address in one of the networks of SET.
def cidr_in($set):
	if type != "string" then false
	elif (ip4) != null then ip4 as $a | any($set[] | select(.v == 4); in4(.; $a))
	elif (ip6) != null then ip6 as $a
		| any($set[] | select(.v == 6); in6(.; $a))
		  or ($a[0:6] == [0, 0, 0, 0, 0, 65535]
		      and any($set[] | select(.v == 4); in4(.; $a[6] * 65536 + $a[7])))
	else false end;

($lookalike | domset) as $LOOKALIKE
| ($badnets | cidrset) as $BADNETS
| ($providers | cidrset) as $PROVIDERS
| ($blocked | domset) as $BLOCKED
| ($acme | domset) as $ACME
| {"gmail.com": true, "outlook.com": true, "yahoo.com": true, "gmx.de": true, "web.de": true} as $FREEMAIL
| inputs
| if .type != "email.received" then . else
	.data as $d
	| ($d | type == "object") as $obj
	| ($d.spf) as $spf | ($d.dkim) as $dkim | ($d.dmarc) as $dmarc
	| ($d.to | type == "string" and
		(startswith("finance@") or startswith("payroll@") or startswith("ceo@") or startswith("hr@"))) as $role
	| ($d.subject | type == "string") as $subj
	| [
		(if $spf == "fail" then {rule: "SPF_FAIL", g: "auth", c: 1.2} else empty end),
		(if $spf == "softfail" or $spf == "neutral" then {rule: "SPF_WEAK", g: "auth", c: 0.6} else empty end),
		(if $spf == "none" or $spf == "temperror" or $spf == "permerror" then {rule: "SPF_NONE", g: "auth", c: 0.4} else empty end),
		(if $dkim == "fail" then {rule: "DKIM_FAIL", g: "auth", c: 1.0} else empty end),
		(if $dkim == "none" or $dkim == "temperror" then {rule: "DKIM_NONE", g: "auth", c: 0.5} else empty end),
		(if $dmarc == "fail" then {rule: "DMARC_FAIL", g: "auth", c: 2.0} else empty end),
		(if $dmarc == "none" then {rule: "DMARC_NONE", g: "auth", c: 0.4} else empty end),
		(if $spf == "pass" and $dkim == "pass" and $dmarc == "pass" then {rule: "AUTH_ALL_PASS", g: "auth", c: -1.2} else empty end),
		(if ($d.from_domain | domain_in($LOOKALIKE)) then {rule: "LOOKALIKE_DOMAIN", g: "sender", c: 3.2} else empty end),
		(if ($d.from_domain | type == "string" and test("(^|\\.)xn--")) then {rule: "PUNYCODE_DOMAIN", g: "sender", c: 1.5} else empty end),
		(if ($d.sender_ip | cidr_in($BADNETS)) then {rule: "BAD_SENDER_NET", g: "sender", c: 2.2} else empty end),
		(if ($d.sender_ip | cidr_in($PROVIDERS)) then {rule: "PROVIDER_NET", g: "sender", c: -0.6} else empty end),
		(if $obj and ($d | has("sender_ip") | not) then {rule: "NO_SENDER_IP", g: "sender", c: 0.8} else empty end),
		(if $subj and ($d.subject | test("verify your account|account (has been limited|wurde gesperrt)|password expires|overdue|immediate payment|unusual sign-in|undelivered messages|parcel is on hold|delivery fee|wire transfer|shared with you: \"payroll"; "i")) then {rule: "PHISH_SUBJECT", g: "content", c: 2.0} else empty end),
		(if $subj and ($d.subject | ascii_downcase | startswith("urgent") or startswith("action required") or startswith("important:")) then {rule: "URGENT_SUBJECT", g: "content", c: 0.5} else empty end),
		(if $role then {rule: "ROLE_MAILBOX", g: "content", c: 0.6} else empty end),
		(if ($d.from_domain | domain_in($FREEMAIL)) and $role then {rule: "FREEMAIL_TO_ROLE", g: "content", c: 1.4} else empty end),
		(($d.recipients | if type == "number" and isinfinite == false then . else 1 end) as $r
		 | ($r | if . < 1 then 1 elif . > 1000 then 1000 else . end | log1p) as $x
		 | {rule: "RECIPIENTS", g: "content", input: $x, c: (0.45 * $x)}
		 + (if ($d.recipients | type) != "number" then {default: true} else {} end))
	  ] as $hits
	| ([ {g: "auth", max: 4.5, min: -1.5}, {g: "sender", max: 4}, {g: "content", max: 2.5} ]
	  | map(.g as $g | . + {sum: (reduce ($hits[] | select(.g == $g) | .c) as $c (0; . + $c)),
		fired: any($hits[]; .g == $g)})
	  | map(select(.fired) | if .max != null and .sum > .max then {group: .g, cap: .max, contribution: (.max - .sum)}
		elif .min != null and .sum < .min then {group: .g, cap: .min, contribution: (.min - .sum)}
		else empty end)) as $caps
	| (reduce (($hits[] | .c), ($caps[] | .contribution)) as $c (-1.2; . + $c)) as $z
	| (1 / (1 + ((0 - $z) | exp))) as $p
	| (if ($d.from_domain | domain_in($BLOCKED)) then {rule: "BLOCKED_DOMAIN", verdict: "quarantine"}
	   elif $d.enterprise == "acme" and ($d.from_domain | domain_in($ACME)) and $dmarc == "pass"
		then {rule: "ACME_ALLOWED_SENDER", verdict: "pass"}
	   else null end) as $ovr
	| . + {score: {
		value: $p, logit: $z,
		verdict: (if $ovr then $ovr.verdict elif $p >= 0.9 then "quarantine" elif $p >= 0.5 then "label" else "pass" end),
		reasons: ((if $ovr then [$ovr + {contribution: 0}] else [] end)
			+ [$hits[] | {rule} + (if .input != null then {input} else {} end)
				+ (if .default then {default} else {} end) + {contribution: .c}]
			+ $caps),
		model: "email-trust@2015.08.1"}}
  end
