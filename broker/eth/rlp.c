// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include "broker/eth/rlp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "userspace/common/buf.h"

#define RLP_STRING_OFFSET 0x80
#define RLP_LIST_OFFSET	  0xc0
#define RLP_SHORT_MAX	  55 /* longest payload whose length fits in the first byte */

void pf_rlp_init(struct pf_rlp *r)
{
	memset(r, 0, sizeof(*r));
}

void pf_rlp_free(struct pf_rlp *r)
{
	free(r->data);
	pf_rlp_init(r);
}

static int fail(struct pf_rlp *r, int err)
{
	if (!r->err)
		r->err = err;
	return r->err;
}

/* Makes room for n more bytes. */
static int reserve(struct pf_rlp *r, size_t n)
{
	uint8_t *p;

	if (r->err)
		return r->err;
	if (n > SIZE_MAX - r->len)
		return fail(r, -ENOMEM);
	p = pf_grow(r->data, &r->cap, r->len + n, 1);
	if (!p)
		return fail(r, -ENOMEM);
	r->data = p;
	return 0;
}

int pf_rlp_put_raw(struct pf_rlp *r, const void *p, size_t n)
{
	if (reserve(r, n))
		return r->err;
	if (n)
		memcpy(r->data + r->len, p, n);
	r->len += n;
	return 0;
}

/* Writes the header for a payload of len bytes into hdr; returns its size (1..9). */
static size_t header(uint8_t hdr[9], uint8_t offset, size_t len)
{
	size_t n = 0;

	if (len <= RLP_SHORT_MAX) {
		hdr[0] = (uint8_t)(offset + len);
		return 1;
	}
	for (size_t v = len; v; v >>= 8)
		n++;
	hdr[0] = (uint8_t)(offset + RLP_SHORT_MAX + n);
	for (size_t i = 0; i < n; i++)
		hdr[n - i] = (uint8_t)(len >> (8 * i));
	return 1 + n;
}

int pf_rlp_put_bytes(struct pf_rlp *r, const void *p, size_t n)
{
	uint8_t hdr[9];

	/* A single byte below 0x80 is its own encoding. */
	if (n == 1 && *(const uint8_t *)p < RLP_STRING_OFFSET)
		return pf_rlp_put_raw(r, p, 1);
	if (pf_rlp_put_raw(r, hdr, header(hdr, RLP_STRING_OFFSET, n)))
		return r->err;
	return pf_rlp_put_raw(r, p, n);
}

int pf_rlp_put_uint_be(struct pf_rlp *r, const uint8_t *be, size_t n)
{
	while (n && !*be) {
		be++;
		n--;
	}
	return pf_rlp_put_bytes(r, be, n);
}

int pf_rlp_put_uint(struct pf_rlp *r, uint64_t v)
{
	uint8_t be[8];

	for (int i = 0; i < 8; i++)
		be[i] = (uint8_t)(v >> (8 * (7 - i)));
	return pf_rlp_put_uint_be(r, be, sizeof(be));
}

size_t pf_rlp_list_begin(const struct pf_rlp *r)
{
	return r->len;
}

int pf_rlp_list_end(struct pf_rlp *r, size_t begin)
{
	uint8_t hdr[9];
	size_t payload, n;

	if (r->err)
		return r->err;
	if (begin > r->len)
		return fail(r, -EINVAL);
	payload = r->len - begin;
	n = header(hdr, RLP_LIST_OFFSET, payload);
	if (reserve(r, n))
		return r->err;
	memmove(r->data + begin + n, r->data + begin, payload);
	memcpy(r->data + begin, hdr, n);
	r->len += n;
	return 0;
}
