// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The maps are pinned by name and carry BTF, so `bpftool map dump pinned`
 * shows field names. Loads the data plane pinned under a temp directory in
 * /sys/fs/bpf and reads bpftool's JSON back with json-c.
 */
#include <sys/stat.h>
#include <json-c/json.h>
#include "unit.h"
#include "bpf_fixture.h"

#define CLASS PF_HANDLE(1U, 0x11U)

/* Runs `bpftool -j map dump pinned DIR/NAME`; returns its parsed JSON or NULL. */
static json_object *dump_pinned(const struct pf_fx *fx, const char *name)
{
	char cmd[256], buf[65536];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "bpftool -j map dump pinned %s/%s", fx->pin_root, name);
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = 0;
	if (pclose(p) != 0) {
		fprintf(stderr, "  %s failed: %s\n", cmd, buf);
		return NULL;
	}
	return json_tokener_parse(buf);
}

/* The object at a path of keys under `o`, or NULL. */
static json_object *get(json_object *o, const char *k1, const char *k2, const char *k3)
{
	const char *keys[] = {k1, k2, k3};

	for (int i = 0; i < 3 && keys[i] && o; i++) {
		if (!json_object_object_get_ex(o, keys[i], &o))
			return NULL;
	}
	return o;
}

static void test_btf_reservations_dump_has_field_names(void)
{
	struct pf_resv r = pf_fx_resv(CLASS, 123456789, 100000);
	json_object *dump, *e, *lo;
	struct pf_fx fx;

	CHECK_EQ(pf_fx_open(&fx, true), 0);
	if (!fx.skel)
		return;
	CHECK_EQ(pf_fx_add_resv(&fx, "10.0.0.2", "10.0.0.1", &r), 0);
	dump = dump_pinned(&fx, "reservations");
	CHECK(dump && json_object_is_type(dump, json_type_array));
	CHECK_EQ(dump ? json_object_array_length(dump) : 0, 1);
	e = dump ? json_object_array_get_idx(dump, 0) : NULL;
	CHECK(get(e, "formatted", "value", "rate_bps") != NULL);
	CHECK_EQ(json_object_get_int64(get(e, "formatted", "value", "rate_bps")), 123456789);
	CHECK_EQ(json_object_get_uint64(get(e, "formatted", "value", "expires_at")), r.expires_at);
	CHECK_EQ(json_object_get_int64(get(e, "formatted", "value", "classid")), CLASS);
	CHECK_EQ(json_object_get_int64(get(e, "formatted", "value", "burst")), 100000);
	lo = get(e, "formatted", "key", "lo");
	CHECK_EQ(lo ? json_object_array_length(lo) : 0, 16);
	CHECK_EQ(lo ? json_object_get_int(json_object_array_get_idx(lo, 10)) : -1, 0xff);
	CHECK_EQ(lo ? json_object_get_int(json_object_array_get_idx(lo, 15)) : -1, 1);
	json_object_put(dump);
	pf_fx_close(&fx);
}

/* Per-CPU stats dump with names too, after one packet has been metered. */
static void test_btf_resv_stats_dump_has_field_names(void)
{
	struct pf_resv r = pf_fx_resv(CLASS, 123456789, 100000);
	json_object *dump, *vals, *v;
	__u8 pkt[PF_FRAME_MAX];
	__u64 packets = 0;
	struct pf_fx fx;
	int verdict = -1;
	__u32 len;

	CHECK_EQ(pf_fx_open(&fx, true), 0);
	if (!fx.skel)
		return;
	CHECK_EQ(pf_fx_set_config(&fx, PF_MODE_SHAPE, 0, PF_HANDLE(1U, 2U), PF_HANDLE(1U, 0U)), 0);
	CHECK_EQ(pf_fx_add_resv(&fx, "10.0.0.1", "10.0.0.2", &r), 0);
	len = pf_frame_make(pkt, AF_INET, "10.0.0.1", "10.0.0.2", NULL, 0, NULL);
	CHECK_EQ(pf_fx_run_tc(&fx, pkt, len, NULL, &verdict), 0);
	CHECK_EQ(verdict, TC_ACT_OK);
	dump = dump_pinned(&fx, "resv_stats");
	CHECK_EQ(dump ? json_object_array_length(dump) : 0, PF_FX_SLOTS); /* an array */
	vals = dump ? get(json_object_array_get_idx(dump, r.slot), "formatted", "values", NULL)
		    : NULL;
	CHECK(vals && json_object_array_length(vals) == (size_t)fx.ncpu);
	for (size_t i = 0; vals && i < json_object_array_length(vals); i++) {
		v = get(json_object_array_get_idx(vals, i), "value", NULL, NULL);
		CHECK(get(v, "bytes", NULL, NULL) && get(v, "drops", NULL, NULL));
		packets += json_object_get_uint64(get(v, "packets", NULL, NULL));
	}
	CHECK_EQ(packets, 1);
	json_object_put(dump);
	pf_fx_close(&fx);
}

/* Every map is pinned under its own name; closing the fixture removes them all. */
static void test_btf_maps_pinned_by_name(void)
{
	static const char *names[] = {"reservations", "resv_stats", "be_stats", "config",
				      "counters"};
	char path[128], root[sizeof(((struct pf_fx *)0)->pin_root)];
	struct pf_fx fx;
	struct stat st;

	CHECK_EQ(pf_fx_open(&fx, true), 0);
	if (!fx.skel)
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", fx.pin_root, names[i]);
		CHECK_EQ(stat(path, &st), 0);
	}
	memcpy(root, fx.pin_root, sizeof(root));
	pf_fx_close(&fx);
	CHECK_EQ(stat(root, &st), -1);
	CHECK_EQ(errno, ENOENT);
}

int main(void)
{
	RUN(test_btf_reservations_dump_has_field_names);
	RUN(test_btf_resv_stats_dump_has_field_names);
	RUN(test_btf_maps_pinned_by_name);
	return unit_done();
}
