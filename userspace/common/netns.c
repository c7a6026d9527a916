// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "userspace/common/netns.h"

int pf_netns_enter(const char *path, int *saved)
{
	int self, target, err = 0;

	*saved = -1;
	if (!path || !path[0])
		return 0;
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0 || setns(target, CLONE_NEWNET))
		err = -errno;
	if (target >= 0)
		close(target);
	if (err) {
		close(self);
		return err;
	}
	*saved = self;
	return 0;
}

void pf_netns_leave(int saved)
{
	if (saved < 0)
		return;
	if (setns(saved, CLONE_NEWNET)) { /* never stay in the wrong namespace */
		perror("payflow: setns back to the own network namespace");
		abort();
	}
	close(saved);
}
