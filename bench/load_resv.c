// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * load_resv: fills a pinned reservations map with COUNT live entries for
 * pairs no benchmark traffic uses, so throughput can be measured with a
 * loaded map. No HTB classes are made: these entries are never hit.
 *
 *   usage: load_resv -p PIN_ROOT -n COUNT
 *
 * Entry i pairs 100.64.0.0+i with 198.18.0.0+(i mod 2^17), live for an hour.
 * Prints the number of entries the map then holds on stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "userspace/common/addr.h"
#include "userspace/dataplane/dataplane.h"
#include "userspace/common/error.h"
#include "userspace/dataplane/resv.h"

#define BATCH	    8192
#define LIFETIME_NS (3600ULL * 1000000000ULL)
#define BENCH_RATE  1000000ULL	/* 1 Mbit/s: any rate, nothing is sent */
#define LO_BASE	    0x64400000U /* 100.64.0.0/10 */
#define HI_BASE	    0xc6120000U /* 198.18.0.0/15, the benchmarking range */
#define HI_SPAN	    (1U << 17)

static void v4_mapped(__u8 out[16], __u32 host_order)
{
	__be32 addr = htonl(host_order);

	memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	memcpy(out + 12, &addr, 4);
}

static void entry_key(struct pf_key *key, __u32 i)
{
	__u8 lo[16], hi[16];

	v4_mapped(lo, LO_BASE + i);
	v4_mapped(hi, HI_BASE + i % HI_SPAN);
	pf_key_make(key, lo, hi);
}

static int fill(int fd, __u32 n)
{
	struct pf_key *keys = calloc(BATCH, sizeof(*keys));
	struct pf_resv *vals = calloc(BATCH, sizeof(*vals));
	__u64 expires = pf_now_ns() + LIFETIME_NS;
	int err = 0;

	if (!keys || !vals) {
		err = pf_fail(-ENOMEM, "out of memory");
		goto out;
	}
	for (__u32 done = 0; done < n && !err;) {
		__u32 count = n - done < BATCH ? n - done : BATCH;

		for (__u32 j = 0; j < count; j++) {
			__u32 i = done + j;

			entry_key(&keys[j], i);
			vals[j] = (struct pf_resv){
			    .rate_bps = BENCH_RATE,
			    .expires_at = expires,
			    .resv_id = (__u64)i + 1,
			    .burst = pf_default_burst(BENCH_RATE),
			    /* One shared class: the benchmark measures map lookups, and
			     * a port attached later creates each class once. */
			    .classid = PF_HANDLE(PF_HTB_MAJOR, PF_HTB_MIN_MINOR),
			};
		}
		if (bpf_map_update_batch(fd, keys, vals, &count, NULL))
			err = pf_fail(-errno, "reservations: batch update at entry %u: %s", done,
				      strerror(errno));
		done += count;
	}
out:
	free(keys);
	free(vals);
	return err;
}

/* Counts the entries by walking the keys: what the map really holds. */
static long count_entries(int fd)
{
	struct pf_key key, next;
	long n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		n++;
	}
	return errno == ENOENT ? n : -errno;
}

int main(int argc, char **argv)
{
	const char *root = NULL;
	struct pf_maps m;
	long n = -1, held;
	char *end;
	int c;

	while ((c = getopt(argc, argv, "p:n:")) != -1) {
		if (c == 'p') {
			root = optarg;
		} else if (c == 'n') {
			n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > PF_MAX_RESERVATIONS - 1024) {
				fprintf(stderr, "load_resv: -n: 1 to %d entries\n",
					PF_MAX_RESERVATIONS - 1024);
				return 2;
			}
		} else {
			break;
		}
	}
	if (!root || n < 0 || optind != argc) {
		fprintf(stderr, "usage: load_resv -p PIN_ROOT -n COUNT\n");
		return 2;
	}
	if (pf_maps_open(&m, root)) {
		fprintf(stderr, "load_resv: %s\n", pf_last_error());
		return 1;
	}
	if (fill(m.reservations, (__u32)n)) {
		fprintf(stderr, "load_resv: %s\n", pf_last_error());
		pf_maps_close(&m);
		return 1;
	}
	held = count_entries(m.reservations);
	pf_maps_close(&m);
	if (held < n) {
		fprintf(stderr, "load_resv: the map holds %ld entries after loading %ld\n", held,
			n);
		return 1;
	}
	printf("%ld\n", held);
	return 0;
}
