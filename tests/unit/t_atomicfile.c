/*
 * t_atomicfile.c - unit tests of common/atomicfile.c and common/signals.c:
 * commit and abort, temporary file names, removal of temporary files at
 * exit and on SIGTERM, mkdir_parents.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomicfile.h"
#include "signals.h"
#include "unit.h"
#include "util.h"

static char dir[256];

/* The names in DIR other than . and .., sorted, joined by ' '. */
static const char *
listing(const char *d)
{
	static char out[4096];
	struct dirent **names;
	int n, i;

	out[0] = '\0';
	n = scandir(d, &names, NULL, alphasort);
	if (n < 0)
		return "(no directory)";
	for (i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") != 0 &&
		    strcmp(names[i]->d_name, "..") != 0) {
			if (out[0])
				strcat(out, " ");
			strncat(out, names[i]->d_name,
				sizeof(out) - strlen(out) - 2);
		}
		free(names[i]);
	}
	free(names);
	return out;
}

static const char *
contents(const char *path)
{
	static char out[4096];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return "(missing)";
	n = read(fd, out, sizeof(out) - 1);
	close(fd);
	out[n < 0 ? 0 : n] = '\0';
	return out;
}

static const char *
in_dir(const char *name)
{
	static char out[2][512];
	static int k;

	k ^= 1;
	snprintf(out[k], sizeof(out[k]), "%s/%s", dir, name);
	return out[k];
}

/* A fresh, empty subdirectory of the test directory. */
static const char *
subdir(const char *name)
{
	const char *p = in_dir(name);

	mkdir(p, 0777);
	return p;
}

static void
test_tmp_names(void)
{
	CHECK(atomic_is_tmp_name(".out.jsonl.123.0a1b2c3d.evtmp"));
	CHECK(atomic_is_tmp_name(".x.evtmp"));
	CHECK(!atomic_is_tmp_name("x.evtmp"));
	CHECK(!atomic_is_tmp_name(".evtmp"));
	CHECK(!atomic_is_tmp_name(".x.evtmp.gz"));
	CHECK(!atomic_is_tmp_name(".x.evtm"));
	CHECK(!atomic_is_tmp_name(""));
	CHECK(!atomic_is_tmp_name(".hidden"));
}

/* True when NAME is ".BASE.PID.8HEX.evtmp". */
static bool
tmp_name_for(const char *name, const char *base, pid_t pid)
{
	char want[256];
	size_t n, i;

	n = (size_t)snprintf(want, sizeof(want), ".%s.%ld.", base, (long)pid);
	if (strncmp(name, want, n) != 0 || strlen(name) != n + 8 + 6 ||
	    strcmp(name + n + 8, ATOMIC_TMP_SUFFIX) != 0)
		return false;
	for (i = n; i < n + 8; i++)
		if (strchr("0123456789abcdef", name[i]) == NULL)
			return false;
	return atomic_is_tmp_name(name);
}

