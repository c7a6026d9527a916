// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* payflow keygen: the client's ed25519 identity, PAYFLOW_HOME/identity (0600). */
#include <errno.h>
#include <stdio.h>
#include "userspace/common/hex.h"
#include "userspace/common/error.h"
#include "tools/payflow/cli.h"

int cmd_keygen(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {COMMON_OPTIONS, {0}};
	char path[PATH_MAX + 16], pk[PF_PUBKEY_HEX + 1];
	struct pf_keypair kp;
	bool created = true;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		rc = parse_common(c, opt, optarg);
		if (rc)
			return help_or_usage(c, rc);
	}
	if (optind < argc)
		return cli_fail(c, PF_EXIT_USAGE, NULL, "unexpected argument '%s'", argv[optind]);
	rc = identity_path(c, path, sizeof(path));
	if (rc)
		return rc;
	rc = pf_keypair_generate(&kp);
	if (!rc)
		rc = pf_keypair_save(path, &kp);
	if (rc == -EEXIST) {
		created = false;
		rc = pf_keypair_load(path, &kp);
	}
	if (rc)
		return cli_fail(c, PF_EXIT_FAILURE, NULL, "%s", pf_last_error());
	pf_hex_encode(kp.pk, PF_PUBKEY_BYTES, pk);
	pf_keypair_wipe(&kp);
	if (c->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "path", json_object_new_string(path));
		json_object_object_add(o, "public_key", json_object_new_string(pk));
		json_object_object_add(o, "created", json_object_new_boolean(created));
		print_json(o);
	} else {
		printf("%s %s\npublic key %s\n", created ? "created" : "already exists:", path, pk);
	}
	return 0;
}
