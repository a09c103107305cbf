/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Talking to the kernel: each operation opens a netfilter netlink socket,
 * sends its batch in one datagram, reads every ack, and says in the log what
 * the kernel refused. hook_install() falls back to the compat queue verdict
 * when the kernel lacks the native one. */
#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <stdalign.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <libmnl/libmnl.h>

#include "internal.h"
#include "nfqfw/log.h"

/* Our largest batch (install, ~16 messages) is a few KiB even with a table
 * name of 255 characters. */
#define HOOK_BATCH_BUF 16384
/* One reply datagram: an ack, or an error that quotes the failing message's
 * header (we set NETLINK_CAP_ACK; the payload would be < 1 KiB anyway). */
#define HOOK_RECV_BUF 8192
/* The kernel answers a batch before sendto() returns; the timeout only
 * guards against a batch it drops without a word. */
#define HOOK_REPLY_TIMEOUT_SEC 5

static struct mnl_socket *hook_socket_open(int *errp)
{
	struct timeval timeout = { .tv_sec = HOOK_REPLY_TIMEOUT_SEC };
	struct mnl_socket *nl;
	int one = 1;

	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl) {
		*errp = -errno;
		log_err("hook: cannot open a netfilter netlink socket: %s",
			strerror(errno));
		return NULL;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		*errp = -errno;
		log_err("hook: cannot bind the netlink socket: %s",
			strerror(errno));
		goto err_close_socket;
	}
	/* Best effort: without it errors just quote the whole message. */
	(void)mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO,
		       &timeout, sizeof(timeout)) < 0) {
		*errp = -errno;
		log_err("hook: cannot set a receive timeout: %s",
			strerror(errno));
		goto err_close_socket;
	}
	return nl;

err_close_socket:
	mnl_socket_close(nl);
	return NULL;
}

/* Sends BATCH and reads until every message is answered. Returns 0 once
 * ACKS are complete (ACKS->error then says whether the kernel took the
 * batch), or a negative errno, logged, if the exchange itself failed. */
static int hook_run_batch(struct mnl_socket *nl, const char *what,
			  const void *batch, size_t len, struct hook_acks *acks)
{
	alignas(struct nlmsghdr) char buf[HOOK_RECV_BUF];
	ssize_t n;
	int err;

	err = hook_acks_init(acks, batch, len);
	if (err < 0) {
		log_err("hook: %s: malformed batch: %s", what, strerror(-err));
		return err;
	}
	n = mnl_socket_sendto(nl, batch, len);
	if (n < 0 || (size_t)n != len) {
		err = n < 0 ? -errno : -EMSGSIZE;
		log_err("hook: %s: sending the batch: %s", what, strerror(-err));
		return err;
	}
	while (!hook_acks_complete(acks)) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			err = errno == EAGAIN ? -ETIMEDOUT : -errno;
			log_err("hook: %s: reading the kernel's answer: %s",
				what, strerror(-err));
			return err;
		}
		err = hook_acks_feed(acks, buf, (size_t)n);
		if (err < 0) {
			log_err("hook: %s: bad answer from the kernel", what);
			return err;
		}
	}
	return 0;
}

static const char *hook_msg_type_name(uint16_t type)
{
	switch (type) {
	case NFT_MSG_NEWTABLE:
		return "adding table";
	case NFT_MSG_DELTABLE:
		return "deleting table";
	case NFT_MSG_NEWCHAIN:
		return "adding chain";
	case NFT_MSG_NEWRULE:
		return "adding a rule to chain";
	case NFT_MSG_DELRULE:
		return "flushing chain";
	default:
		return "a message";
	}
}

static void hook_log_rejected(const char *what, const struct hook_config *cfg,
			      const void *batch, size_t len,
			      const struct hook_acks *acks)
{
	struct hook_msg_info info;

	if (acks->batch_failed ||
	    hook_batch_msg_info(batch, len, acks->error_seq, &info) < 0) {
		log_err("hook: %s: the kernel refused the batch for table inet %s: %s",
			what, cfg->table, strerror(-acks->error));
		return;
	}
	log_err("hook: %s: the kernel refused %s %s (table inet %s): %s",
		what, hook_msg_type_name(info.type),
		info.chain[0] ? info.chain : cfg->table, cfg->table,
		strerror(-acks->error));
}

/* Installs with one form of the verdict. *NATIVE_MISSING tells the caller
 * to try the other form; that refusal is expected and not logged. */
