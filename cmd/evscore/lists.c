/*
 * lists.c - loading list files for in_list (see lists.h).
 */
#include "lists.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quote.h"
#include "util.h"

const char *
list_kind_name(enum list_kind k)
{
	switch (k) {
	case LIST_DOMAIN:
		return "domain";
	case LIST_CIDR:
		return "cidr";
	default:
		return "value";
	}
}

static int
list_read_default(const char *file, struct buf *out, char *why, size_t whylen)
{
	struct stat st;
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	char path[400];

	quote_text(file, strlen(file), path, sizeof(path));

	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(why, whylen, "cannot read '%s': %s", path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "cannot read '%s': not a regular file",
			 path);
		close(fd);
		return -1;
	}
	if ((uint64_t)st.st_size > LIST_MAX_BYTES) {
		snprintf(why, whylen, "'%s' is larger than %u bytes", path,
			 LIST_MAX_BYTES);
		close(fd);
		return -1;
	}
	if (buf_read_fd(out, fd, LIST_MAX_BYTES) < 0) {
		if (errno == EFBIG)
			snprintf(why, whylen, "'%s' is larger than %u bytes",
				 path, LIST_MAX_BYTES);
		else
			snprintf(why, whylen, "cannot read '%s': %s", path,
				 strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int (*list_read_file)(const char *path, struct buf *out, char *why,
		      size_t whylen) = list_read_default;

static bool
list_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Adds one entry (trimmed, not a comment) of line LINENO. */
static int
list_entry(struct list *l, const char *p, size_t n, size_t lineno, char *why,
	   size_t whylen)
{
	char reason[160], q[400];

	if (l->kind != LIST_VALUE) {
		/* One token, optionally followed by a comment. */
		size_t t = 0, k;

		while (t < n && !list_blank(p[t]))
			t++;
		for (k = t; k < n && list_blank(p[k]); k++)
			;
		if (k < n && p[k] != '#') {
			snprintf(why, whylen,
				 "line %zu: unexpected text after the %s "
				 "'%s'",
				 lineno, list_kind_name(l->kind),
				 quote_text(p, t, q, sizeof(q)));
			return -1;
		}
		n = t;
	}
	if (l->kind == LIST_CIDR) {
		struct cidr c;

		if (cidr_parse(p, n, &c, reason, sizeof(reason)) < 0) {
			snprintf(why, whylen, "line %zu: invalid CIDR '%s': %s",
				 lineno, quote_text(p, n, q, sizeof(q)),
				 reason);
			return -1;
		}
		ipset_add(&l->ips, &c);
		return 0;
	}
	if (l->kind == LIST_DOMAIN) {
		char d[256];
		int dn;

		if (n > 254 || (dn = domain_normalise(p, n, d, reason,
						      sizeof(reason))) < 0) {
			snprintf(
			    why, whylen, "line %zu: invalid domain '%s': %s",
			    lineno, quote_text(p, n, q, sizeof(q)),
			    n > 254 ? "domain longer than 253 bytes" : reason);
			return -1;
		}
		if (strset_add(&l->set, d, (size_t)dn))
			l->entries++;
		return 0;
	}
	if (strset_add(&l->set, p, n))
		l->entries++;
	return 0;
}

int
list_load(struct list *l, char *why, size_t whylen)
{
	struct buf text = BUF_INIT;
	size_t pos = 0, lineno = 0;
	int r = 0;

	strset_init(&l->set, l->kind == LIST_DOMAIN || l->nocase);
	ipset_init(&l->ips);
	l->entries = 0;
	if (list_read_file(l->path, &text, why, whylen) < 0) {
		buf_free(&text);
		return -1;
	}
	while (pos < text.len) {
		const char *p = text.data + pos;
		const char *nl = memchr(p, '\n', text.len - pos);
		size_t n = nl ? (size_t)(nl - p) : text.len - pos;

		pos += n + (nl ? 1 : 0);
		lineno++;
		while (n > 0 && list_blank(*p)) {
			p++;
			n--;
		}
		while (n > 0 && list_blank(p[n - 1]))
			n--;
		if (n == 0 || *p == '#')
			continue;
		if ((r = list_entry(l, p, n, lineno, why, whylen)) < 0)
			break;
	}
	buf_free(&text);
	if (r == 0 && l->kind == LIST_CIDR) {
		ipset_finish(&l->ips);
		l->entries = l->ips.added;
	}
	return r;
}

void
list_free(struct list *l)
{
	if (l == NULL)
		return;
	strset_free(&l->set);
	ipset_free(&l->ips);
	free(l->name);
	free(l->path);
	free(l);
}
