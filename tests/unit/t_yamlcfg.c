/*
 * t_yamlcfg.c - unit tests of common/yamlcfg.c: the located tree, the
 * restrictions (one document, no anchors, aliases or custom tags, no
 * duplicate keys, limited depth), the typed getters and their messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "unit.h"
#include "util.h"
#include "yamlcfg.h"

static struct ydoc D;
static struct buf E;

/* Loads TEXT as "m.yaml": "ok" or the error message. */
static const char *
load(const char *text)
{
	ydoc_free(&D);
	buf_reset(&E);
	if (ydoc_load_string(&D, "m.yaml", text, strlen(text), &E) == 0)
		return E.len ? "ok, but a message" : "ok";
	if (D.root != NULL)
		return "failed, but a tree";
	return buf_str(&E);
}

/* The tree as "KIND@LINE:COL" with scalars as 'TEXT' (p for plain). */
static void
dump(const struct ynode *n, struct buf *out)
{
	size_t i;

	switch (n->kind) {
	case YNODE_SCALAR:
		buf_printf(out, "%s'%s'@%u:%u", n->plain ? "p" : "", n->str,
			   n->line, n->col);
		return;
	case YNODE_SEQ:
		buf_printf(out, "[@%u:%u", n->line, n->col);
		break;
	case YNODE_MAP:
		buf_printf(out, "{@%u:%u", n->line, n->col);
		break;
	}
	for (i = 0; i < n->n; i++) {
		buf_addc(out, ' ');
		dump(n->kids[i], out);
	}
	buf_addc(out, n->kind == YNODE_SEQ ? ']' : '}');
}

static const char *
tree(void)
{
	static struct buf out;

	buf_reset(&out);
	if (D.root == NULL)
		return "(empty)";
	dump(D.root, &out);
	return buf_str(&out);
}

static void
test_tree(void)
{
	CHECK_STR(load("a: 1\nb: [x, 'y']\nc:\n  - {d: \"e\"}\n  - ~\n"), "ok");
	CHECK_STR(tree(), "{@1:1 p'a'@1:1 p'1'@1:4 p'b'@2:1 [@2:4 p'x'@2:5 "
			  "'y'@2:8] p'c'@3:1 [@4:3 {@4:5 p'd'@4:6 'e'@4:9} "
			  "p'~'@5:5]}");
	CHECK_STR(D.path, "m.yaml");
	CHECK_STR(load("# only a comment\n"), "ok");
	CHECK_STR(tree(), "(empty)");
	CHECK_STR(load(""), "ok");
	CHECK_STR(tree(), "(empty)");
	CHECK_STR(load("---\n"), "ok");
	CHECK_STR(tree(), "p''@2:1");
	CHECK_STR(load("--- 5\n...\n"), "ok");
	CHECK_STR(tree(), "p'5'@1:5");
	CHECK_STR(load("%YAML 1.1\n---\na: 1\n"), "ok");
	CHECK_STR(tree(), "{@3:1 p'a'@3:1 p'1'@3:4}");
	CHECK_STR(load("- 1\n- - 2\n  - 3\n"), "ok");
	CHECK_STR(tree(), "[@1:1 p'1'@1:3 [@2:3 p'2'@2:5 p'3'@3:5]]");
	/* Block scalars, folded plain scalars, standard tags. */
	CHECK_STR(
	    load("t: |\n  a\n  b\nf: >\n  a\n  b\np: a\n  b\ns: !!str 5\n"),
	    "ok");
	CHECK_STR(tree(), "{@1:1 p't'@1:1 'a\nb\n'@1:4 p'f'@4:1 'a b\n'@4:4 "
			  "p'p'@7:1 p'a b'@7:4 p's'@9:1 '5'@9:4}");
	CHECK_STR(load("s: !!str 5\n"), "ok");
	CHECK_STR(tree(), "{@1:1 p's'@1:1 '5'@1:4}");
	/* Scalars keep embedded NUL bytes in LEN. */
	CHECK_STR(load("k: \"a\\0b\"\n"), "ok");
	CHECK(D.root && D.root->n == 2 && D.root->kids[1]->len == 3 &&
	      memcmp(D.root->kids[1]->str, "a\0b", 4) == 0);
}

