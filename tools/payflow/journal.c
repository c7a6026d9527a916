// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Purchases in progress, PAYFLOW_HOME/purchases/QUOTE_ID.json: the signed
 * QUOTE is written before paying, the transaction hash and the signed ORDER
 * as soon as the hash is known (a local key: after signing, before sending;
 * a node-managed account: when eth_sendTransaction returns). A purchase that
 * ends in CONFIRM moves to reservations/ (records.c) and its file goes; one
 * the broker refused stays, marked, as the evidence of the payment.
 * `payflow resume` finishes the others.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "userspace/common/error.h"
#include "tools/payflow/cli.h"
#include "broker/proto/quote.h"

static void dir_of(struct cli *c, char *dir, size_t len)
{
	snprintf(dir, len, "%s/purchases", c->home);
}

static int save(struct journal *j)
{
	return record_write_atomic(
	    j->path, json_object_to_json_string_ext(j->o, JSON_C_TO_STRING_PRETTY |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
}

int journal_create(struct cli *c, struct journal *j, const struct session *s,
		   const struct pf_quote *q, const char *quote_frame, const char *payer)
{
	char dir[PATH_MAX + 16];
	int rc;

	dir_of(c, dir, sizeof(dir));
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	snprintf(j->path, sizeof(j->path), "%s/%s.json", dir, q->quote_id);
	j->o = json_object_new_object();
	json_object_object_add(j->o, "quote_id", json_object_new_string(q->quote_id));
	json_object_object_add(j->o, "broker", json_object_new_string(s->name));
	json_object_object_add(j->o, "from", json_object_new_string(s->bind_ip));
	json_object_object_add(j->o, "payer", json_object_new_string(payer));
	json_object_object_add(j->o, "quote", json_object_new_string(quote_frame));
	json_object_object_add(j->o, "state", json_object_new_string("quoted"));
	rc = save(j);
	if (rc) {
		json_object_put(j->o);
		j->o = NULL;
	}
	return rc;
}

const char *journal_get(const struct journal *j, const char *key)
{
	struct json_object *v;

	return j->o && json_object_object_get_ex(j->o, key, &v) &&
		       json_object_is_type(v, json_type_string)
		   ? json_object_get_string(v)
		   : NULL;
}

int journal_set(struct journal *j, const char *const *kv)
{
	for (; kv[0]; kv += 2)
		json_object_object_add(j->o, kv[0], json_object_new_string(kv[1]));
	return save(j);
}

int journal_done(struct journal *j)
{
	return unlink(j->path) ? -errno : 0;
}

void journal_close(struct journal *j)
{
	json_object_put(j->o);
	j->o = NULL;
}

static int load_path(struct journal *j, const char *path)
{
	snprintf(j->path, sizeof(j->path), "%s", path);
	j->o = json_object_from_file(path);
	if (!j->o || !json_object_is_type(j->o, json_type_object) || !journal_get(j, "quote") ||
	    !journal_get(j, "state")) {
		journal_close(j);
		return -EINVAL;
	}
	return 0;
}

/* The quote ids in purchases/ that start with prefix, up to max. */
int journal_find(struct cli *c, const char *prefix, char ids[][PF_ID_HEX + 1], int max)
{
	char dir[PATH_MAX + 16];
	struct dirent *e;
	DIR *d;
	int n = 0;

	dir_of(c, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d)) && n < max) {
		size_t len = strlen(e->d_name);

		if (len != PF_ID_HEX + 5 || strcmp(e->d_name + PF_ID_HEX, ".json") ||
		    strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(ids[n], PF_ID_HEX + 1, "%.*s", PF_ID_HEX, e->d_name);
		if (pf_quote_id_valid(ids[n]))
			n++;
	}
	closedir(d);
	return n;
}

int journal_load(struct cli *c, const char *quote_id, struct journal *j)
{
	char dir[PATH_MAX + 16], path[PATH_MAX + 64];

	dir_of(c, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%s.json", dir, quote_id);
	return load_path(j, path);
}
