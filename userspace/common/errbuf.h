/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The caller's error buffer: wallet, key and ledger calls take
 * (char *err, size_t errlen) and, when they fail, leave one sentence there
 * saying why. err may be NULL (or errlen 0) when the caller does not care.
 */
#ifndef PF_ERRBUF_H
#define PF_ERRBUF_H

#include <stddef.h>

/* Formats the sentence into err (if given) and returns rc, for tail calls. */
int pf_errbuf(int rc, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif /* PF_ERRBUF_H */
