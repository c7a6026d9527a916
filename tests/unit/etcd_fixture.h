/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The cluster tests run against a real three-member etcd cluster. Started
 * without PF_ETCD_ENDPOINTS, a test re-executes itself through
 * tests/integration/etcd_run.sh, which starts the cluster, sets
 * PF_ETCD_ENDPOINTS and PF_ETCD_PIDS (the members' pids, in endpoint order),
 * runs the test and stops the cluster. tests/run.sh runs from the repo root.
 */
#ifndef PF_ETCD_FIXTURE_H
#define PF_ETCD_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ETCD_RUNNER "tests/integration/etcd_run.sh"

static inline const char *etcd_fixture(char **argv)
{
	const char *ep = getenv("PF_ETCD_ENDPOINTS");

	if (ep)
		return ep;
	execl(ETCD_RUNNER, ETCD_RUNNER, argv[0], (char *)NULL);
	printf("not ok - could not run %s (run from the repository root)\n", ETCD_RUNNER);
	exit(1);
}

/* The pid of member i (0-based), started by etcd_run.sh. */
static inline int etcd_fixture_pid(int i)
{
	const char *s = getenv("PF_ETCD_PIDS");
	char *end;

	for (int k = 0; s && *s; k++) {
		long pid = strtol(s, &end, 10);

		if (k == i)
			return (int)pid;
		s = *end ? end + 1 : end;
	}
	return -1;
}

#endif /* PF_ETCD_FIXTURE_H */
