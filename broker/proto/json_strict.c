// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Recursive-descent JSON syntax check (no tree is built). */
#include <stdbool.h>
#include <string.h>
#include "userspace/common/hex.h"
#include "broker/proto/json_strict.h"

struct jcur {
	const unsigned char *p, *end;
	const char *what; /* for messages: "frame" or "data" */
	struct pf_err_msg *err;
};

static bool jfail(struct jcur *c, const char *why)
{
	pf_err_set(c->err, PF_E_MALFORMED_JSON, "%s: %s", c->what, why);
	return false;
}

static void jskip_ws(struct jcur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

/* Four hex digits after "\u"; -1 when malformed. */
static long jhex4(struct jcur *c)
{
	long v = 0;

	if (c->end - c->p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int d = pf_hex_digit(c->p[i]);

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	c->p += 4;
	return v;
}

/* One UTF-8 sequence (RFC 3629: shortest form, no surrogates, <= U+10FFFF). */
static bool jutf8(struct jcur *c)
{
	unsigned char b = *c->p;
	unsigned int cp, n;

	if (b < 0x80) {
		c->p++;
		return true;
	}
	if (b >= 0xc2 && b <= 0xdf)
		n = 1, cp = b & 0x1f;
	else if (b >= 0xe0 && b <= 0xef)
		n = 2, cp = b & 0x0f;
	else if (b >= 0xf0 && b <= 0xf4)
		n = 3, cp = b & 0x07;
	else
		return jfail(c, "invalid UTF-8");
	if ((size_t)(c->end - c->p) <= n)
		return jfail(c, "truncated UTF-8");
	for (unsigned int i = 1; i <= n; i++) {
		if ((c->p[i] & 0xc0) != 0x80)
			return jfail(c, "invalid UTF-8");
		cp = cp << 6 | (c->p[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return jfail(c, "invalid UTF-8");
	c->p += n + 1;
	return true;
}

/* A string; is_key forbids escapes so names compare as raw bytes. */
static bool jstring(struct jcur *c, bool is_key)
{
	c->p++; /* opening quote */
	while (c->p < c->end) {
		unsigned char b = *c->p;

		if (b == '"') {
			c->p++;
			return true;
		}
		if (b < 0x20)
			return jfail(c, "control character in a string");
		if (b != '\\') {
			if (!jutf8(c))
				return false;
			continue;
		}
		if (is_key)
			return jfail(c, "escape in a member name");
		c->p++;
		if (c->p >= c->end)
			break;
		b = *c->p++;
		if (b && strchr("\"\\/bfnrt", b))
			continue;
		if (b != 'u')
			return jfail(c, "invalid escape");
		long u = jhex4(c);

		if (u < 0)
			return jfail(c, "invalid \\u escape");
		if (u >= 0xdc00 && u <= 0xdfff)
			return jfail(c, "lone low surrogate");
		if (u >= 0xd800 && u <= 0xdbff) {
			if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u')
				return jfail(c, "lone high surrogate");
			c->p += 2;
			u = jhex4(c);
			if (u < 0xdc00 || u > 0xdfff)
				return jfail(c, "lone high surrogate");
		}
	}
	return jfail(c, "unterminated string");
}

static bool jdigits(struct jcur *c)
{
	const unsigned char *start = c->p;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
		c->p++;
	return c->p > start;
}

static bool jnumber(struct jcur *c)
{
	if (*c->p == '-')
		c->p++;
	if (c->p < c->end && *c->p == '0')
		c->p++;
	else if (!jdigits(c))
		return jfail(c, "invalid number");
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (!jdigits(c))
			return jfail(c, "invalid number");
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (!jdigits(c))
			return jfail(c, "invalid number");
	}
	return true;
}

static bool jliteral(struct jcur *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n))
		return jfail(c, "invalid literal");
	c->p += n;
	return true;
}

static bool jvalue(struct jcur *c, int depth);

struct jspan {
	const unsigned char *p;
	size_t len;
};

static bool jobject(struct jcur *c, int depth)
{
	struct jspan names[PF_JSON_MAX_MEMBERS];
	size_t n = 0;

	c->p++;
	jskip_ws(c);
	if (c->p < c->end && *c->p == '}') {
		c->p++;
		return true;
	}
	for (;;) {
		if (c->p >= c->end || *c->p != '"')
			return jfail(c, "member name expected");
		const unsigned char *key_pos = c->p;

		if (!jstring(c, true))
			return false;
		struct jspan name = {key_pos + 1, (size_t)(c->p - key_pos - 2)};

		for (size_t i = 0; i < n; i++)
			if (names[i].len == name.len && !memcmp(names[i].p, name.p, name.len))
				return jfail(c, "duplicate member name");
		if (n == PF_JSON_MAX_MEMBERS)
			return jfail(c, "too many members in an object");
		names[n++] = name;
		jskip_ws(c);
		if (c->p >= c->end || *c->p != ':')
			return jfail(c, "':' expected");
		c->p++;
		if (!jvalue(c, depth))
			return false;
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			jskip_ws(c);
			continue;
		}
		if (c->p < c->end && *c->p == '}') {
			c->p++;
			return true;
		}
		return jfail(c, "',' or '}' expected");
	}
}

static bool jarray(struct jcur *c, int depth)
{
	c->p++;
	jskip_ws(c);
	if (c->p < c->end && *c->p == ']') {
		c->p++;
		return true;
	}
	for (;;) {
		if (!jvalue(c, depth))
			return false;
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			continue;
		}
		if (c->p < c->end && *c->p == ']') {
			c->p++;
			return true;
		}
		return jfail(c, "',' or ']' expected");
	}
}

