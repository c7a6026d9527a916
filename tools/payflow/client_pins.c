// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The buyer's pinned broker keys (known_hosts style); see client_pins.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tools/payflow/client_pins.h"
#include "userspace/common/error.h"
#include "userspace/common/hex.h"

/* One parsed line: blank/comment, or a name and a key. */
struct pin_line {
	const char *name;
	size_t name_len;
	const char *key;
	size_t key_len;
};

static int valid_name_char(char c)
{
	return c > ' ' && c < 0x7f && c != '#';
}

/* 1 for a pin, 0 for a blank or comment line, -EINVAL when malformed. */
static int parse_line(const char *s, size_t n, struct pin_line *pl)
{
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	if (i == n || s[i] == '#')
		return 0;
	pl->name = s + i;
	while (i < n && valid_name_char(s[i]))
		i++;
	pl->name_len = (size_t)(s + i - pl->name);
	if (i == n || (s[i] != ' ' && s[i] != '\t'))
		return -EINVAL;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	pl->key = s + i;
	while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
		i++;
	pl->key_len = (size_t)(s + i - pl->key);
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	if (i != n || pl->name_len > PF_PIN_NAME_MAX ||
	    !pf_hex_valid(pl->key, pl->key_len, PF_PUBKEY_HEX))
		return -EINVAL;
	return 1;
}

static int name_is(const struct pin_line *pl, const char *name)
{
	return pl->name_len == strlen(name) && !memcmp(pl->name, name, pl->name_len);
}

/*
 * Walks the lines; for the line pinning name sets *at (its offset) and *end.
 * Returns 1 found, 0 not found, -EINVAL malformed.
 */
static int scan(const char *text, size_t len, const char *name, uint8_t pk[PF_PUBKEY_BYTES],
		size_t *at, size_t *end)
{
	size_t pos = 0, lineno = 0;
	int found = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		struct pin_line pl;
		int rc;

		lineno++;
		rc = parse_line(text + pos, n, &pl);
		if (rc < 0)
			return pf_fail(-EINVAL,
				       "line %zu is not \"HOST:PORT KEY\" with a 64-hex-digit key",
				       lineno);
		if (rc && name_is(&pl, name)) {
			if (found)
				return pf_fail(-EINVAL, "line %zu pins %s a second time", lineno,
					       name);
			found = 1;
			if (pk)
				pf_hex_decode_exact(pl.key, pl.key_len, pk, PF_PUBKEY_BYTES);
			if (at)
				*at = pos;
			if (end)
				*end = nl ? pos + n + 1 : len;
		}
		pos += n + (nl ? 1 : 0);
	}
	return found;
}

static int name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (!n || n > PF_PIN_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!valid_name_char(name[i]))
			return 0;
	return 1;
}

int pf_pins_find(const char *text, size_t len, const char *name, uint8_t pk[PF_PUBKEY_BYTES])
{
	if (!name_ok(name))
		return pf_fail(-EINVAL, "'%s' is not a broker name", name ? name : "");
	return scan(text, len, name, pk, NULL, NULL);
}

char *pf_pins_replace(const char *text, size_t len, const char *name,
		      const uint8_t pk[PF_PUBKEY_BYTES], size_t *out_len)
{
	char line[PF_PIN_NAME_MAX + PF_PUBKEY_HEX + 3], hex[PF_PUBKEY_HEX + 1];
	size_t at = len, end = len, line_len, head;
	char *out;
	int found = pf_pins_find(text, len, name, NULL);

	if (found < 0) {
		errno = EINVAL;
		return NULL;
	}
	if (found)
		scan(text, len, name, NULL, &at, &end);
	line_len = (size_t)snprintf(line, sizeof(line), "%s %s\n", name,
				    pf_hex_encode(pk, PF_PUBKEY_BYTES, hex));
	/* An appended line needs the last existing line to end in '\n'. */
	head = at;
	out = malloc(len + line_len + 2);
	if (!out) {
		errno = ENOMEM;
		return NULL;
	}
	memcpy(out, text, head);
	if (!found && head && text[head - 1] != '\n')
		out[head++] = '\n';
	memcpy(out + head, line, line_len);
	memcpy(out + head + line_len, text + end, len - end);
	*out_len = head + line_len + (len - end);
	out[*out_len] = '\0';
	return out;
}

/* Reads a whole (small) file; a missing file is empty. 0 or -errno. */
static int read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "r");
	long n;

	*buf = NULL;
	*len = 0;
	if (!f)
		return errno == ENOENT
			   ? 0
			   : pf_fail(-errno, "cannot read %s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(*buf = malloc((size_t)n + 1)) || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		int e = errno ? errno : EIO;

		fclose(f);
		free(*buf);
		*buf = NULL;
		return pf_fail(-e, "cannot read %s: %s", path, strerror(e));
	}
	fclose(f);
	(*buf)[n] = '\0';
	*len = (size_t)n;
	return 0;
}

int pf_pins_lookup(const char *path, const char *name, uint8_t pk[PF_PUBKEY_BYTES])
{
	char *buf;
	size_t len;
	int rc = read_file(path, &buf, &len);

	if (rc)
		return rc;
	rc = pf_pins_find(buf ? buf : "", len, name, pk);
	free(buf);
	if (rc < 0)
		return pf_fail(rc, "%s: %s", path, pf_last_error());
	return rc;
}

/* Writes text to path through a temporary file and rename(2), mode 0600. */
static int write_atomic(const char *path, const char *text, size_t len)
{
	char tmp[4096];
	int fd, e;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= sizeof(tmp))
		return pf_fail(-ENAMETOOLONG, "path %s is too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return pf_fail(-errno, "cannot create %s: %s", tmp, strerror(errno));
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) || close(fd)) {
		e = errno ? errno : EIO;
		unlink(tmp);
		return pf_fail(-e, "cannot write %s: %s", tmp, strerror(e));
	}
	if (rename(tmp, path)) {
		e = errno;
		unlink(tmp);
		return pf_fail(-e, "cannot replace %s: %s", path, strerror(e));
	}
	return 0;
}

int pf_pins_store(const char *path, const char *name, const uint8_t pk[PF_PUBKEY_BYTES])
{
	char *buf, *out;
	size_t len, out_len;
	int rc = read_file(path, &buf, &len);

	if (rc)
		return rc;
	out = pf_pins_replace(buf ? buf : "", len, name, pk, &out_len);
	free(buf);
	if (!out)
		return pf_fail(-errno, "%s: %s", path,
			       errno == ENOMEM ? "out of memory" : pf_last_error());
	rc = write_atomic(path, out, out_len);
	free(out);
	return rc;
}

enum pf_pin_verdict pf_pins_verdict(int found, const uint8_t pinned[PF_PUBKEY_BYTES],
				    const uint8_t seen[PF_PUBKEY_BYTES])
{
	if (found != 1)
		return PF_PIN_NEW;
	return memcmp(pinned, seen, PF_PUBKEY_BYTES) ? PF_PIN_CHANGED : PF_PIN_MATCH;
}

int pf_pins_name(const char *host, unsigned int port, char *out, size_t len)
{
	int n;

	if (!host || !*host || port == 0 || port > 65535)
		return -EINVAL;
	n = snprintf(out, len, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
	if (n < 0 || (size_t)n >= len || n > PF_PIN_NAME_MAX || !name_ok(out))
		return -ENAMETOOLONG;
	return 0;
}
