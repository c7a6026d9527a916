// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* payflowctl blocks / unblock (docs/CONTROL.md): the guard's blocks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "broker/sales/broker_glue.h"
#include "broker/sales/guard.h"
#include "userspace/common/addr.h"
#include "userspace/common/hex.h"
#include "userspace/common/error.h"
#include "userspace/dataplane/resv.h"

static struct json_object *no_broker(void)
{
	return pf_ctl_error_reply(PF_CTL_E_NOT_FOUND, "this payflowd has no broker section");
}

static struct json_object *block_json(const struct pf_guard_block *b, __u64 now)
{
	struct json_object *o = json_object_new_object();
	char id[65]; /* 64 hex digits, or an address (PF_ADDR_STRLEN) */

	if (b->kind == PF_GUARD_ADDR)
		pf_addr_format(b->id, id, sizeof(id));
	else
		pf_hex_encode(b->id, 32, id);
	json_object_object_add(o, b->kind == PF_GUARD_ADDR ? "address" : "client_key",
			       json_object_new_string(id));
	json_object_object_add(o, "seconds_left",
			       json_object_new_int64((b->until - now + 999999999) / 1000000000));
	json_object_object_add(o, "strikes", json_object_new_int64(b->strikes));
	return o;
}

struct json_object *pfd_blocks(struct pfd *d, struct json_object *req, struct json_object **result)
{
	struct pf_guard_block *list;
	struct json_object *arr;
	__u64 now = pf_now_ns();
	size_t n;

	(void)req;
	if (!d->broker)
		return no_broker();
	n = pf_guard_blocks(d->broker->guard, now, NULL, 0);
	list = calloc(n ? n : 1, sizeof(*list));
	if (!list)
		return pf_ctl_error_reply(PF_CTL_E_INTERNAL, "out of memory");
	n = pf_guard_blocks(d->broker->guard, now, list, n);
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, block_json(&list[i], now));
	free(list);
	*result = json_object_new_object();
	json_object_object_add(*result, "blocks", arr);
	json_object_object_add(*result, "total", json_object_new_int64(n));
	return NULL;
}

struct json_object *pfd_unblock(struct pfd *d, struct json_object *req, struct json_object **result)
{
	struct json_object *a = NULL, *k = NULL;
	uint8_t id[32] = {0};
	bool is_key;

	if (!d->broker)
		return no_broker();
	json_object_object_get_ex(req, "address", &a);
	json_object_object_get_ex(req, "client_key", &k);
	is_key = k != NULL;
	if (!a == !k)
		return pf_ctl_error_reply(PF_CTL_E_BAD_REQUEST,
					  "unblock needs one of \"address\" or \"client_key\"");
	if (is_key ? pf_hex_decode_exact(json_object_get_string(k), json_object_get_string_len(k),
					 id, 32)
		   : pf_addr_parse(json_object_get_string(a), id))
		return pf_ctl_error_reply(PF_CTL_E_BAD_REQUEST,
					  is_key ? "client_key: 64 hex digits"
						 : "address: an IPv4 or IPv6 address");
	if (pf_guard_unblock(d->broker->guard, is_key ? PF_GUARD_KEY : PF_GUARD_ADDR, id,
			     pf_now_ns()))
		return pf_ctl_error_reply(PF_CTL_E_NOT_FOUND, pf_last_error());
	pfd_log("broker: %s %s unblocked by the operator", is_key ? "client key" : "address",
		json_object_get_string(is_key ? k : a));
	*result = json_object_new_object();
	json_object_object_add(*result, "unblocked",
			       json_object_new_string(json_object_get_string(is_key ? k : a)));
	return NULL;
}