static int hook_install_kind(struct mnl_socket *nl,
			     const struct hook_config *cfg,
			     enum hook_queue_kind kind, uint32_t seq,
			     bool *native_missing)
{
	alignas(struct nlmsghdr) char batch[HOOK_BATCH_BUF];
	struct hook_acks acks;
	size_t len;
	int err;

	*native_missing = false;
	len = hook_build_install_batch(batch, sizeof(batch), cfg, kind, seq);
	if (len == 0) {
		log_err("hook: install: cannot build the batch (out of memory)");
		return -ENOMEM;
	}
	err = hook_run_batch(nl, "install", batch, len, &acks);
	if (err < 0)
		return err;
	if (acks.error == 0)
		return 0;
	if (kind == HOOK_QUEUE_NATIVE &&
	    hook_native_queue_missing(&acks, batch, len)) {
		*native_missing = true;
		return acks.error;
	}
	hook_log_rejected("install", cfg, batch, len, &acks);
	return acks.error;
}

/* Sequence numbers only need to differ from the last batch on the same
 * socket; each operation has its own socket, the retry its own range. */
static uint32_t hook_first_seq(void)
{
	return (uint32_t)time(NULL);
}

int hook_install(const struct hook_config *cfg, enum hook_queue_kind *used)
{
	enum hook_queue_kind kind = HOOK_QUEUE_NATIVE;
	uint32_t seq = hook_first_seq();
	struct mnl_socket *nl;
	bool native_missing;
	int err = 0;

	if (!hook_config_valid(cfg)) {
		log_err("hook: install: invalid table name or queue range");
		return -EINVAL;
	}
	nl = hook_socket_open(&err);
	if (!nl)
		return err;
	err = hook_install_kind(nl, cfg, kind, seq, &native_missing);
	if (native_missing) {
		log_info("hook: the kernel has no native queue expression "
			 "(%s); using the xt NFQUEUE target instead",
			 strerror(-err));
		kind = HOOK_QUEUE_COMPAT;
		seq += HOOK_BATCH_MAX_MSGS + 2;
		err = hook_install_kind(nl, cfg, kind, seq, &native_missing);
	}
	mnl_socket_close(nl);
	if (err < 0)
		return err;
	if (used)
		*used = kind;
	log_info("hook: table inet %s installed: queues %u-%u%s, pass mark 0x%x, with the %s",
		 cfg->table, cfg->queue_first,
		 (unsigned int)cfg->queue_first + cfg->queue_count - 1,
		 cfg->bypass ? " (bypass)" : "", cfg->pass_mark,
		 hook_queue_kind_name(kind));
	return 0;
}

/* Runs a flush or remove batch; a refusal is returned and, unless it is
 * ALLOWED, logged. */
static int hook_simple_op(const struct hook_config *cfg, const char *what,
			  size_t (*build)(void *, size_t,
					  const struct hook_config *, uint32_t),
			  int allowed)
{
	alignas(struct nlmsghdr) char batch[HOOK_BATCH_BUF];
	struct hook_acks acks;
	struct mnl_socket *nl;
	size_t len;
	int err = 0;

	if (!hook_config_valid(cfg)) {
		log_err("hook: %s: invalid table name", what);
		return -EINVAL;
	}
	len = build(batch, sizeof(batch), cfg, hook_first_seq());
	if (len == 0) {
		log_err("hook: %s: cannot build the batch (out of memory)", what);
		return -ENOMEM;
	}
	nl = hook_socket_open(&err);
	if (!nl)
		return err;
	err = hook_run_batch(nl, what, batch, len, &acks);
	mnl_socket_close(nl);
	if (err < 0)
		return err;
	if (acks.error != 0 && acks.error != allowed)
		hook_log_rejected(what, cfg, batch, len, &acks);
	return acks.error;
}

int hook_flush_rules(const struct hook_config *cfg)
{
	int err = hook_simple_op(cfg, "flush", hook_build_flush_batch, 0);

	if (err == 0)
		log_info("hook: rules of table inet %s flushed; nothing is queued any more",
			 cfg->table);
	return err;
}

int hook_remove(const struct hook_config *cfg)
{
	int err = hook_simple_op(cfg, "remove", hook_build_remove_batch,
				 -ENOENT);

	if (err == -ENOENT) {
		log_info("hook: table inet %s was already gone", cfg->table);
		return 0;
	}
	if (err == 0)
		log_info("hook: table inet %s removed", cfg->table);
	return err;
}
