// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The REQUEST channel server inside payflowd: its listening socket, its
 * connections and the ledger workers' eventfd share the daemon's epoll
 * loop, so requests are admitted by the same single thread as payflowctl's
 * (no locks), and their answers leave after the batch commits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include "broker/sales/broker_glue.h"
#include "broker/sales/order_audit.h"
#include "broker/eth/jsonrpc.h"
#include "broker/sales/guard.h"
#include "userspace/common/addr.h"
#include "userspace/common/error.h"
#include "userspace/common/hex.h"

static enum pfd_src ledger_tag = PFD_SRC_LEDGER;

__u64 pfd_unix_now(void)
{
	return (__u64)time(NULL);
}

static void out(struct pfd *d, struct pf_srv_conn *c, bool deferred, const char *f, size_t len)
{
	if (deferred)
		pf_srv_answer(d->broker->srv, c, f, len);
	else
		pf_srv_send(c, f, len);
}

void pfd_broker_fail(struct pfd *d, struct pf_srv_conn *c, bool deferred,
		     const struct pf_err_msg *e)
{
	size_t len;
	char *f = pf_msg_encode_error(e, &d->broker->key, &len);

	if (!f) { /* only an unencodable text can fail: send the default one */
		struct pf_err_msg plain = {.code = e->code};

		f = pf_msg_encode_error(&plain, &d->broker->key, &len);
	}
	out(d, c, deferred, f ? f : "", f ? len : 0);
	free(f);
}

void pfd_broker_reply(struct pfd *d, struct pf_srv_conn *c, bool deferred, const struct pf_msg *m)
{
	size_t len;
	char *f = pf_msg_encode(m, &d->broker->key, &len);
	struct pf_err_msg e;

	if (!f) {
		pf_err_set(&e, PF_E_INTERNAL, "cannot encode the %s answer (errno %d)",
			   pf_msg_type_name(m->type), errno);
		pfd_broker_fail(d, c, deferred, &e);
		return;
	}
	out(d, c, deferred, f, len);
	free(f);
}

void pfd_broker_pending(struct pfd *d, struct pf_srv_conn *c, const char *quote_id, const char *tx,
			uint64_t confirmations)
{
	struct pf_msg m = {.type = PF_MSG_PENDING};
	__u32 want = d->conf.ledger.confirmations;

	snprintf(m.pending.quote_id, sizeof(m.pending.quote_id), "%s", quote_id);
	snprintf(m.pending.tx_hash, sizeof(m.pending.tx_hash), "%s", tx);
	m.pending.confirmations = confirmations; /* 0: not seen yet */
	m.pending.required = want ? want : 1;
	pfd_broker_reply(d, c, true, &m);
}

void pfd_broker_not_owned(struct pfd *d, struct pf_srv_conn *c, bool deferred, const pf_ip_t ip1,
			  const pf_ip_t ip2)
{
	char a[PF_ADDR_STRLEN], b[PF_ADDR_STRLEN], p[PF_ADDR_STRLEN];
	struct pf_err_msg e;

	pf_err_set(&e, PF_E_PAIR_NOT_OWNED, "you speak from %s, which is in neither %s nor %s",
		   pf_addr_format(pf_srv_peer(c), p, sizeof(p)), pf_addr_format(ip1, a, sizeof(a)),
		   pf_addr_format(ip2, b, sizeof(b)));
	pfd_broker_fail(d, c, deferred, &e);
}

