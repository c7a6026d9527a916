// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Newline framing: splits, limits, oversize. */
#include <stdlib.h>
#include "broker/proto/frame.h"
#include "unit.h"

static struct pf_frame_reader *reader(void)
{
	struct pf_frame_reader *r = malloc(sizeof(*r));

	pf_frame_reader_init(r);
	return r;
}

/* Copies the next frame into out (NUL-terminated); returns the status. */
static enum pf_frame_status next_str(struct pf_frame_reader *r, char *out, size_t cap)
{
	const char *f;
	size_t len;
	enum pf_frame_status st = pf_frame_next(r, &f, &len);

	out[0] = '\0';
	if (st == PF_FRAME_READY && len < cap) {
		memcpy(out, f, len);
		out[len] = '\0';
	}
	return st;
}

static void test_frame_split_byte_by_byte(void)
{
	struct pf_frame_reader *r = reader();
	const char *in = "{\"a\":1}\n{\"b\":2}\n";
	char out[64];
	int got = 0;

	for (size_t i = 0; in[i]; i++) {
		CHECK_EQ(pf_frame_feed(r, in + i, 1), 1);
		while (next_str(r, out, sizeof(out)) == PF_FRAME_READY) {
			CHECK_STR(out, got == 0 ? "{\"a\":1}" : "{\"b\":2}");
			got++;
		}
	}
	CHECK_EQ(got, 2);
	CHECK_EQ(pf_frame_pending(r), 0);
	free(r);
}

static void test_frame_many_in_one_read(void)
{
	struct pf_frame_reader *r = reader();
	const char *in = "one\n\ntwo\r\nthr";
	char out[64];

	CHECK_EQ(pf_frame_feed(r, in, strlen(in)), strlen(in));
	CHECK_EQ(next_str(r, out, sizeof(out)), PF_FRAME_READY);
	CHECK_STR(out, "one");
	/* the empty line is skipped; '\r' stays (JSON white space) */
	CHECK_EQ(next_str(r, out, sizeof(out)), PF_FRAME_READY);
	CHECK_STR(out, "two\r");
	CHECK_EQ(next_str(r, out, sizeof(out)), PF_FRAME_NEED_MORE);
	CHECK_EQ(pf_frame_pending(r), 3);
	CHECK_EQ(pf_frame_feed(r, "ee\n", 3), 3);
	CHECK_EQ(next_str(r, out, sizeof(out)), PF_FRAME_READY);
	CHECK_STR(out, "three");
	CHECK_EQ(next_str(r, out, sizeof(out)), PF_FRAME_NEED_MORE);
	free(r);
}

/* A line of PF_FRAME_MAX - 1 bytes and its newline is the largest frame. */
static void test_frame_largest_fits(void)
{
	struct pf_frame_reader *r = reader();
	char *line = malloc(PF_FRAME_MAX);
	const char *f;
	size_t len, room;
	char *dst;

	memset(line, 'x', PF_FRAME_MAX - 1);
	line[PF_FRAME_MAX - 1] = '\n';
	CHECK_EQ(pf_frame_feed(r, "a\n", 2), 2);
	CHECK_EQ(pf_frame_next(r, &f, &len), PF_FRAME_READY);
	/* space() compacts the consumed "a\n" away: the whole buffer is free */
	dst = pf_frame_space(r, &room);
	CHECK_EQ(room, PF_FRAME_MAX);
	memcpy(dst, line, PF_FRAME_MAX);
	pf_frame_commit(r, PF_FRAME_MAX);
	CHECK_EQ(pf_frame_next(r, &f, &len), PF_FRAME_READY);
	CHECK_EQ(len, PF_FRAME_MAX - 1);
	CHECK(f[0] == 'x' && f[len - 1] == 'x');
	CHECK_EQ(pf_frame_next(r, &f, &len), PF_FRAME_NEED_MORE);
	free(line);
	free(r);
}

static void test_frame_oversize_is_sticky(void)
{
	struct pf_frame_reader *r = reader();
	char *junk = malloc(PF_FRAME_MAX + 10);
	const char *f;
	size_t len, room;

	memset(junk, 'y', PF_FRAME_MAX + 10);
	/* the buffer takes PF_FRAME_MAX bytes and refuses the rest */
	CHECK_EQ(pf_frame_feed(r, junk, PF_FRAME_MAX + 10), PF_FRAME_MAX);
	CHECK_EQ(pf_frame_next(r, &f, &len), PF_FRAME_OVERSIZE);
	CHECK_EQ(pf_frame_next(r, &f, &len), PF_FRAME_OVERSIZE);
	pf_frame_space(r, &room);
	CHECK_EQ(room, 0);
	CHECK_EQ(pf_frame_feed(r, "\n", 1), 0);
	CHECK_EQ(pf_frame_next(r, &f, &len), PF_FRAME_OVERSIZE);
	free(junk);
	free(r);
}

/* 65536 bytes then a newline: one byte too long, even when split. */
static void test_frame_one_over_in_pieces(void)
{
	struct pf_frame_reader *r = reader();
	char chunk[1000];
	const char *f;
	size_t len, fed = 0;
	enum pf_frame_status st = PF_FRAME_NEED_MORE;

	memset(chunk, 'z', sizeof(chunk));
	while (fed < PF_FRAME_MAX && st == PF_FRAME_NEED_MORE) {
		size_t n = PF_FRAME_MAX - fed < sizeof(chunk) ? PF_FRAME_MAX - fed : sizeof(chunk);

		fed += pf_frame_feed(r, chunk, n);
		st = pf_frame_next(r, &f, &len);
	}
	CHECK_EQ(fed, PF_FRAME_MAX);
	CHECK_EQ(st, PF_FRAME_OVERSIZE);
	free(r);
}

/* After frames are consumed, a partial line moves to the front and grows. */
static void test_frame_partial_after_consumed(void)
{
	struct pf_frame_reader *r = reader();
	char *big = malloc(PF_FRAME_MAX);
	const char *f;
	size_t len;

	memset(big, 'q', PF_FRAME_MAX);
	CHECK_EQ(pf_frame_feed(r, "first\n", 6), 6);
	CHECK_EQ(pf_frame_feed(r, big, 40000), 40000);
	CHECK_EQ(pf_frame_next(r, &f, &len), PF_FRAME_READY);
	CHECK_EQ(len, 5);
	CHECK_EQ(pf_frame_next(r, &f, &len), PF_FRAME_NEED_MORE);
	CHECK_EQ(pf_frame_feed(r, big, 25535), 25535);
	CHECK_EQ(pf_frame_feed(r, "\n", 1), 1);
	CHECK_EQ(pf_frame_next(r, &f, &len), PF_FRAME_READY);
	CHECK_EQ(len, 65535);
	free(big);
	free(r);
}

int main(void)
{
	RUN(test_frame_split_byte_by_byte);
	RUN(test_frame_many_in_one_read);
	RUN(test_frame_largest_fits);
	RUN(test_frame_oversize_is_sticky);
	RUN(test_frame_one_over_in_pieces);
	RUN(test_frame_partial_after_consumed);
	return unit_done();
}