static void
test_restrictions(void)
{
	char deep[300];
	int i;

	CHECK_STR(load("a: 1\nb: 2\na: 3\n"),
		  "m.yaml:3:1: duplicate key 'a' (first at line 1)");
	CHECK_STR(load("x:\n  a: 1\n  a: 1\n"),
		  "m.yaml:3:3: duplicate key 'a' (first at line 2)");
	CHECK_STR(load("{a: 1, 'a': 2}"),
		  "m.yaml:1:8: duplicate key 'a' (first at line 1)");
	/* Equal keys in different maps are fine. */
	CHECK_STR(load("x: {a: 1}\ny: {a: 1}\n"), "ok");
	/* A multi-line key stays on one line in the message. */
	CHECK_STR(load("\"a\\nb\": 1\n\"a\\nb\": 2\n"),
		  "m.yaml:2:1: duplicate key 'a\\nb' (first at line 1)");
	CHECK_STR(load("? [a, b]\n: 1\n"),
		  "m.yaml:1:3: mapping keys must be scalars");
	CHECK_STR(load("a: &x 1\nb: *x\n"),
		  "m.yaml:1:4: anchors are not supported");
	CHECK_STR(
	    load("a: *x\n"),
	    "m.yaml:1:4: aliases are not supported (write the value out)");
	CHECK_STR(load("a: &x [1]\n"), "m.yaml:1:4: anchors are not supported");
	CHECK_STR(load("a: 1\n---\nb: 2\n"),
		  "m.yaml:2:1: only one YAML document is allowed");
	CHECK_STR(load("a: 1\n...\n---\nb: 1\n"),
		  "m.yaml:3:1: only one YAML document is allowed");
	CHECK_STR(load("k: !custom 1\n"),
		  "m.yaml:1:4: unsupported tag '!custom'");
	CHECK_STR(load("k: !<tag:example.com,2000:x> {}\n"),
		  "m.yaml:1:4: unsupported tag 'tag:example.com,2000:x'");
	/* 64 levels of nesting are allowed, 65 are not. */
	for (i = 0; i < 64; i++)
		deep[i] = '[';
	for (i = 0; i < 64; i++)
		deep[64 + i] = ']';
	deep[128] = '\0';
	CHECK_STR(load(deep), "ok");
	memmove(deep + 1, deep, 129);
	deep[0] = '[';
	strcat(deep, "]");
	CHECK_STR(load(deep), "m.yaml:1:65: nesting deeper than 64 levels");
	CHECK_STR(load("a: [1, 2\nb: 3\n"),
		  "m.yaml:2:2: invalid YAML: did not find expected ',' or ']' "
		  "while parsing a flow sequence");
	CHECK_STR(load("a: 1\n b: 2\n"),
		  "m.yaml:2:3: invalid YAML: mapping values are not allowed in "
		  "this context");
	CHECK_STR(load("a: \"open\n"),
		  "m.yaml:2:1: invalid YAML: found unexpected end of stream "
		  "while scanning a quoted scalar");
	CHECK_STR(load("\t a: 1"),
		  "m.yaml:1:1: invalid YAML: found character that cannot start "
		  "any token while scanning for the next token");
}

/* Runs a getter on node N: "ok" or the message. */
static const char *
msg(int r)
{
	if (r == 0)
		return E.len ? "ok, but a message" : "ok";
	if (r != -1)
		return "bad return";
	return buf_str(&E);
}

static const struct ynode *
node(const char *key)
{
	return ymap_get(D.root, key);
}

