/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Growable memory, one policy for all: arrays and byte buffers double from
 * a small start, and a failed growth leaves the old contents in place.
 * pf_buf is the byte form (RLP, HTTP bodies, metrics text, socket queues);
 * its data is always NUL-terminated so text users can print it.
 */
#ifndef PF_BUF_H
#define PF_BUF_H

#include <stddef.h>

/*
 * Returns p grown to hold at least need elements of size bytes (*cap is
 * updated), p itself when it already does, or NULL when out of memory (p is
 * then still valid and *cap unchanged).
 */
void *pf_grow(void *p, size_t *cap, size_t need, size_t size);

struct pf_buf {
	char *data; /* NULL until the first append; then NUL-terminated */
	size_t len;
	size_t cap;
};

/* Room for `more` bytes after len (plus the NUL). 0 or -ENOMEM. */
int pf_buf_reserve(struct pf_buf *b, size_t more);
int pf_buf_append(struct pf_buf *b, const void *p, size_t n);
int pf_buf_printf(struct pf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drops the first n bytes (what was sent). */
void pf_buf_consume(struct pf_buf *b, size_t n);
void pf_buf_free(struct pf_buf *b);

#endif /* PF_BUF_H */
