// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The cls_bpf class selectors on the HTB qdiscs (htb.h). libbpf's
 * bpf_tc_attach() always sets direct-action, where a program can only choose
 * a minor (skb->tc_classid is 16 bits); a classic cls_bpf filter returns the
 * whole class handle, so it is added here over rtnetlink.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/attr.h>
#include "userspace/dataplane/htb.h"
#include "userspace/common/error.h"

#define PF_SEL_PRIO 1

static struct nl_msg *selector_msg(int ifindex, __u32 parent, int prog_fd, const char *name)
{
	struct tcmsg t = {
	    .tcm_family = AF_UNSPEC,
	    .tcm_ifindex = ifindex,
	    .tcm_handle = 1,
	    .tcm_parent = parent,
	    .tcm_info = TC_H_MAKE(PF_SEL_PRIO << 16, htons(ETH_P_ALL)),
	};
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL);
	struct nlattr *opts;

	if (!msg)
		return NULL;
	if (nlmsg_append(msg, &t, sizeof(t), NLMSG_ALIGNTO) || nla_put_string(msg, TCA_KIND, "bpf"))
		goto fail;
	opts = nla_nest_start(msg, TCA_OPTIONS);
	if (!opts || nla_put_u32(msg, TCA_BPF_FD, prog_fd) ||
	    nla_put_string(msg, TCA_BPF_NAME, name))
		goto fail;
	nla_nest_end(msg, opts);
	return msg;
fail:
	nlmsg_free(msg);
	return NULL;
}

int pf_htb_selector_attach(int ifindex, __u32 parent, int prog_fd, const char *name)
{
	struct nl_msg *msg = selector_msg(ifindex, parent, prog_fd, name);
	struct nl_sock *sk;
	int err;

	if (!msg)
		return pf_fail(-ENOMEM, "out of memory");
	sk = pf_htb_socket();
	if (!sk) {
		nlmsg_free(msg);
		return -EIO;
	}
	err = nl_send_sync(sk, msg);
	pf_htb_socket_put(sk);
	if (err)
		return pf_fail(-EIO, "cannot attach the class selector %s on %x: of ifindex %d: %s",
			       name, TC_H_MAJ(parent) >> 16, ifindex, nl_geterror(err));
	return 0;
}