static void on_frame(void *ctx, struct pf_srv_conn *c, const char *frame, size_t len)
{
	struct pfd *d = ctx;
	struct pf_err_msg e;
	struct pf_msg m;

	if (pf_msg_decode(frame, len, PF_FROM_CLIENT, NULL, &m, &e) != PF_OK) {
		if (m.type == PF_MSG_ORDER)
			pf_order_audit(d, e.code, NULL, NULL, NULL, e.text);
		if (m.type == PF_MSG_ORDER && e.code == PF_E_BAD_SIGNATURE)
			pfd_broker_strike(d, pf_srv_peer(c), NULL, NULL);
		pfd_broker_fail(d, c, false, &e);
		return;
	}
	switch (m.type) {
	case PF_MSG_HELLO: /* a v1 HELLO ({}) gets the MENU without one-way prices */
		if (d->broker->demand && pfd_broker_menu_encode(d, false))
			pfd_logl(PFD_LOG_WARN, "broker: MENU: %s", pf_last_error());
		if (m.hello.one_way)
			pf_srv_send(c, d->broker->menu_frame_one_way, d->broker->menu_one_way_len);
		else
			pf_srv_send(c, d->broker->menu_frame, d->broker->menu_len);
		break;
	case PF_MSG_QUOTE_REQUEST:
		pfd_broker_quote(d, c, &m.quote_request);
		break;
	case PF_MSG_ORDER:
		pfd_broker_order(d, c, &m.order);
		break;
	case PF_MSG_STATUS:
		pfd_broker_status(d, c, &m.status);
		break;
	case PF_MSG_DEPOSIT:
		pfd_broker_deposit(d, c, &m.deposit);
		break;
	case PF_MSG_BALANCE:
		pfd_broker_balance(d, c, &m.balance);
		break;
	case PF_MSG_CANCEL:
		pfd_broker_cancel(d, c, &m.cancel);
		break;
	case PF_MSG_WITHDRAW:
		pfd_broker_withdraw(d, c, &m.withdraw);
		break;
	default: /* the decoder refuses broker-to-client types */
		pf_err_set(&e, PF_E_UNEXPECTED_MESSAGE, NULL);
		pfd_broker_fail(d, c, false, &e);
	}
}

static char *error_frame(void *ctx, enum pf_err code, const char *text, size_t *len)
{
	struct pfd *d = ctx;
	struct pf_err_msg e;

	pf_err_set(&e, code, "%s", text);
	return pf_msg_encode_error(&e, &d->broker->key, len);
}

static void build_menu(const struct pf_conf *c, struct pf_menu *m)
{
	memset(m, 0, sizeof(*m));
	/* Level N is the config's levels[N] everywhere; level 0 (free) is listed, not sold. */
	m->n_levels = c->n_levels;
	for (int i = 0; i < c->n_levels; i++) {
		m->levels[i].rate_bps = c->levels[i].rate_bps;
		snprintf(m->levels[i].price_per_second, PF_AMOUNT_MAX, "%s",
			 c->levels[i].price_per_s);
		snprintf(m->levels[i].price_per_second_one_way, PF_AMOUNT_MAX, "%s",
			 c->levels[i].price_per_s_one_way);
	}
	snprintf(m->currency, sizeof(m->currency), "%s", c->ledger.currency);
	m->decimals = c->ledger.decimals;
	m->chain_id = c->ledger.chain_id;
	snprintf(m->pay_to, sizeof(m->pay_to), "%s", c->ledger.payment_address);
	m->min_seconds = c->broker.min_seconds;
	m->max_seconds = c->broker.max_seconds;
	m->quote_ttl = c->broker.quote_ttl_s;
}

/* 1,000 idle buyers need 1,000 descriptors: take what the hard limit allows. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int start_server(struct pfd *d)
{
	const struct pf_conf_broker *bc = &d->conf.broker;
	struct pf_srv_opts o = {
	    .host = bc->listen_host,
	    .port = bc->listen_port,
	    .netns = bc->netns,
	    .idle_timeout_s = bc->idle_timeout_s,
	    .max_conns = bc->max_conns,
	    .max_conns_per_addr = bc->max_conns_per_addr,
	    .tag_listen = PFD_SRC_BROKER_LISTEN,
	    .tag_conn = PFD_SRC_BROKER_CONN,
	    .tag_timer = PFD_SRC_BROKER_TIMER,
	};
	static const struct pf_srv_ops ops = {.frame = on_frame, .error_frame = error_frame};
	int err = pf_srv_open(&d->broker->srv, d->epfd, &o, &ops, d);

	if (err)
		return pf_fail(err, "broker: cannot listen on [%s]:%u%s%s: %s", bc->listen_host,
			       bc->listen_port, bc->netns[0] ? " in network namespace " : "",
			       bc->netns, strerror(-err));
	return 0;
}

static int start_ledger(struct pfd *d)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &ledger_tag};
	const char *urls[PF_CONF_MAX_LEDGER_NODES];
	struct pf_lw_conf lc = {
	    .urls = urls,
	    .n_urls = d->conf.ledger.n_rpc,
	    .quorum = (int)d->conf.ledger.quorum,
	    .netns = d->conf.ledger.netns,
	    .timeout_ms = d->conf.ledger.timeout_ms,
	    .threads = 2,
	    .max_queue = d->conf.broker.ledger_queue,
	};

	for (int i = 0; i < lc.n_urls; i++)
		urls[i] = d->conf.ledger.rpc_urls[i];
	if (pf_lw_start(&d->broker->lw, &lc))
		return pf_fail(-EINVAL, "ledger: %s", pf_last_error());
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, pf_lw_fd(d->broker->lw), &ev))
		return pf_fail(-errno, "epoll: %s", strerror(errno));
	return 0;
}

/* The ledger is named by scheme, host and port only: its URL may hold an API key. */
static void log_listening(struct pfd *d, bool created)
{
	char pk[PF_PUBKEY_HEX + 1], *ledger = pf_jsonrpc_shown_url(d->conf.ledger.rpc_url);

	pf_hex_encode(d->broker->key.pk, PF_PUBKEY_BYTES, pk);
	pfd_log("broker: listening on [%s]:%u%s%s, key %s%s, ledger %s%s (chain %llu, "
		"%u of %d nodes must agree)",
		d->conf.broker.listen_host, pf_srv_port(d->broker->srv),
		d->conf.broker.netns[0] ? " in " : "", d->conf.broker.netns, pk,
		created ? " (new)" : "", ledger ? ledger : "(unparsable URL)",
		d->conf.ledger.n_rpc > 1 ? " and others" : "",
		(unsigned long long)d->conf.ledger.chain_id, d->conf.ledger.quorum,
		d->conf.ledger.n_rpc);
	free(ledger);
}

