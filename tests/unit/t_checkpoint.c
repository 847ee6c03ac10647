/*
 * t_checkpoint.c - unit tests of common/checkpoint.c: load and save,
 * the lock, malformed files, entries of vanished files, find and find_fp.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomicfile.h"
#include "checkpoint.h"
#include "unit.h"
#include "util.h"

static char dir[256];

static const char *
in_dir(const char *name)
{
	static char out[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(out[k], sizeof(out[k]), "%s/%s", dir, name);
	return out[k];
}

static const char *
contents(const char *path)
{
	static char out[8192];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return "(missing)";
	n = read(fd, out, sizeof(out) - 1);
	close(fd);
	out[n < 0 ? 0 : n] = '\0';
	return out;
}

static void
put(const char *path, const char *text)
{
	if (atomic_write_file(path, text, strlen(text), 0666) != 0)
		fprintf(stderr, "cannot write %s\n", path);
}

/* stderr capture around calls. */
static FILE *cap_file;
static int cap_saved = -1;

static void
capture_start(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	cap_saved = dup(2);
	dup2(fileno(cap_file), 2);
}

static const char *
capture_end(void)
{
	static char out[2048];
	size_t n;

	fflush(stderr);
	dup2(cap_saved, 2);
	close(cap_saved);
	rewind(cap_file);
	n = fread(out, 1, sizeof(out) - 1, cap_file);
	out[n] = '\0';
	fclose(cap_file);
	return out;
}

/* checkpoint_open of a file holding TEXT: "STATUS|STDERR". */
static const char *
open_text(const char *name, const char *text)
{
	static char out[2048];
	struct checkpoint c;
	const char *path = in_dir(name);
	int r;

	if (text)
		put(path, text);
	capture_start();
	r = checkpoint_open(&c, path);
	snprintf(out, sizeof(out), "%d|%s", r, capture_end());
	checkpoint_close(&c);
	return out;
}

static void
test_round_trip(void)
{
	struct checkpoint c;
	struct ckpt_entry *e;
	char path[512];
	struct stat st;
	static const char want[] =
	    "{\"version\":1,\"files\":[\n"
	    "{\"path\":\"in/a.jsonl\",\"dev\":2049,\"ino\":1311,"
	    "\"fingerprint\":\"00000000000000ff\",\"fingerprint_bytes\":1024,"
	    "\"offset\":20480,\"line\":100,\"gzip\":false},\n"
	    "{\"path\":\"in/\\\"q\\\".gz\",\"dev\":18446744073709551615,"
	    "\"ino\":9223372036854775807,"
	    "\"fingerprint\":\"ffffffffffffffff\",\"fingerprint_bytes\":0,"
	    "\"offset\":0,\"line\":0,\"gzip\":true}\n"
	    "]}\n";

	/* A missing file is an empty checkpoint; the lock file appears. */
	snprintf(path, sizeof(path), "%s", in_dir("rt.ckpt"));
	CHECK_INT(checkpoint_open(&c, path), 0);
	CHECK_INT(c.n, 0);
	CHECK(stat(in_dir("rt.ckpt.lock"), &st) == 0);
	CHECK(checkpoint_find(&c, 1, 2) == NULL);
	CHECK_INT(checkpoint_save(&c), 0);
	CHECK_STR(contents(path), "{\"version\":1,\"files\":[\n]}\n");

	checkpoint_set(&c, "in/a.jsonl", 2049, 1311, 0xff, 1024, 20480, 100,
		       false);
	checkpoint_set(&c, "in/\"q\".gz", UINT64_MAX, INT64_MAX, UINT64_MAX, 0,
		       0, 0, true);
	CHECK_INT(c.n, 2);
	CHECK_INT(checkpoint_save(&c), 0);
	CHECK_STR(contents(path), want);
	checkpoint_close(&c);
	CHECK_INT(c.lockfd, -1);
	CHECK(c.e == NULL && c.n == 0 && c.path == NULL);

	/* Reading back gives the same entries, not yet touched. */
	CHECK_INT(checkpoint_open(&c, path), 0);
	CHECK_INT(c.n, 2);
	e = checkpoint_find(&c, 2049, 1311);
	CHECK(e != NULL);
	if (e) {
		CHECK_STR(e->path, "in/a.jsonl");
		CHECK(e->fp == 0xff && e->fplen == 1024 && e->offset == 20480 &&
		      e->line == 100 && !e->gzip && !e->touched);
	}
	/* Device and inode numbers use all 64 bits. */
	e = checkpoint_find(&c, UINT64_MAX, INT64_MAX);
	CHECK(e != NULL);
	if (e) {
		CHECK_STR(e->path, "in/\"q\".gz");
		CHECK(e->fp == UINT64_MAX && e->fplen == 0 && e->offset == 0 &&
		      e->line == 0 && e->gzip && !e->touched);
	}
	checkpoint_close(&c);

	put(path, "{\"version\":1,\"files\":[\n"
		  "{\"path\":\"b\",\"dev\":1,\"ino\":2,\"fingerprint\":\"abc\","
		  "\"fingerprint_bytes\":3,\"offset\":4,\"line\":5,"
		  "\"gzip\":true,\"extra\":[1]}]}");
	CHECK_INT(checkpoint_open(&c, path), 0);
	e = checkpoint_find(&c, 1, 2);
	CHECK(e != NULL);
	if (e)
		CHECK(strcmp(e->path, "b") == 0 && e->fp == 0xabc &&
		      e->fplen == 3 && e->offset == 4 && e->line == 5 &&
		      e->gzip && !e->touched);
	/* Setting an entry of the same file replaces it. */
	checkpoint_set(&c, "b.renamed", 1, 2, 0xabc, 3, 40, 50, true);
	CHECK_INT(c.n, 1);
	e = checkpoint_find(&c, 1, 2);
	CHECK(e && strcmp(e->path, "b.renamed") == 0 && e->offset == 40 &&
	      e->touched);
	CHECK(checkpoint_find(&c, 2, 1) == NULL);
	checkpoint_close(&c);
}

