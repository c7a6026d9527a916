/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The buyer's pinned broker keys, like ssh's known_hosts: the first MENU from
 * a broker pins its ed25519 key under the broker's "HOST:PORT" name; later
 * sessions must see the same key (docs/PROTOCOL.md, "The broker key").
 *
 * File format (docs/CLIENT.md): one pin per line, "NAME KEYHEX", where NAME
 * is host:port ([v6addr]:port for IPv6) and KEYHEX is 64 hex digits. Blank
 * lines and lines starting with '#' are ignored; anything else is an error
 * naming the line. The file is rewritten atomically with mode 0600.
 *
 * Functions return as documented, and on failure leave one sentence in
 * pf_last_error().
 */
#ifndef PF_CLIENT_PINS_H
#define PF_CLIENT_PINS_H

#include <stddef.h>
#include <stdint.h>
#include "broker/proto/sign.h"

#define PF_PIN_NAME_MAX 300 /* a host name (255) and ":port", bracketed */

enum pf_pin_verdict {
	PF_PIN_NEW,	/* no pin for this broker yet: trust on first use */
	PF_PIN_MATCH,	/* the pinned key */
	PF_PIN_CHANGED, /* a different key than the pinned one: refuse */
};

/*
 * Finds name in file text: 1 (pk filled) when pinned, 0 when not, -EINVAL
 * for a malformed line (err names it). A name pinned twice is malformed.
 */
int pf_pins_find(const char *text, size_t len, const char *name, uint8_t pk[PF_PUBKEY_BYTES]);

/*
 * The text with name pinned to pk: an existing line for name is replaced in
 * place, otherwise one line is appended; other lines are kept verbatim.
 * Returns a malloc'd NUL-terminated string (length in *out_len), or NULL
 * with errno ENOMEM or EINVAL (malformed text or name; pf_last_error() says why).
 */
char *pf_pins_replace(const char *text, size_t len, const char *name,
		      const uint8_t pk[PF_PUBKEY_BYTES], size_t *out_len);

/* pf_pins_find on a file; a missing file pins nothing (0). */
int pf_pins_lookup(const char *path, const char *name, uint8_t pk[PF_PUBKEY_BYTES]);
/* Pins name to pk in the file (created with mode 0600), atomically. 0 or -errno. */
int pf_pins_store(const char *path, const char *name, const uint8_t pk[PF_PUBKEY_BYTES]);

/* The verdict for a broker that shows key seen; found is pf_pins_*'s 0 or 1. */
enum pf_pin_verdict pf_pins_verdict(int found, const uint8_t pinned[PF_PUBKEY_BYTES],
				    const uint8_t seen[PF_PUBKEY_BYTES]);

/* "HOST:PORT", or "[HOST]:PORT" when host contains ':'. -ENAMETOOLONG, -EINVAL. */
int pf_pins_name(const char *host, unsigned int port, char *out, size_t len);

#endif /* PF_CLIENT_PINS_H */
