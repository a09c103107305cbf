/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reads the kernel's per-queue NFQUEUE counters from procfs. The file is
 * small and trusted, but a parser that meets a line it does not understand
 * skips it: a newer kernel must never make the control socket fail. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nfqfw/kstats.h"

enum {
	KSTATS_QUEUE,
	KSTATS_PORTID,
	KSTATS_WAITING,
	KSTATS_COPY_MODE,
	KSTATS_COPY_RANGE,
	KSTATS_QUEUE_DROPPED,
	KSTATS_USER_DROPPED,
	KSTATS_ID_SEQUENCE,
	KSTATS_FIELDS,              /* fields we need; later ones are ignored */
	KSTATS_MAX_FIELDS = 16,     /* more than this is not the format we know */
};

/* Largest value each field may hold. */
static const uint64_t kstats_field_max[KSTATS_FIELDS] = {
	[KSTATS_QUEUE]         = UINT16_MAX,
	[KSTATS_PORTID]        = UINT32_MAX,
	[KSTATS_WAITING]       = UINT32_MAX,
	[KSTATS_COPY_MODE]     = UINT32_MAX,
	[KSTATS_COPY_RANGE]    = UINT32_MAX,
	[KSTATS_QUEUE_DROPPED] = UINT64_MAX,
	[KSTATS_USER_DROPPED]  = UINT64_MAX,
	[KSTATS_ID_SEQUENCE]   = UINT64_MAX,
};

static bool kstats_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Parses one unsigned decimal token at *P and advances past it. strtoull
 * alone would accept signs, leading blanks and "0x"; we accept digits only. */
static bool kstats_parse_u64(const char **p, uint64_t *v)
{
	const char *s = *p;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return false;
	if (*end != '\0' && *end != '\n' && !kstats_is_blank(*end))
		return false;
	*p = end;
	return true;
}

bool queue_kstats_parse_line(const char *line, struct queue_kstats *out)
{
	uint64_t v[KSTATS_FIELDS];
	unsigned int n = 0;
	const char *p = line;

	for (;;) {
		uint64_t x;

		while (kstats_is_blank(*p))
			p++;
		if (*p == '\0' || (*p == '\n' && p[1] == '\0'))
			break;
		if (n == KSTATS_MAX_FIELDS || !kstats_parse_u64(&p, &x))
			return false;
		if (n < KSTATS_FIELDS) {
			if (x > kstats_field_max[n])
				return false;
			v[n] = x;
		}
		n++;
	}
	if (n < KSTATS_FIELDS)
		return false;

	*out = (struct queue_kstats){
		.queue = (uint16_t)v[KSTATS_QUEUE],
		.portid = (uint32_t)v[KSTATS_PORTID],
		.waiting = (uint32_t)v[KSTATS_WAITING],
		.copy_mode = (uint32_t)v[KSTATS_COPY_MODE],
		.copy_range = (uint32_t)v[KSTATS_COPY_RANGE],
		.queue_dropped = v[KSTATS_QUEUE_DROPPED],
		.user_dropped = v[KSTATS_USER_DROPPED],
		.id_sequence = v[KSTATS_ID_SEQUENCE],
		.present = true,
	};
	return true;
}

/* Reads one line into BUF, without its newline. A line too long for BUF
 * or holding a NUL byte is consumed to its end and reported as *bad, so
 * that neither its tail nor the next line is mistaken for something else.
 * Returns false at the end of the file. */
static bool kstats_read_line(FILE *f, char *buf, size_t size, bool *bad)
{
	size_t len = 0;
	int c = EOF;

	*bad = false;
	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0' || len == size - 1)
			*bad = true;
		else
			buf[len++] = (char)c;
	}
	buf[len] = '\0';
	return c != EOF || len > 0 || *bad;
}

/* The file kept open by queue_kstats_keep_open(); set before any thread
 * reads, read-only after. pread() shares no file offset between threads. */
static int kstats_kept_fd = -1;
static char kstats_kept_path[64];
#define KSTATS_KEPT_MAX 65536   /* 64 queues of about 60 bytes fit easily */

int queue_kstats_keep_open(const char *path)
{
	int fd;

	if (strlen(path) >= sizeof(kstats_kept_path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (kstats_kept_fd >= 0)
		close(kstats_kept_fd);
	kstats_kept_fd = fd;
	strcpy(kstats_kept_path, path);
	return 0;
}

/* The kept file's text in *BUF, as a stream. One pread() takes it whole:
 * procfs fills it with whole lines, all of one moment. An empty file has
 * no line for any queue (ENOENT). */
static FILE *kstats_open_kept(char **buf)
{
	FILE *f = NULL;
	ssize_t n;
	int err;

	*buf = malloc(KSTATS_KEPT_MAX);
	if (!*buf)
		return NULL;
	do
		n = pread(kstats_kept_fd, *buf, KSTATS_KEPT_MAX, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		f = fmemopen(*buf, (size_t)n, "r");
	else if (n == 0)
		errno = ENOENT;
	if (!f) {
		err = errno;
		free(*buf);
		*buf = NULL;
		errno = err;
	}
	return f;
}

int queue_kstats_read(const char *path, uint16_t queue, struct queue_kstats *out)
{
	char line[256], *kept = NULL;
	bool bad;
	FILE *f;
	int ret = -ENOENT;

	*out = (struct queue_kstats){ .queue = queue };
	if (kstats_kept_fd >= 0 && strcmp(path, kstats_kept_path) == 0)
		f = kstats_open_kept(&kept);
	else
		f = fopen(path, "re");
	if (!f)
		return -errno;
	while (kstats_read_line(f, line, sizeof(line), &bad)) {
		struct queue_kstats ks;

		if (bad || !queue_kstats_parse_line(line, &ks))
			continue;
		if (ks.queue == queue) {
			*out = ks;
			ret = 0;
			break;
		}
	}
	if (ret != 0 && ferror(f))
		ret = -EIO;
	fclose(f);
	free(kept);
	return ret;
}
