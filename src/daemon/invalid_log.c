/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small ring of the latest INVALID verdicts. The workers only try the
 * lock: a worker never waits on the control socket reading the ring, and an
 * attacker flooding invalid packets cannot make the workers queue on it. */
#include "config.h"

#include <string.h>

#include "nfqfw/invalid_log.h"

void invalid_log_init(struct invalid_log *l)
{
	memset(l, 0, sizeof(*l));
	pthread_mutex_init(&l->lock, NULL);
}

void invalid_log_destroy(struct invalid_log *l)
{
	pthread_mutex_destroy(&l->lock);
}

void invalid_log_add(struct invalid_log *l, const struct invalid_record *rec)
{
	if (pthread_mutex_trylock(&l->lock) != 0) {
		__atomic_add_fetch(&l->skipped, 1, __ATOMIC_RELAXED);
		return;
	}
	l->ring[l->total % INVALID_LOG_SIZE] = *rec;
	l->total++;
	pthread_mutex_unlock(&l->lock);
}

unsigned int invalid_log_read(struct invalid_log *l, struct invalid_record *out,
			      uint64_t *skipped)
{
	unsigned int n;
	uint64_t first;

	pthread_mutex_lock(&l->lock);
	n = l->total < INVALID_LOG_SIZE ? (unsigned int)l->total : INVALID_LOG_SIZE;
	first = l->total - n;
	for (unsigned int i = 0; i < n; i++)
		out[i] = l->ring[(first + i) % INVALID_LOG_SIZE];
	pthread_mutex_unlock(&l->lock);
	*skipped = __atomic_load_n(&l->skipped, __ATOMIC_RELAXED);
	return n;
}