static void
test_getters(void)
{
	const char *s = NULL;
	double d = 0;
	int64_t i = 0;
	bool b = false;

	CHECK_STR(load("s: text\nq: 'quoted'\nn: ~\ne:\nnum: 1.5\nexp: -2e3\n"
		       "int: 42\nneg: -7\nmax: 9223372036854775807\n"
		       "over: 9223372036854775808\nhex: 0x10\ninf: .inf\n"
		       "nan: .nan\nbig: 1e999\nqnum: '1.5'\nt: true\nf: false\n"
		       "yes: yes\nqt: 'true'\nT: True\nm: {a: 1}\nl: [1]\n"
		       "ml: a\n\n  b\nnulls: [null, Null, NULL, '~', \"\"]\n"
		       "plus: +5\nw: 1.5x\nsp: 1 2\n"),
		  "ok");
	buf_reset(&E);
	CHECK_STR(msg(yget_str(&D, node("s"), "name", &s, &E)), "ok");
	CHECK_STR(s, "text");
	CHECK_STR(msg(yget_str(&D, node("q"), "name", &s, &E)), "ok");
	CHECK_STR(s, "quoted");
	CHECK_STR(msg(yget_str(&D, node("num"), "name", &s, &E)), "ok");
	CHECK_STR(s, "1.5");
	buf_reset(&E);
	CHECK_STR(msg(yget_str(&D, node("n"), "name", &s, &E)),
		  "m.yaml:3:4: name: expected a string");
	buf_reset(&E);
	CHECK_STR(msg(yget_str(&D, node("e"), "name", &s, &E)),
		  "m.yaml:4:3: name: expected a string");
	buf_reset(&E);
	CHECK_STR(msg(yget_str(&D, node("m"), "name", &s, &E)),
		  "m.yaml:21:4: name: expected a string");
	buf_reset(&E);
	CHECK_STR(msg(yget_str(&D, node("absent"), "name", &s, &E)),
		  "m.yaml: name: expected a string");

	buf_reset(&E);
	CHECK_STR(msg(yget_double(&D, node("num"), "weight", &d, &E)), "ok");
	CHECK(d == 1.5);
	CHECK_STR(msg(yget_double(&D, node("exp"), "weight", &d, &E)), "ok");
	CHECK(d == -2000);
	CHECK_STR(msg(yget_double(&D, node("int"), "weight", &d, &E)), "ok");
	CHECK(d == 42);
#define BAD_DOUBLE(key, want)                                                  \
	do {                                                                   \
		buf_reset(&E);                                                 \
		d = 99;                                                        \
		CHECK_STR(msg(yget_double(&D, node(key), "weight", &d, &E)),   \
			  want);                                               \
		CHECK(d == 99);                                                \
	} while (0)
	BAD_DOUBLE("hex", "m.yaml:11:6: weight: expected a number, got '0x10'");
	BAD_DOUBLE("inf", "m.yaml:12:6: weight: expected a number, got '.inf'");
	BAD_DOUBLE("nan", "m.yaml:13:6: weight: expected a number, got '.nan'");
	BAD_DOUBLE("big",
		   "m.yaml:14:6: weight: expected a number, got '1e999'");
	BAD_DOUBLE("qnum", "m.yaml:15:7: weight: expected a number");
	BAD_DOUBLE("s", "m.yaml:1:4: weight: expected a number, got 'text'");
	BAD_DOUBLE("w", "m.yaml:28:4: weight: expected a number, got '1.5x'");
	BAD_DOUBLE("e", "m.yaml:4:3: weight: expected a number");
	BAD_DOUBLE("l", "m.yaml:22:4: weight: expected a number");
	BAD_DOUBLE("absent", "m.yaml: weight: expected a number");
	/* A multi-line value is shown on one line. */
	BAD_DOUBLE("ml", "m.yaml:23:5: weight: expected a number, got 'a\\nb'");

	buf_reset(&E);
	CHECK_STR(msg(yget_int(&D, node("int"), "limit", &i, &E)), "ok");
	CHECK_INT(i, 42);
	CHECK_STR(msg(yget_int(&D, node("neg"), "limit", &i, &E)), "ok");
	CHECK_INT(i, -7);
	CHECK_STR(msg(yget_int(&D, node("max"), "limit", &i, &E)), "ok");
	CHECK_INT(i, INT64_MAX);
	CHECK_STR(msg(yget_int(&D, node("plus"), "limit", &i, &E)), "ok");
	CHECK_INT(i, 5);
#define BAD_INT(key, want)                                                     \
	do {                                                                   \
		buf_reset(&E);                                                 \
		i = 99;                                                        \
		CHECK_STR(msg(yget_int(&D, node(key), "limit", &i, &E)),       \
			  want);                                               \
		CHECK_INT(i, 99);                                              \
	} while (0)
	BAD_INT("over", "m.yaml:10:7: limit: expected an integer, got "
			"'9223372036854775808'");
	BAD_INT("num", "m.yaml:5:6: limit: expected an integer, got '1.5'");
	BAD_INT("hex", "m.yaml:11:6: limit: expected an integer, got '0x10'");
	BAD_INT("sp", "m.yaml:29:5: limit: expected an integer, got '1 2'");
	BAD_INT("qnum", "m.yaml:15:7: limit: expected an integer");
	BAD_INT("e", "m.yaml:4:3: limit: expected an integer");
	BAD_INT("m", "m.yaml:21:4: limit: expected an integer");
	BAD_INT("ml", "m.yaml:23:5: limit: expected an integer, got 'a\\nb'");

	buf_reset(&E);
	CHECK_STR(msg(yget_bool(&D, node("t"), "enabled", &b, &E)), "ok");
	CHECK(b == true);
	CHECK_STR(msg(yget_bool(&D, node("f"), "enabled", &b, &E)), "ok");
	CHECK(b == false);
#define BAD_BOOL(key, want)                                                    \
	do {                                                                   \
		buf_reset(&E);                                                 \
		CHECK_STR(msg(yget_bool(&D, node(key), "enabled", &b, &E)),    \
			  want);                                               \
	} while (0)
	BAD_BOOL("yes", "m.yaml:18:6: enabled: expected true or false");
	BAD_BOOL("qt", "m.yaml:19:5: enabled: expected true or false");
	BAD_BOOL("T", "m.yaml:20:4: enabled: expected true or false");
	BAD_BOOL("n", "m.yaml:3:4: enabled: expected true or false");
	BAD_BOOL("absent", "m.yaml: enabled: expected true or false");

	/* Nulls: plain ~, null, Null, NULL, empty, and a missing node. */
	{
		const struct ynode *l = node("nulls");

		CHECK(l && l->kind == YNODE_SEQ && l->n == 5);
		if (l && l->n == 5) {
			CHECK(ynode_is_null(l->kids[0]));
			CHECK(ynode_is_null(l->kids[1]));
			CHECK(ynode_is_null(l->kids[2]));
			CHECK(!ynode_is_null(l->kids[3]));
			CHECK(!ynode_is_null(l->kids[4]));
		}
		CHECK(ynode_is_null(node("n")));
		CHECK(ynode_is_null(node("e")));
		CHECK(ynode_is_null(NULL));
		CHECK(!ynode_is_null(node("s")));
		CHECK(!ynode_is_null(node("m")));
	}
}

