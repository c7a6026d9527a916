// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "payflow.skel.h"
#include "userspace/dataplane/dataplane.h"
#include "userspace/dataplane/slots.h"
#include "userspace/dataplane/pool.h"
#include "userspace/common/error.h"

/* Every pinned map, in struct pf_maps order. */
static const char *const map_names[] = {
    "reservations", "resv_stats", "be_stats", "config", "counters", "ports", "src_allow",
};
#define N_MAPS (sizeof(map_names) / sizeof(map_names[0]))

static int *map_fd_slot(struct pf_maps *m, size_t i)
{
	int *slots[] = {&m->reservations, &m->resv_stats, &m->be_stats, &m->config,
			&m->counters,	  &m->ports,	  &m->src_allow};
	return slots[i];
}

/* libbpf is chatty at info level; keep its warnings, or all with PF_DEBUG. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN || getenv("PF_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

int pf_pin_root_prepare(const char *root)
{
	struct statfs fs;

	if (statfs("/sys/fs/bpf", &fs) || fs.f_type != BPF_FS_MAGIC) {
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL))
			return pf_fail(-errno, "cannot mount bpffs on /sys/fs/bpf: %s",
				       strerror(errno));
	}
	if (mkdir(root, 0700) && errno != EEXIST)
		return pf_fail(-errno, "cannot create pin directory %s: %s", root, strerror(errno));
	return 0;
}

__u32 pf_resv_capacity(const struct pf_maps *m)
{
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(m->reservations, &info, &len))
		return PF_MAX_RESERVATIONS;
	return info.max_entries;
}

/* The size of the pinned reservations map, 0 if none is pinned. */
static __u32 pinned_resv_size(const char *root)
{
	char path[PATH_MAX + 32];
	struct pf_maps m = {0};
	__u32 n;

	snprintf(path, sizeof(path), "%s/reservations", root);
	m.reservations = bpf_obj_get(path);
	if (m.reservations < 0)
		return 0;
	n = pf_resv_capacity(&m);
	close(m.reservations);
	return n;
}

/* Sizes the reservation maps before load; a pinned map keeps its size. */
static int size_resv_maps(struct pf_dp *dp, const char *root, __u32 want)
{
	__u32 pinned = pinned_resv_size(root);

	if (!want)
		want = pinned ? pinned : PF_MAX_RESERVATIONS;
	if (pinned && pinned != want)
		return pf_fail(-EEXIST,
			       "the reservations map pinned under %s holds %u entries, not the %u "
			       "configured (max_reservations): detach first (payflowd --detach), "
			       "which ends every reservation",
			       root, pinned, want);
	if (bpf_map__set_max_entries(dp->skel->maps.reservations, want) ||
	    bpf_map__set_max_entries(dp->skel->maps.resv_stats, want + 1))
		return pf_fail(-EINVAL, "cannot size the reservations map to %u entries", want);
	return 0;
}

int pf_dp_load(struct pf_dp *dp, const char *root, __u32 max_resv)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = root);
	int err;

	libbpf_set_print(libbpf_print);
	memset(dp, 0, sizeof(*dp));
	err = pf_pin_root_prepare(root);
	if (err)
		return err;
	dp->skel = payflow_bpf__open_opts(&opts);
	if (!dp->skel)
		return pf_fail(-errno, "cannot open the BPF object: %s", strerror(errno));
	err = size_resv_maps(dp, root, max_resv);
	if (err) {
		payflow_bpf__destroy(dp->skel);
		dp->skel = NULL;
		return err;
	}
	err = payflow_bpf__load(dp->skel);
	if (err) {
		payflow_bpf__destroy(dp->skel);
		dp->skel = NULL;
		return pf_fail(err,
			       "cannot load the BPF programs (pins under %s from another "
			       "version? run detach first): %s",
			       root, strerror(-err));
	}
	for (size_t i = 0; i < N_MAPS; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(dp->skel->obj, map_names[i]);

		*map_fd_slot(&dp->maps, i) = bpf_map__fd(map);
	}
	snprintf(dp->maps.root, sizeof(dp->maps.root), "%s", root);
	dp->maps.slots = pf_slots_new();
	dp->maps.pool = pf_pool_new();
	if (!dp->maps.slots || !dp->maps.pool) {
		pf_dp_close(dp);
		return -ENOMEM;
	}
	return 0;
}