static void
test_commit_abort(void)
{
	struct atomic_file af;
	const char *d = subdir("commit"), *slash;
	char path[512], tmpbase[256];
	struct stat st;
	mode_t old = umask(022);

	snprintf(path, sizeof(path), "%s/out.jsonl", d);
	CHECK_INT(atomic_file_open(&af, path, 0640), 0);
	CHECK_STR(af.path, path);
	slash = strrchr(af.tmp, '/');
	CHECK(slash && (size_t)(slash - af.tmp) == strlen(d) &&
	      strncmp(af.tmp, d, strlen(d)) == 0);
	snprintf(tmpbase, sizeof(tmpbase), "%s", slash ? slash + 1 : af.tmp);
	CHECK(tmp_name_for(tmpbase, "out.jsonl", getpid()));
	CHECK_STR(listing(d), tmpbase);
	CHECK_INT(write(af.fd, "{\"a\":1}\n", 8), 8);
	/* Nothing under the final name until the commit. */
	CHECK_STR(contents(path), "(missing)");
	CHECK_INT(atomic_file_commit(&af), 0);
	CHECK(af.tmp == NULL && af.path == NULL && af.fd == -1);
	CHECK_STR(listing(d), "out.jsonl");
	CHECK_STR(contents(path), "{\"a\":1}\n");
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0640);
	/* Abort and a second commit after a commit do nothing. */
	atomic_file_abort(&af);
	errno = 0;
	CHECK_INT(atomic_file_commit(&af), -1);
	CHECK_INT(errno, EINVAL);

	/* Replacing: readers see the old file until the commit. */
	CHECK_INT(atomic_file_open(&af, path, 0666), 0);
	CHECK_INT(write(af.fd, "new\n", 4), 4);
	CHECK_STR(contents(path), "{\"a\":1}\n");
	CHECK_INT(atomic_file_commit(&af), 0);
	CHECK_STR(contents(path), "new\n");
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0644);

	/* Abort leaves nothing, and the old file as it was. */
	CHECK_INT(atomic_file_open(&af, path, 0666), 0);
	CHECK_INT(write(af.fd, "discarded", 9), 9);
	atomic_file_abort(&af);
	CHECK(af.tmp == NULL && af.fd == -1);
	CHECK_STR(listing(d), "out.jsonl");
	CHECK_STR(contents(path), "new\n");
	atomic_file_abort(&af);

	/* A name without a directory goes to the current directory. */
	CHECK_INT(chdir(d), 0);
	CHECK_INT(atomic_write_file("rel.txt", "rel", 3, 0666), 0);
	CHECK_INT(chdir("/"), 0);
	CHECK_STR(listing(d), "out.jsonl rel.txt");

	CHECK_INT(atomic_write_file(path, "whole", 5, 0666), 0);
	CHECK_STR(contents(path), "whole");
	CHECK_INT(atomic_write_file(path, "", 0, 0666), 0);
	CHECK_STR(contents(path), "");
	CHECK_STR(listing(d), "out.jsonl rel.txt");

	/* No directory: an error, nothing tracked or left. */
	snprintf(path, sizeof(path), "%s/no/such/dir/f", d);
	errno = 0;
	CHECK_INT(atomic_file_open(&af, path, 0666), -1);
	CHECK_INT(errno, ENOENT);
	errno = 0;
	CHECK_INT(atomic_write_file(path, "x", 1, 0666), -1);
	CHECK_INT(errno, ENOENT);
	/* A directory in the way of the rename: commit fails, temp gone. */
	snprintf(path, sizeof(path), "%s/adir", d);
	mkdir(path, 0777);
	snprintf(path, sizeof(path), "%s/adir/inner", d);
	mkdir(path, 0777);
	snprintf(path, sizeof(path), "%s/adir", d);
	CHECK_INT(atomic_file_open(&af, path, 0666), 0);
	errno = 0;
	CHECK_INT(atomic_file_commit(&af), -1);
	CHECK(errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST);
	CHECK(af.tmp == NULL);
	CHECK_STR(listing(d), "adir out.jsonl rel.txt");
	umask(old);
}

/* Forks; the child runs FN(ARG) and the parent returns its wait status. */
static int
run_child(void (*fn)(const char *), const char *arg)
{
	pid_t pid;
	int status;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		fn(arg);
		_exit(100);
	}
	waitpid(pid, &status, 0);
	return status;
}

/* Opens a temporary file that stays open (and reachable) until exit. */
static void
open_tmp(const char *d)
{
	static struct atomic_file af[4];
	static int n;
	char path[512];

	snprintf(path, sizeof(path), "%s/out", d);
	if (n == 4 || atomic_file_open(&af[n], path, 0666) < 0 ||
	    write(af[n].fd, "x", 1) != 1)
		_exit(101);
	n++;
}

/* Opens a temporary file (twice) and leaves by exit(). */
static void
child_exit(const char *d)
{
	open_tmp(d);
	open_tmp(d);
	exit(7);
}

static void
child_die(const char *d)
{
	open_tmp(d);
	fclose(stderr);
	ev_die(EV_EXIT_IO, "failing");
}

static void
child_commit_one(const char *d)
{
	struct atomic_file af;
	char path[512];

	open_tmp(d);
	snprintf(path, sizeof(path), "%s/kept", d);
	if (atomic_file_open(&af, path, 0666) < 0 ||
	    atomic_file_commit(&af) < 0)
		_exit(101);
	exit(0);
}

/* SIGTERM once: the flag is set, the program finishes with ev_exit. */
static void
child_sigterm(const char *d)
{
	char path[512];

	ev_signals_install(false);
	open_tmp(d);
	raise(SIGTERM);
	if (ev_stop_signal != SIGTERM)
		_exit(102);
	/* Still running: the tool would flush and save here. */
	snprintf(path, sizeof(path), "%s/finished", d);
	close(open(path, O_WRONLY | O_CREAT, 0666));
	ev_exit(0);
}

/* SIGTERM twice: the second one removes temporaries and ends at once. */
static void
child_sigterm_twice(const char *d)
{
	char path[512];

	ev_signals_install(false);
	open_tmp(d);
	raise(SIGTERM);
	raise(SIGTERM);
	snprintf(path, sizeof(path), "%s/not-reached", d);
	close(open(path, O_WRONLY | O_CREAT, 0666));
	_exit(103);
}

