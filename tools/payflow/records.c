// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Local records of bought reservations, PAYFLOW_HOME/reservations/ID.json:
 * the broker, every payment and the latest signed CONFIRM (the proof of
 * purchase), so that status, extend and watch work without repeating them.
 * PAYFLOW_HOME/reservations/last names the most recent one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "userspace/common/addr.h"
#include "tools/payflow/cli.h"
#include "broker/proto/quote.h"

static int record_dir(struct cli *c, char *dir, size_t len)
{
	snprintf(dir, len, "%s/reservations", c->home);
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int record_write_atomic(const char *path, const char *text)
{
	char tmp[PATH_MAX + 160];
	size_t len = strlen(text);
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len || fsync(fd))
		rc = errno ? -errno : -EIO;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

static void add_amounts(const char *a, const char *b, char out[PF_AMOUNT_MAX])
{
	struct pf_u256 x, y, z;

	if (pf_u256_parse_dec(a, &x) || pf_u256_parse_dec(b, &y) || pf_u256_add(&x, &y, &z) ||
	    pf_u256_to_dec(&z, out, PF_AMOUNT_MAX) < 0)
		snprintf(out, PF_AMOUNT_MAX, "%s", b);
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		   ? json_object_get_string(v)
		   : NULL;
}

int record_payment(struct cli *c, const struct session *s, const struct pf_confirm *cf,
		   const char *amount, const char *payer, const char *order_frame)
{
	char dir[PATH_MAX + 32], path[PATH_MAX + 96], spent[PF_AMOUNT_MAX], ip[PF_ADDR_STRLEN];
	struct json_object *o, *pays, *p;
	const char *old;
	int rc = record_dir(c, dir, sizeof(dir));

	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s/%s.json", dir, cf->reservation_id);
	o = json_object_from_file(path);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = json_object_new_object();
	}
	old = jstr(o, "spent");
	if (old)
		add_amounts(old, amount, spent);
	else
		snprintf(spent, sizeof(spent), "%s", amount);
	json_object_object_add(o, "reservation_id", json_object_new_string(cf->reservation_id));
	json_object_object_add(o, "broker", json_object_new_string(s->name));
	json_object_object_add(o, "ip1", json_object_new_string(fmt_ip(cf->ip1, ip, sizeof(ip))));
	json_object_object_add(o, "ip2", json_object_new_string(fmt_ip(cf->ip2, ip, sizeof(ip))));
	json_object_object_add(o, "level", json_object_new_int64((int64_t)cf->level));
	json_object_object_add(o, "rate_bps", json_object_new_int64((int64_t)cf->rate_bps));
	json_object_object_add(o, "start", json_object_new_int64((int64_t)cf->start));
	json_object_object_add(o, "end", json_object_new_int64((int64_t)cf->end));
	json_object_object_add(o, "currency", json_object_new_string(s->menu.currency));
	json_object_object_add(o, "decimals", json_object_new_int64((int64_t)s->menu.decimals));
	json_object_object_add(o, "spent", json_object_new_string(spent));
	if (!json_object_object_get_ex(o, "payments", &pays)) {
		pays = json_object_new_array();
		json_object_object_add(o, "payments", pays);
	}
	p = json_object_new_object();
	json_object_object_add(p, "quote_id", json_object_new_string(cf->quote_id));
	json_object_object_add(p, "tx_hash", json_object_new_string(cf->tx_hash));
	json_object_object_add(p, "amount", json_object_new_string(amount));
	json_object_object_add(p, "payer", json_object_new_string(payer));
	json_object_array_add(pays, p);
	json_object_object_add(p, "order", json_object_new_string(order_frame));
	if (s->last_frame)
		json_object_object_add(o, "confirm", json_object_new_string(s->last_frame));
	rc = record_write_atomic(path,
				 json_object_to_json_string_ext(
				     o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	if (!rc) {
		char last[PATH_MAX + 48], text[PF_ID_HEX + 2];

		snprintf(last, sizeof(last), "%s/last", dir);
		snprintf(text, sizeof(text), "%s\n", cf->reservation_id);
		rc = record_write_atomic(last, text);
	}
	return rc;
}

static int read_last(const char *dir, char id[PF_ID_HEX + 1])
{
	char path[PATH_MAX + 48], buf[PF_ID_HEX + 4];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/last", dir);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (!pf_quote_id_valid(buf))
		return -EINVAL;
	memcpy(id, buf, PF_ID_HEX + 1);
	return 0;
}

int record_load(struct cli *c, const char *id, struct record *r)
{
	char dir[PATH_MAX + 32], path[PATH_MAX + 96], last[PF_ID_HEX + 1];
	struct json_object *o, *v;
	const char *str;
	int rc;

	memset(r, 0, sizeof(*r));
	snprintf(dir, sizeof(dir), "%s/reservations", c->home);
	if (!id || !*id) {
		rc = read_last(dir, last);
		if (rc)
			return rc;
		id = last;
	}
	if (!pf_quote_id_valid(id))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s.json", dir, id);
	if (access(path, R_OK))
		return -errno;
	o = json_object_from_file(path);
	if (!o)
		return -EINVAL;
	snprintf(r->reservation_id, sizeof(r->reservation_id), "%s", id);
	if ((str = jstr(o, "broker")))
		snprintf(r->broker, sizeof(r->broker), "%s", str);
	if ((str = jstr(o, "spent")))
		snprintf(r->spent, sizeof(r->spent), "%s", str);
	if ((str = jstr(o, "currency")))
		snprintf(r->currency, sizeof(r->currency), "%s", str);
	if (json_object_object_get_ex(o, "decimals", &v))
		r->decimals = (unsigned int)json_object_get_int(v);
	if (json_object_object_get_ex(o, "end", &v))
		r->end = (uint64_t)json_object_get_int64(v);
	json_object_put(o);
	return 0;
}

int record_arg(struct cli *c, int argc, char **argv, const char **id, struct record *rec,
	       const char **broker)
{
	int rc;

	*id = NULL;
	if (optind < argc)
		*id = argv[optind++];
	if (optind < argc)
		return cli_fail(c, PF_EXIT_USAGE, NULL, "unexpected argument '%s'", argv[optind]);
	if (*id && !pf_quote_id_valid(*id))
		return cli_fail(c, PF_EXIT_USAGE, NULL,
				"'%s' is not a reservation id (32 hex digits)", *id);
	rc = record_load(c, *id, rec);
	if (!*id && rc)
		return cli_fail(c, PF_EXIT_USAGE, NULL,
				"no reservation bought here yet: give RESERVATION");
	if (!*id)
		*id = rec->reservation_id;
	*broker = !c->broker && !rc && rec->broker[0] ? rec->broker : cli_broker(c);
	return 0;
}