static void
test_map(void)
{
	static const char *const allowed[] = {"name", "when", "weight", NULL};
	static const char *const none[] = {NULL};
	const struct ynode *r;

	CHECK_STR(load("rule:\n  name: x\n  weight: 1\n  wieght: 2\n"
		       "list: [1]\n\"tab\\tkey\": 1\n"),
		  "ok");
	r = node("rule");
	CHECK(r && r->kind == YNODE_MAP);
	CHECK(ymap_get(r, "name") &&
	      strcmp(ymap_get(r, "name")->str, "x") == 0);
	CHECK(ymap_get(r, "when") == NULL);
	CHECK(ymap_get(r, "nam") == NULL);
	CHECK(ymap_get(node("list"), "name") == NULL);
	CHECK(ymap_get(NULL, "name") == NULL);
	CHECK(ymap_get(node("list"), "1") == NULL);
	buf_reset(&E);
	CHECK_STR(msg(ycheck_keys(&D, r, "rule", allowed, &E)),
		  "m.yaml:4:3: unknown key 'wieght' in rule (expected one of: "
		  "name, when, weight)");
	buf_reset(&E);
	CHECK_STR(msg(ycheck_keys(&D, node("list"), "rule", allowed, &E)),
		  "m.yaml:5:7: rule: expected a mapping");
	buf_reset(&E);
	CHECK_STR(msg(ycheck_keys(&D, NULL, "rule", allowed, &E)),
		  "m.yaml: rule: expected a mapping");
	buf_reset(&E);
	CHECK_STR(
	    msg(ycheck_keys(&D, D.root, "model", none, &E)),
	    "m.yaml:1:1: unknown key 'rule' in model (expected one of: )");
	buf_reset(&E);
	{
		static const char *const top[] = {"rule", "list", NULL};

		CHECK_STR(msg(ycheck_keys(&D, D.root, "model", top, &E)),
			  "m.yaml:6:1: unknown key 'tab\\tkey' in model "
			  "(expected one of: rule, list)");
	}
	CHECK_STR(load("{}"), "ok");
	buf_reset(&E);
	CHECK_STR(msg(ycheck_keys(&D, D.root, "model", none, &E)), "ok");
	/* yerr appends and always fails. */
	buf_reset(&E);
	CHECK_INT(yerr(&E, &D, NULL, "%s %d", "a", 1), -1);
	CHECK_INT(yerr(&E, &D, D.root, "b"), -1);
	CHECK_STR(buf_str(&E), "m.yaml: a 1m.yaml:1:1: b");
}