/* A value with the white space around it. */
static bool jvalue(struct jcur *c, int depth)
{
	bool ok;

	jskip_ws(c);
	if (c->p >= c->end)
		return jfail(c, "value expected");
	switch (*c->p) {
	case '{':
	case '[':
		if (depth >= PF_JSON_MAX_DEPTH)
			return jfail(c, "nested too deeply");
		ok = *c->p == '{' ? jobject(c, depth + 1) : jarray(c, depth + 1);
		break;
	case '"':
		ok = jstring(c, false);
		break;
	case 't':
		ok = jliteral(c, "true");
		break;
	case 'f':
		ok = jliteral(c, "false");
		break;
	case 'n':
		ok = jliteral(c, "null");
		break;
	default:
		if (*c->p == '-' || (*c->p >= '0' && *c->p <= '9'))
			ok = jnumber(c);
		else
			ok = jfail(c, "unexpected character");
	}
	if (ok)
		jskip_ws(c);
	return ok;
}

enum pf_err pf_json_check(const char *text, size_t len, const char *what, struct pf_err_msg *err)
{
	struct jcur c = {(const unsigned char *)text, (const unsigned char *)text + len, what, err};

	jskip_ws(&c);
	if (c.p >= c.end || *c.p != '{') {
		jfail(&c, "must be a JSON object");
		return err->code;
	}
	if (!jvalue(&c, 0))
		return err->code;
	if (c.p != c.end) {
		jfail(&c, "data after the object");
		return err->code;
	}
	return PF_OK;
}

struct json_object *pf_json_parse_object(const char *text, size_t len, const char *what,
					 struct pf_err_msg *err)
{
	struct json_tokener *tok;
	struct json_object *obj;

	if (pf_json_check(text, len, what, err))
		return NULL;
	tok = json_tokener_new_ex(PF_JSON_MAX_DEPTH + 1);
	if (!tok) {
		pf_err_set(err, PF_E_INTERNAL, "out of memory");
		return NULL;
	}
	obj = json_tokener_parse_ex(tok, text, (int)len);
	if (!obj || json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(obj, json_type_object)) {
		/* The check above accepts only what json-c accepts; say so if not. */
		pf_err_set(err, PF_E_MALFORMED_JSON, "%s: %s", what,
			   json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}
