/*
 * lists.h - the list files behind evscore's `in_list` operator.
 *
 * A list is a text file of entries, one per line, of one kind: values
 * (exact strings), domains (a domain and its subdomains) or CIDRs.  Lines
 * are trimmed of blanks; empty lines and lines starting with '#' are
 * ignored; for domains and CIDRs, a '#' comment may also follow the entry.
 * A list is read once when the model loads (and again on reload) into a
 * hash set or a sorted range set, so a lookup costs O(1) or O(log n)
 * whatever the list's size.
 */
#ifndef EVSCORE_LISTS_H
#define EVSCORE_LISTS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "netmatch.h"
#include "strset.h"

#define LIST_MAX_BYTES (256u << 20)

enum list_kind { LIST_VALUE, LIST_DOMAIN, LIST_CIDR };

struct list {
	char *name; /* the file as the model names it */
	char *path; /* resolved against the model's directory */
	enum list_kind kind;
	bool nocase;       /* values compared without ASCII case */
	size_t entries;    /* distinct entries */
	struct strset set; /* LIST_VALUE, LIST_DOMAIN */
	struct ipset ips;  /* LIST_CIDR */
};

/* "value", "domain", "cidr". */
const char *list_kind_name(enum list_kind k);

/*
 * Reads the whole file PATH into OUT.  Returns 0, or -1 with the reason
 * in WHY.  The default accepts only regular files of at most
 * LIST_MAX_BYTES; a fuzz target replaces it to keep off the file system.
 */
extern int (*list_read_file)(const char *path, struct buf *out, char *why,
			     size_t whylen);

/*
 * Loads L->path as a list of L->kind.  Returns 0, or -1 with the reason in
 * WHY, e.g. "cannot read 'x.txt': No such file or directory" or "line 3:
 * invalid CIDR '10.0.0.1/8': host bits set ...".
 */
int list_load(struct list *l, char *why, size_t whylen);

void list_free(struct list *l);

#endif
