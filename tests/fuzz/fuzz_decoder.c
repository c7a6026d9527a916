// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * libFuzzer target: bytes -> frame reader (split as the first byte says)
 * -> decoder, as broker and as client. Every frame that decodes must
 * re-encode, and the re-encoded frame must decode to the same type: the
 * encoder and decoder may never disagree about what is valid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "broker/proto/frame.h"
#include "broker/proto/messages.h"

static struct pf_keypair broker_key, client_key;

static void keys_init(void)
{
	static int done;
	uint8_t seed[32];

	if (done)
		return;
	memset(seed, 0x11, 32);
	pf_keypair_from_seed(&broker_key, seed);
	memset(seed, 0x22, 32);
	pf_keypair_from_seed(&client_key, seed);
	done = 1;
}

static void check_reencode(const struct pf_msg *m)
{
	const struct pf_keypair *signer =
	    pf_msg_sender(m->type) == PF_FROM_BROKER ? &broker_key : &client_key;
	struct pf_msg *back = malloc(sizeof(*back));
	struct pf_err_msg err;
	size_t len;
	char *frame = pf_msg_encode(m, signer, &len);

	if (!frame) {
		fprintf(stderr, "decoded %s does not re-encode\n", pf_msg_type_name(m->type));
		abort();
	}
	if (pf_msg_decode(frame, len - 1, pf_msg_sender(m->type), broker_key.pk, back, &err) ||
	    back->type != m->type) {
		fprintf(stderr, "re-encoded %s does not decode: %s\n%s", pf_msg_type_name(m->type),
			err.text, frame);
		abort();
	}
	free(frame);
	free(back);
}

static void decode_both_ways(const char *f, size_t len)
{
	struct pf_msg *m = malloc(sizeof(*m));
	struct pf_err_msg err;

	if (pf_msg_decode(f, len, PF_FROM_CLIENT, NULL, m, &err) == PF_OK)
		check_reencode(m);
	else if (!pf_err_name(err.code) || strlen(err.text) >= sizeof(err.text))
		abort();
	if (pf_msg_decode(f, len, PF_FROM_BROKER, broker_key.pk, m, &err) == PF_OK)
		check_reencode(m);
	if (pf_msg_decode(f, len, PF_FROM_BROKER, NULL, m, &err) == PF_OK && m->type != PF_MSG_MENU)
		abort(); /* without a pinned key only a MENU may pass */
	free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pf_frame_reader reader;
	size_t chunk, off = 0;
	const char *f;
	size_t flen;
	enum pf_frame_status st = PF_FRAME_NEED_MORE;

	keys_init();
	if (size == 0)
		return 0;
	/* The first byte picks the read size, so splits are explored too. */
	chunk = (size_t)data[0] % 64 + 1;
	data++;
	size--;
	pf_frame_reader_init(&reader);
	while (off < size && st != PF_FRAME_OVERSIZE) {
		size_t n = size - off < chunk ? size - off : chunk;

		off += pf_frame_feed(&reader, data + off, n);
		while ((st = pf_frame_next(&reader, &f, &flen)) == PF_FRAME_READY)
			decode_both_ways(f, flen);
	}
	/* A final line without '\n' is decoded as well (as if at end of stream). */
	if (st == PF_FRAME_NEED_MORE && pf_frame_pending(&reader))
		decode_both_ways(reader.buf + reader.start, pf_frame_pending(&reader));
	return 0;
}