static void
test_large_numbers(void)
{
	struct checkpoint c;
	const char *path = in_dir("big.ckpt");
	struct ckpt_entry *e;

	CHECK_INT(checkpoint_open(&c, path), 0);
	checkpoint_set(&c, "x", (uint64_t)1 << 40, 123456789012ULL, 1, 1024,
		       (uint64_t)1 << 42, 99999999999ULL, false);
	CHECK_INT(checkpoint_save(&c), 0);
	checkpoint_close(&c);
	CHECK_INT(checkpoint_open(&c, path), 0);
	e = checkpoint_find(&c, (uint64_t)1 << 40, 123456789012ULL);
	CHECK(e && e->offset == (uint64_t)1 << 42 && e->line == 99999999999ULL);
	checkpoint_close(&c);
}

static void
test_malformed(void)
{
	const char *p;
	char want[1024];

#define BAD(name, text, reason)                                                \
	do {                                                                   \
		p = in_dir(name);                                              \
		snprintf(want, sizeof(want),                                   \
			 "2|t_checkpoint: checkpoint %s: " reason "\n", p);    \
		CHECK_STR(open_text(name, text), want);                        \
	} while (0)

	BAD("notjson", "not json", "not valid JSON");
	BAD("empty", "", "not valid JSON");
	BAD("truncated", "{\"version\":1,\"files\":[", "not valid JSON");
	BAD("array", "[]", "not an evtools checkpoint (version 1)");
	BAD("v2", "{\"version\":2,\"files\":[]}",
	    "not an evtools checkpoint (version 1)");
	BAD("vstr", "{\"version\":\"1\",\"files\":[]}",
	    "not an evtools checkpoint (version 1)");
	BAD("vfloat", "{\"version\":1.0,\"files\":[]}",
	    "not an evtools checkpoint (version 1)");
	BAD("nofiles", "{\"version\":1}",
	    "not an evtools checkpoint (version 1)");
	BAD("filesobj", "{\"version\":1,\"files\":{}}",
	    "not an evtools checkpoint (version 1)");
	BAD("entrynum", "{\"version\":1,\"files\":[1]}",
	    "entry 1 is malformed");
	BAD("nopath",
	    "{\"version\":1,\"files\":[{\"dev\":1,\"ino\":2,\"fingerprint\":"
	    "\"0\",\"fingerprint_bytes\":1,\"offset\":0,\"line\":0}]}",
	    "entry 1 is malformed");
	BAD("negoffset",
	    "{\"version\":1,\"files\":[{\"path\":\"a\",\"dev\":1,\"ino\":2,"
	    "\"fingerprint\":\"0\",\"fingerprint_bytes\":1,\"offset\":0,"
	    "\"line\":0},{\"path\":\"a\",\"dev\":1,\"ino\":3,"
	    "\"fingerprint\":\"0\",\"fingerprint_bytes\":1,\"offset\":-1,"
	    "\"line\":0}]}",
	    "entry 2 is malformed");
	BAD("fpbig",
	    "{\"version\":1,\"files\":[{\"path\":\"a\",\"dev\":1,\"ino\":2,"
	    "\"fingerprint\":\"0\",\"fingerprint_bytes\":1025,\"offset\":0,"
	    "\"line\":0}]}",
	    "entry 1 is malformed");
	BAD("linefloat",
	    "{\"version\":1,\"files\":[{\"path\":\"a\",\"dev\":1,\"ino\":2,"
	    "\"fingerprint\":\"0\",\"fingerprint_bytes\":1,\"offset\":0,"
	    "\"line\":1.5}]}",
	    "entry 1 is malformed");
	BAD("inohuge",
	    "{\"version\":1,\"files\":[{\"path\":\"a\",\"dev\":1,"
	    "\"ino\":18446744073709551616,\"fingerprint\":\"0\","
	    "\"fingerprint_bytes\":1,\"offset\":0,\"line\":0}]}",
	    "entry 1 is malformed");
	BAD("devexp",
	    "{\"version\":1,\"files\":[{\"path\":\"a\",\"dev\":1e3,"
	    "\"ino\":1,\"fingerprint\":\"0\",\"fingerprint_bytes\":1,"
	    "\"offset\":0,\"line\":0}]}",
	    "entry 1 is malformed");
	BAD("pathnum",
	    "{\"version\":1,\"files\":[{\"path\":1,\"dev\":1,"
	    "\"ino\":1,\"fingerprint\":\"0\",\"fingerprint_bytes\":1,"
	    "\"offset\":0,\"line\":0}]}",
	    "entry 1 is malformed");
	BAD("badfp",
	    "{\"version\":1,\"files\":[{\"path\":\"a\",\"dev\":1,\"ino\":2,"
	    "\"fingerprint\":\"xyz\",\"fingerprint_bytes\":1,\"offset\":0,"
	    "\"line\":0}]}",
	    "entry 1 has a bad fingerprint");
	BAD("emptyfp",
	    "{\"version\":1,\"files\":[{\"path\":\"a\",\"dev\":1,\"ino\":2,"
	    "\"fingerprint\":\"\",\"fingerprint_bytes\":1,\"offset\":0,"
	    "\"line\":0}]}",
	    "entry 1 has a bad fingerprint");
	BAD("longfp",
	    "{\"version\":1,\"files\":[{\"path\":\"a\",\"dev\":1,\"ino\":2,"
	    "\"fingerprint\":\"10000000000000000\",\"fingerprint_bytes\":1,"
	    "\"offset\":0,\"line\":0}]}",
	    "entry 1 has a bad fingerprint");
#undef BAD
	/* A checkpoint in a directory that does not exist. */
	p = in_dir("nodir/c.ckpt");
	snprintf(want, sizeof(want),
		 "3|t_checkpoint: checkpoint lock %s.lock: No such file or "
		 "directory\n",
		 p);
	CHECK_STR(open_text("nodir/c.ckpt", NULL), want);
	/* A directory where the checkpoint should be. */
	mkdir(in_dir("isdir"), 0777);
	p = in_dir("isdir");
	snprintf(want, sizeof(want),
		 "3|t_checkpoint: checkpoint %s: Is a directory\n", p);
	CHECK_STR(open_text("isdir", NULL), want);
}

