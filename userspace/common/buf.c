// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "userspace/common/buf.h"

#define GROW_MIN 16

void *pf_grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : GROW_MIN;

	if (p && need <= *cap)
		return p;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return NULL;
		n *= 2;
	}
	if (!size || n > SIZE_MAX / size)
		return NULL;
	p = realloc(p, n * size);
	if (p)
		*cap = n;
	return p;
}

int pf_buf_reserve(struct pf_buf *b, size_t more)
{
	char *p;

	if (more > SIZE_MAX - b->len - 1)
		return -ENOMEM;
	p = pf_grow(b->data, &b->cap, b->len + more + 1, 1);
	if (!p)
		return -ENOMEM;
	b->data = p;
	return 0;
}

int pf_buf_append(struct pf_buf *b, const void *p, size_t n)
{
	if (pf_buf_reserve(b, n))
		return -ENOMEM;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int pf_buf_printf(struct pf_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if (pf_buf_reserve(b, (size_t)n))
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void pf_buf_consume(struct pf_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
	} else {
		memmove(b->data, b->data + n, b->len - n);
		b->len -= n;
	}
	if (b->data)
		b->data[b->len] = '\0';
}

void pf_buf_free(struct pf_buf *b)
{
	free(b->data);
	*b = (struct pf_buf){0};
}