/* Without a stop signal, ev_exit is exit. */
static void
child_ev_exit(const char *d)
{
	open_tmp(d);
	ev_signals_install(true);
	ev_exit(4);
}

/* SIGHUP with reload semantics only sets ev_reload_pending. */
static void
child_sighup_reload(const char *d)
{
	ev_signals_install(true);
	open_tmp(d);
	raise(SIGHUP);
	if (!ev_reload_pending || ev_stop_signal)
		_exit(104);
	raise(SIGINT);
	if (ev_stop_signal != SIGINT)
		_exit(105);
	ev_exit(0);
}

static void
child_sighup_stop(const char *d)
{
	ev_signals_install(false);
	open_tmp(d);
	raise(SIGHUP);
	if (ev_reload_pending || ev_stop_signal != SIGHUP)
		_exit(106);
	ev_exit(0);
}

static void
test_cleanup(void)
{
	const char *d;
	int st;

	d = subdir("exit");
	st = run_child(child_exit, d);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 7);
	CHECK_STR(listing(d), "");

	d = subdir("die");
	st = run_child(child_die, d);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == EV_EXIT_IO);
	CHECK_STR(listing(d), "");

	d = subdir("commit-one");
	st = run_child(child_commit_one, d);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_STR(listing(d), "kept");

	d = subdir("sigterm");
	st = run_child(child_sigterm, d);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	CHECK_STR(listing(d), "finished");

	d = subdir("sigterm2");
	st = run_child(child_sigterm_twice, d);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	CHECK_STR(listing(d), "");

	d = subdir("ev_exit");
	st = run_child(child_ev_exit, d);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 4);
	CHECK_STR(listing(d), "");

	d = subdir("sighup-reload");
	st = run_child(child_sighup_reload, d);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGINT);
	CHECK_STR(listing(d), "");

	d = subdir("sighup-stop");
	st = run_child(child_sighup_stop, d);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGHUP);
	CHECK_STR(listing(d), "");
}

static void
test_mkdir_parents(void)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/m/a/b/c", dir);
	CHECK_INT(mkdir_parents(path), 0);
	CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
	/* Existing directories are fine. */
	CHECK_INT(mkdir_parents(path), 0);
	snprintf(path, sizeof(path), "%s/m/a/x/", dir);
	CHECK_INT(mkdir_parents(path), 0);
	CHECK_STR(listing(in_dir("m/a")), "b x");
	snprintf(path, sizeof(path), "%s/m//d", dir);
	CHECK_INT(mkdir_parents(path), 0);
	CHECK_STR(listing(in_dir("m")), "a d");
	/* An empty path is no directory (and no read past its end). */
	errno = 0;
	CHECK_INT(mkdir_parents(""), -1);
	CHECK_INT(errno, ENOENT);
	CHECK_INT(mkdir_parents("/"), 0);
	/* A file in the way. */
	CHECK_INT(atomic_write_file(in_dir("m/file"), "", 0, 0666), 0);
	snprintf(path, sizeof(path), "%s/m/file/sub", dir);
	errno = 0;
	CHECK_INT(mkdir_parents(path), -1);
	CHECK_INT(errno, ENOTDIR);
	errno = 0;
	CHECK_INT(mkdir_parents(in_dir("m/file")), -1);
	CHECK_INT(errno, ENOTDIR);
	/* Relative paths. */
	CHECK_INT(chdir(dir), 0);
	CHECK_INT(mkdir_parents("rel/x"), 0);
	CHECK_INT(chdir("/"), 0);
	CHECK(stat(in_dir("rel/x"), &st) == 0 && S_ISDIR(st.st_mode));

	CHECK_INT(fsync_parent_dir(in_dir("m/a")), 0);
	errno = 0;
	CHECK_INT(fsync_parent_dir(in_dir("nothere/x")), -1);
	CHECK_INT(errno, ENOENT);
	CHECK_INT(fsync_parent_dir("/x"), 0);
	CHECK_INT(chdir(dir), 0);
	CHECK_INT(fsync_parent_dir("x"), 0);
	CHECK_INT(chdir("/"), 0);
}

static void
remove_tree(const char *p)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", p);
}

int
main(void)
{
	const char *tmp = getenv("TMPDIR");

	ev_setprogname("t_atomicfile");
	snprintf(dir, sizeof(dir), "%s/t_atomicfile.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_tmp_names();
	test_commit_abort();
	test_cleanup();
	test_mkdir_parents();
	remove_tree(dir);
	return unit_report("t_atomicfile");
}
