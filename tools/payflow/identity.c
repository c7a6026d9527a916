// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The client's ed25519 identity: PAYFLOW_HOME/identity, mode 0600 (sign.h format). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "tools/payflow/cli.h"
#include "userspace/common/error.h"

int identity_path(struct cli *c, char *path, size_t len)
{
	if ((size_t)snprintf(path, len, "%s/identity", c->home) >= len)
		return cli_fail(c, PF_EXIT_FAILURE, NULL, "the payflow home path is too long");
	return 0;
}

int identity_load(struct cli *c, struct pf_keypair *kp)
{
	char path[PATH_MAX + 16];
	int rc = identity_path(c, path, sizeof(path));

	if (rc)
		return rc;
	rc = pf_keypair_load(path, kp);
	if (rc == -ENOENT)
		return cli_fail(c, PF_EXIT_FAILURE, NULL,
				"no client identity at %s: create it with payflow keygen", path);
	if (rc)
		return cli_fail(c, PF_EXIT_FAILURE, NULL, "%s", pf_last_error());
	return 0;
}