void pf_dp_close(struct pf_dp *dp)
{
	if (dp->skel)
		payflow_bpf__destroy(dp->skel);
	dp->skel = NULL;
	pf_slots_free(dp->maps.slots);
	dp->maps.slots = NULL;
	pf_pool_free(dp->maps.pool);
	dp->maps.pool = NULL;
}

int pf_maps_open(struct pf_maps *m, const char *root)
{
	char path[PATH_MAX + 32];

	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < N_MAPS; i++)
		*map_fd_slot(m, i) = -1;
	snprintf(m->root, sizeof(m->root), "%s", root);
	for (size_t i = 0; i < N_MAPS; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s", root, map_names[i]);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			int err = -errno;

			pf_maps_close(m);
			if (err == -ENOENT)
				return pf_fail(err, "payflow is not attached (no pinned map %s)",
					       path);
			return pf_fail(err, "cannot open pinned map %s: %s", path, strerror(-err));
		}
		*map_fd_slot(m, i) = fd;
	}
	m->slots = pf_slots_new();
	m->pool = pf_pool_new();
	if (!m->slots || !m->pool) {
		pf_maps_close(m);
		return -ENOMEM;
	}
	return 0;
}

void pf_maps_close(struct pf_maps *m)
{
	for (size_t i = 0; i < N_MAPS; i++) {
		int *fd = map_fd_slot(m, i);

		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
	pf_slots_free(m->slots);
	m->slots = NULL;
	pf_pool_free(m->pool);
	m->pool = NULL;
}

int pf_unpin_all(const char *root)
{
	char path[PATH_MAX + 32];

	for (size_t i = 0; i < N_MAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", root, map_names[i]);
		if (unlink(path) && errno != ENOENT)
			return pf_fail(-errno, "cannot unpin %s: %s", path, strerror(errno));
	}
	if (rmdir(root) && errno != ENOENT)
		return pf_fail(-errno, "cannot remove %s: %s", root, strerror(errno));
	return 0;
}

int pf_config_get(const struct pf_maps *m, struct pf_config *cfg)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(m->config, &zero, cfg))
		return pf_fail(-errno, "cannot read the config map: %s", strerror(errno));
	return 0;
}

int pf_config_set(const struct pf_maps *m, const struct pf_config *cfg)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(m->config, &zero, cfg, BPF_ANY))
		return pf_fail(-errno, "cannot write the config map: %s", strerror(errno));
	return 0;
}

int pf_counters_read(const struct pf_maps *m, __u64 out[PF_CNT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *vals;

	if (ncpu < 0)
		return pf_fail(ncpu, "cannot count CPUs");
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return pf_fail(-ENOMEM, "out of memory");
	for (__u32 i = 0; i < PF_CNT_MAX; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(m->counters, &i, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[i] += vals[c];
	}
	free(vals);
	return 0;
}

const char *pf_counter_name(int idx)
{
	static const char *const names[PF_CNT_MAX] = {
	    [PF_CNT_PACKETS] = "packets",     [PF_CNT_HIT] = "hit",
	    [PF_CNT_MISS] = "miss",	      [PF_CNT_EXPIRED] = "expired",
	    [PF_CNT_DROP] = "drop",	      [PF_CNT_NON_IP] = "non_ip",
	    [PF_CNT_MALFORMED] = "malformed", [PF_CNT_SPOOFED] = "spoofed",
	    [PF_CNT_ECN_MARK] = "ecn_marked",
	};
	return idx >= 0 && idx < PF_CNT_MAX ? names[idx] : "?";
}