static void
test_lock(void)
{
	struct checkpoint c;
	char path[512], want[1024], got[1024];
	int p[2], status;
	ssize_t n;
	pid_t pid;

	snprintf(path, sizeof(path), "%s", in_dir("locked.ckpt"));
	CHECK_INT(checkpoint_open(&c, path), 0);
	CHECK_INT(pipe(p), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		struct checkpoint c2;

		dup2(p[1], 2);
		_exit(checkpoint_open(&c2, path));
	}
	close(p[1]);
	{
		size_t len = 0;

		while ((n = read(p[0], got + len, sizeof(got) - 1 - len)) > 0)
			len += (size_t)n;
		got[len] = '\0';
	}
	close(p[0]);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EV_EXIT_LOCKED);
	snprintf(want, sizeof(want),
		 "t_checkpoint: checkpoint %s is in use by another run\n",
		 path);
	CHECK_STR(got, want);

	/* Once closed, another run may take it. */
	checkpoint_close(&c);
	pid = fork();
	if (pid == 0) {
		struct checkpoint c2;

		_exit(checkpoint_open(&c2, path));
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
test_vanished(void)
{
	struct checkpoint c;
	char path[512], a[512], b[512], want[2048];
	struct stat sa, sb;

	snprintf(path, sizeof(path), "%s", in_dir("v.ckpt"));
	snprintf(a, sizeof(a), "%s", in_dir("a.jsonl"));
	snprintf(b, sizeof(b), "%s", in_dir("b.jsonl"));

	put(a, "{}\n");
	put(b, "{}\n");
	CHECK_INT(stat(a, &sa), 0);
	CHECK_INT(stat(b, &sb), 0);
	CHECK_INT(checkpoint_open(&c, path), 0);
	checkpoint_set(&c, a, sa.st_dev, sa.st_ino, 1, 3, 3, 1, false);
	checkpoint_set(&c, b, sb.st_dev, sb.st_ino, 2, 3, 3, 1, false);
	checkpoint_set(&c, "gone", 1, 1, 3, 3, 3, 1, false);
	CHECK_INT(checkpoint_save(&c), 0);
	checkpoint_close(&c);
	/* Touched entries were all saved, the gone one too. */
	CHECK(strstr(contents(path), "\"path\":\"gone\"") != NULL);

	/* Next run: nothing touched; b is replaced by another file. */
	unlink(b);
	put(in_dir("c.jsonl"), "keeps b's inode busy\n");
	put(b, "{}\n");
	CHECK_INT(checkpoint_open(&c, path), 0);
	CHECK_INT(c.n, 3);
	CHECK_INT(checkpoint_save(&c), 0);
	checkpoint_close(&c);
	snprintf(want, sizeof(want),
		 "{\"version\":1,\"files\":[\n"
		 "{\"path\":\"%s\",\"dev\":%llu,\"ino\":%llu,"
		 "\"fingerprint\":\"0000000000000001\",\"fingerprint_bytes\":3,"
		 "\"offset\":3,\"line\":1,\"gzip\":false}\n"
		 "]}\n",
		 a, (unsigned long long)sa.st_dev,
		 (unsigned long long)sa.st_ino);
	CHECK_STR(contents(path), want);

	/* A file moved away from its path is dropped too. */
	CHECK_INT(rename(a, in_dir("a.jsonl.1")), 0);
	CHECK_INT(checkpoint_open(&c, path), 0);
	CHECK_INT(checkpoint_save(&c), 0);
	checkpoint_close(&c);
	CHECK_STR(contents(path), "{\"version\":1,\"files\":[\n]}\n");
}

static void
test_find_fp(void)
{
	struct checkpoint c;
	struct ckpt_entry *e;

	CHECK_INT(checkpoint_open(&c, in_dir("fp.ckpt")), 0);
	checkpoint_set(&c, "short", 1, 1, 0xaa, 100, 0, 0, false);
	checkpoint_set(&c, "full", 1, 2, 0xbb, CKPT_FP_BYTES, 10, 1, false);
	checkpoint_set(&c, "full2", 1, 3, 0xcc, CKPT_FP_BYTES, 20, 2, true);
	/* Only full-length fingerprints count. */
	CHECK(checkpoint_find_fp(&c, 0xaa, 9, 9) == NULL);
	e = checkpoint_find_fp(&c, 0xbb, 9, 9);
	CHECK(e && strcmp(e->path, "full") == 0);
	/* Not the file itself. */
	CHECK(checkpoint_find_fp(&c, 0xbb, 1, 2) == NULL);
	e = checkpoint_find_fp(&c, 0xcc, 1, 2);
	CHECK(e && strcmp(e->path, "full2") == 0);
	CHECK(checkpoint_find_fp(&c, 0xdd, 9, 9) == NULL);
	e = checkpoint_find(&c, 1, 3);
	CHECK(e && e->gzip && e->offset == 20);
	CHECK(checkpoint_find(&c, 3, 1) == NULL);
	checkpoint_close(&c);
}

static void
test_save_error(void)
{
	struct checkpoint c;
	char d[512], path[512], want[1024];

	snprintf(d, sizeof(d), "%s", in_dir("gonedir"));
	snprintf(path, sizeof(path), "%s", in_dir("gonedir/c.ckpt"));

	mkdir(d, 0777);
	CHECK_INT(checkpoint_open(&c, path), 0);
	unlink(in_dir("gonedir/c.ckpt.lock"));
	rmdir(d);
	capture_start();
	CHECK_INT(checkpoint_save(&c), -1);
	snprintf(want, sizeof(want),
		 "t_checkpoint: checkpoint %s: No such file or directory\n",
		 path);
	CHECK_STR(capture_end(), want);
	checkpoint_close(&c);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");
	char cmd[600];

	ev_setprogname("t_checkpoint");
	snprintf(dir, sizeof(dir), "%s/t_checkpoint.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_round_trip();
	test_large_numbers();
	test_malformed();
	test_lock();
	test_vanished();
	test_find_fp();
	test_save_error();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return unit_report("t_checkpoint");
}