static void
test_files(void)
{
	char dir[] = "/tmp/t_yamlcfg.XXXXXX", path[64];
	int fd;

	if (mkdtemp(dir) == NULL) {
		CHECK(0);
		return;
	}
	snprintf(path, sizeof(path), "%s/model.yaml", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	CHECK_INT(write(fd, "threshold: 0.5\n", 15), 15);
	close(fd);
	ydoc_free(&D);
	buf_reset(&E);
	CHECK_INT(ydoc_load(&D, path, &E), 0);
	CHECK_STR(D.path, path);
	CHECK_STR(tree(), "{@1:1 p'threshold'@1:1 p'0.5'@1:12}");
	ydoc_free(&D);

	/* Errors name the file as it was given. */
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK_INT(write(fd, "a: [\n", 5), 5);
	close(fd);
	buf_reset(&E);
	CHECK_INT(ydoc_load(&D, path, &E), -1);
	{
		char want[256];

		snprintf(want, sizeof(want),
			 "%s:2:1: invalid YAML: did not find expected node "
			 "content while parsing a flow node",
			 path);
		CHECK_STR(buf_str(&E), want);
		ydoc_free(&D);
		buf_reset(&E);
		snprintf(path, sizeof(path), "%s/missing.yaml", dir);
		CHECK_INT(ydoc_load(&D, path, &E), -1);
		snprintf(want, sizeof(want), "%s: No such file or directory",
			 path);
		CHECK_STR(buf_str(&E), want);
		CHECK(D.root == NULL);
		buf_reset(&E);
		CHECK_INT(ydoc_load(&D, dir, &E), -1);
		snprintf(want, sizeof(want), "%s: Is a directory", dir);
		CHECK_STR(buf_str(&E), want);
		buf_reset(&E);
		CHECK_INT(ydoc_load(&D, "/dev/null", &E), 0);
		CHECK(D.root == NULL);
		ydoc_free(&D);
	}
	snprintf(path, sizeof(path), "%s/model.yaml", dir);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	ev_setprogname("t_yamlcfg");
	test_tree();
	test_restrictions();
	test_getters();
	test_map();
	test_files();
	ydoc_free(&D);
	buf_free(&E);
	return unit_report("t_yamlcfg");
}