int pfd_broker_start(struct pfd *d)
{
	struct pfd_broker *b;
	bool created;
	int err;

	if (!d->conf.broker.enabled)
		return 0;
	b = d->broker = calloc(1, sizeof(*b));
	if (!b)
		return pf_fail(-ENOMEM, "out of memory");
	err = pf_keypair_load_or_create(d->conf.broker.key_file, &b->key, &created);
	if (err)
		return pf_fail(err, "broker key %s: %s", d->conf.broker.key_file, pf_last_error());
	build_menu(&d->conf, &b->menu);
	pfd_broker_demand_conf(b, &d->conf);
	err = pfd_broker_menu_encode(d, true);
	if (err)
		return err;
	raise_nofile();
	err = pfd_broker_guard_start(d) ?: start_ledger(d) ?: pfd_broker_withdrawals_start(d) ?:
	      start_server(d);
	if (err)
		return err;
	log_listening(d, created);
	return 0;
}

int pfd_broker_reload(struct pfd *d, const struct pf_conf *next)
{
	struct pfd_broker *b = d->broker;
	struct pf_menu old;
	bool demand_old = b ? b->demand : false;
	__u64 k_old[PF_MAX_LEVELS], cap_old[PF_MAX_LEVELS];

	if (!b)
		return 0;
	old = b->menu;
	memcpy(k_old, b->demand_k_ppm, sizeof(k_old));
	memcpy(cap_old, b->demand_cap_ppm, sizeof(cap_old));
	build_menu(next, &b->menu);
	pfd_broker_demand_conf(b, next);
	if (pfd_broker_menu_encode(d, true)) { /* keep selling from the old MENU */
		b->menu = old;
		b->demand = demand_old;
		memcpy(b->demand_k_ppm, k_old, sizeof(k_old));
		memcpy(b->demand_cap_ppm, cap_old, sizeof(cap_old));
		return -EINVAL;
	}
	pfd_broker_guard_limits(b, &next->broker);
	return 0;
}

void pfd_broker_stop(struct pfd *d)
{
	struct pfd_broker *b = d->broker;

	if (!b)
		return;
	pf_lw_stop(b->lw); /* first: parked connections get no answer */
	pf_wds_stop(b->wds);
	pf_ethkey_wipe(&b->pay_key);
	pf_srv_close(b->srv);
	pf_guard_free(b->guard);
	free(b->menu_frame);
	free(b->menu_frame_one_way);
	pf_keypair_wipe(&b->key);
	free(b);
	d->broker = NULL;
}

void pfd_broker_event(struct pfd *d, void *tag, __u32 events)
{
	if (!d->broker)
		return;
	pf_srv_event(d->broker->srv, tag, events);
	pfd_broker_housekeep(d); /* the server's 1 s timer wakes the loop for it */
}

void pfd_broker_ledger(struct pfd *d)
{
	struct pf_lw_job *j;

	while (d->broker && (j = pf_lw_done(d->broker->lw))) {
		const struct pfd_lw_kind *kind = j->user;

		if (kind)
			kind->done(d, j);
		else
			pfd_broker_order_done(d, j);
	}
}

void pfd_broker_flush(struct pfd *d, bool committed)
{
	if (d->broker)
		pf_srv_flush(d->broker->srv, committed);
}
