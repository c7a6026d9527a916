// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Incremental newline framing with a fixed per-connection buffer. */
#include <string.h>
#include "broker/proto/frame.h"

void pf_frame_reader_init(struct pf_frame_reader *r)
{
	r->start = 0;
	r->scan = 0;
	r->len = 0;
	r->oversize = false;
}

/* Moves the unread tail to the front so a partial line can grow. */
static void frame_compact(struct pf_frame_reader *r)
{
	if (r->start == 0)
		return;
	memmove(r->buf, r->buf + r->start, r->len - r->start);
	r->len -= r->start;
	r->scan -= r->start;
	r->start = 0;
}

char *pf_frame_space(struct pf_frame_reader *r, size_t *room)
{
	if (r->oversize) {
		*room = 0;
		return r->buf + r->len;
	}
	frame_compact(r);
	*room = sizeof(r->buf) - r->len;
	return r->buf + r->len;
}

void pf_frame_commit(struct pf_frame_reader *r, size_t n)
{
	if (n > sizeof(r->buf) - r->len)
		n = sizeof(r->buf) - r->len;
	r->len += n;
}

size_t pf_frame_feed(struct pf_frame_reader *r, const void *data, size_t len)
{
	size_t room;
	char *dst = pf_frame_space(r, &room);

	if (len > room)
		len = room;
	memcpy(dst, data, len);
	pf_frame_commit(r, len);
	return len;
}

enum pf_frame_status pf_frame_next(struct pf_frame_reader *r, const char **frame, size_t *len)
{
	while (!r->oversize) {
		char *nl = memchr(r->buf + r->scan, '\n', r->len - r->scan);

		if (!nl) {
			r->scan = r->len;
			/* A full line is at most PF_FRAME_MAX - 1 bytes before its '\n'. */
			if (r->len - r->start >= PF_FRAME_MAX)
				r->oversize = true;
			else
				return PF_FRAME_NEED_MORE;
			break;
		}
		size_t end = (size_t)(nl - r->buf);
		size_t begin = r->start;

		r->start = end + 1;
		r->scan = r->start;
		if (end == begin)
			continue; /* empty line */
		*frame = r->buf + begin;
		*len = end - begin;
		return PF_FRAME_READY;
	}
	return PF_FRAME_OVERSIZE;
}

size_t pf_frame_pending(const struct pf_frame_reader *r)
{
	return r->len - r->start;
}
