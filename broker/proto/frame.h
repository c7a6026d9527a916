/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Newline framing of the REQUEST channel: one JSON object per line, at most
 * PF_FRAME_MAX bytes including the '\n'. The reader takes bytes as they
 * arrive (any split) and hands out complete frames; it never blocks, so an
 * epoll server keeps one reader per connection.
 *
 *   n = read(fd, pf_frame_space(r, &room), room);  pf_frame_commit(r, n);
 *   while ((st = pf_frame_next(r, &f, &len)) == PF_FRAME_READY) handle(f, len);
 *   if (st == PF_FRAME_OVERSIZE) { send ERROR oversize_frame; close; }
 */
#ifndef PF_FRAME_H
#define PF_FRAME_H

#include <stdbool.h>
#include <stddef.h>

#define PF_FRAME_MAX 65536 /* bytes, including the terminating '\n' */

enum pf_frame_status {
	PF_FRAME_READY,	    /* a frame was returned */
	PF_FRAME_NEED_MORE, /* no complete frame buffered; feed more bytes */
	PF_FRAME_OVERSIZE,  /* a line is longer than PF_FRAME_MAX; the stream is unusable */
};

struct pf_frame_reader {
	size_t start; /* first byte not yet handed out */
	size_t scan;  /* bytes before this offset hold no '\n' (from start) */
	size_t len;   /* bytes buffered */
	bool oversize;
	char buf[PF_FRAME_MAX];
};

void pf_frame_reader_init(struct pf_frame_reader *r);

/*
 * Free room at the end of the buffer, for read(2) to fill directly; follow
 * with pf_frame_commit(). Room is 0 only after PF_FRAME_OVERSIZE.
 */
char *pf_frame_space(struct pf_frame_reader *r, size_t *room);
void pf_frame_commit(struct pf_frame_reader *r, size_t n);

/* Copies in up to len bytes; returns how many it took (less when full). */
size_t pf_frame_feed(struct pf_frame_reader *r, const void *data, size_t len);

/*
 * The next complete frame, without its '\n' (a trailing '\r' is kept; JSON
 * treats it as white space). Empty lines are skipped. The frame points into
 * the reader and stays valid until the next call on the reader.
 * Oversize is sticky: once returned, every later call returns it too.
 */
enum pf_frame_status pf_frame_next(struct pf_frame_reader *r, const char **frame, size_t *len);

/* Bytes buffered that are not yet part of a returned frame. */
size_t pf_frame_pending(const struct pf_frame_reader *r);

#endif /* PF_FRAME_H */
