/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nfqfwctl: asks a running nfqfwd for its status and counters over the
 * control socket. It sends one request line, prints the reply's body on
 * stdout and exits with the status the daemon gave (see ctl.h). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "nfqfw/conf.h"
#include "nfqfw/ctl.h"


#define CTLTOOL_TIMEOUT_SEC 10
#define CTLTOOL_STATUS_MAX (CTL_REQUEST_MAX + 64)

static void ctltool_usage(FILE *out)
{
	fprintf(out,
		"Usage: nfqfwctl [-s SOCKET] [-o text|json] COMMAND [ARGS...]\n"
		"       nfqfwctl -h | -V\n"
		"\n"
		"Asks the running nfqfwd over its control socket.\n"
		"\n"
		"Options:\n"
		"  -s, --socket=PATH    control socket (default %s)\n"
		"  -o, --output=FORMAT  text (default) or json\n"
		"  -h, --help           show this help\n"
		"  -V, --version        show the version\n"
		"\n"
		"Commands (`nfqfwctl help` asks the daemon for its list):\n"
		"  status   version, uptime and the settings in force\n"
		"  stats    packet counters per queue, with the kernel's own\n"
		"  conntrack [list|flush|delete|invalid] [proto= src= dst= addr= sport= dport=]\n"
		"           the connection table, as conntrack -L prints it\n"
		"  metrics  every counter in the Prometheus text format\n"
		"  reload   re-read the configuration; a file with errors is refused\n"
		"  rules    the filter chains, rules and counters (iptables -L -v -n)\n"
		"  help     list the commands the daemon knows\n"
		"\n"
		"Exit status: 0 ok, 1 the daemon reported a failure, 2 usage error or\n"
		"unknown command, 3 daemon not running, 4 permission denied.\n",
		CONF_DEFAULT_SOCKET);
}

/* A word of the request: the protocol splits on blanks, so a word may not
 * hold any, nor control characters. */
static bool ctltool_word_ok(const char *w)
{
	if (!*w)
		return false;
	for (const unsigned char *p = (const unsigned char *)w; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* Builds "<format> <command> [args...]\n" into BUF. Returns its length, or
 * 0 after printing why it cannot be sent. */
static size_t ctltool_build(char *buf, size_t size, const char *format,
			    char *const *words, int nwords)
{
	size_t len = strlen(format);

	memcpy(buf, format, len);
	for (int i = 0; i < nwords; i++) {
		size_t n = strlen(words[i]);

		if (!ctltool_word_ok(words[i])) {
			fprintf(stderr, "nfqfwctl: invalid argument '%s': blanks and "
				"control characters are not allowed\n", words[i]);
			return 0;
		}
		if (n + 2 > size - len) {
			fprintf(stderr, "nfqfwctl: request too long (max %d bytes)\n",
				CTL_REQUEST_MAX);
			return 0;
		}
		buf[len++] = ' ';
		memcpy(buf + len, words[i], n);
		len += n;
	}
	buf[len++] = '\n';
	return len;
}

/* Connects to PATH. Returns the socket, or -(exit status) after printing why. */
static int ctltool_connect(const char *path)
{
	struct timeval tv = { .tv_sec = CTLTOOL_TIMEOUT_SEC };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "nfqfwctl: socket path too long: %s\n", path);
		return -CTL_EXIT_USAGE;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "nfqfwctl: socket: %s\n", strerror(errno));
		return -CTL_EXIT_FAILURE;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	err = errno;
	close(fd);
	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case ECONNREFUSED:
		fprintf(stderr, "nfqfwctl: cannot connect to %s: daemon not running?\n", path);
		return -CTL_EXIT_NOT_RUNNING;
	case EACCES:
	case EPERM:
		fprintf(stderr, "nfqfwctl: cannot connect to %s: permission denied "
			"(run as root or as a member of the socket's group)\n", path);
		return -CTL_EXIT_PERMISSION;
	default:
		fprintf(stderr, "nfqfwctl: cannot connect to %s: %s\n", path, strerror(err));
		return -CTL_EXIT_FAILURE;
	}
}

static int ctltool_send(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "nfqfwctl: sending the request: %s\n", strerror(errno));
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads some of the reply. Returns the byte count, 0 at the end, -1 after
 * printing an error. The daemon may reset the connection once it has said
 * everything; that is the end too. */
static ssize_t ctltool_recv(int fd, char *buf, size_t size)
{
	for (;;) {
		ssize_t n = recv(fd, buf, size, 0);

		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == ECONNRESET)
			return 0;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			fprintf(stderr, "nfqfwctl: no reply from the daemon within %d s\n",
				CTLTOOL_TIMEOUT_SEC);
		else
			fprintf(stderr, "nfqfwctl: reading the reply: %s\n", strerror(errno));
		return -1;
	}
}

/* Reads the status line into LINE (NUL-terminated, without '\n'); what
 * came after it is left in LINE after the NUL, *REST bytes of it. */
static int ctltool_read_status(int fd, char *line, size_t size, size_t *rest)
{
	size_t len = 0;
	char *nl;

	for (;;) {
		ssize_t n = ctltool_recv(fd, line + len, size - 1 - len);

		if (n < 0)
			return -1;
		if (n == 0) {
			fprintf(stderr, "nfqfwctl: the daemon closed the connection "
				"without a reply\n");
			return -1;
		}
		len += (size_t)n;
		nl = memchr(line, '\n', len);
		if (nl)
			break;
		if (len == size - 1) {
			fprintf(stderr, "nfqfwctl: malformed reply from the daemon\n");
			return -1;
		}
	}
	*nl = '\0';
	*rest = len - (size_t)(nl + 1 - line);
	return 0;
}

/* Copies the rest of the reply to OUT. */
static int ctltool_copy_body(int fd, const char *start, size_t len, FILE *out)
{
	char buf[16384];
	ssize_t n;

	if (len && fwrite(start, 1, len, out) != len)
		return -1;
	while ((n = ctltool_recv(fd, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)n, out) != (size_t)n)
			return -1;
	return n < 0 ? -1 : 0;
}

/* "ERR <code> <message>": prints the message, returns the code. */
static int ctltool_error(const char *line)
{
	char *end;
	long code = strtol(line + 4, &end, 10);

	if (end == line + 4 || (*end != ' ' && *end != '\0')) {
		fprintf(stderr, "nfqfwctl: malformed reply from the daemon\n");
		return CTL_EXIT_FAILURE;
	}
	fprintf(stderr, "nfqfwctl: %s\n", *end ? end + 1 : "the daemon reported an error");
	return code == CTL_EXIT_USAGE ? CTL_EXIT_USAGE : CTL_EXIT_FAILURE;
}

static int ctltool_talk(int fd, const char *req, size_t req_len)
{
	char line[CTLTOOL_STATUS_MAX + 1];
	size_t rest;
	int status;

	if (ctltool_send(fd, req, req_len) < 0 ||
	    ctltool_read_status(fd, line, sizeof(line), &rest) < 0)
		return CTL_EXIT_FAILURE;
	if (strcmp(line, "OK") == 0) {
		if (ctltool_copy_body(fd, line + strlen(line) + 1, rest, stdout) < 0 ||
		    fflush(stdout) != 0) {
			fprintf(stderr, "nfqfwctl: cannot write the reply\n");
			return CTL_EXIT_FAILURE;
		}
		return CTL_EXIT_OK;
	}
	if (strncmp(line, "ERR ", 4) != 0) {
		fprintf(stderr, "nfqfwctl: malformed reply from the daemon\n");
		return CTL_EXIT_FAILURE;
	}
	status = ctltool_error(line);
	ctltool_copy_body(fd, line + strlen(line) + 1, rest, stderr);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket",  required_argument, NULL, 's' },
		{ "output",  required_argument, NULL, 'o' },
		{ "help",    no_argument,       NULL, 'h' },
		{ "version", no_argument,       NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CONF_DEFAULT_SOCKET, *format = "text";
	char req[CTL_REQUEST_MAX];
	size_t req_len;
	int opt, fd, status;

	while ((opt = getopt_long(argc, argv, "+s:o:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			path = optarg;
			break;
		case 'o':
			if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0) {
				fprintf(stderr, "nfqfwctl: unknown output format '%s' "
					"(text or json)\n", optarg);
				return CTL_EXIT_USAGE;
			}
			format = optarg;
			break;
		case 'h':
			ctltool_usage(stdout);
			return CTL_EXIT_OK;
		case 'V':
			printf("nfqfwctl %s\n", PACKAGE_VERSION);
			return CTL_EXIT_OK;
		default:
			ctltool_usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "nfqfwctl: no command given\n");
		ctltool_usage(stderr);
		return CTL_EXIT_USAGE;
	}
	req_len = ctltool_build(req, sizeof(req), format, argv + optind, argc - optind);
	if (req_len == 0)
		return CTL_EXIT_USAGE;
	fd = ctltool_connect(path);
	if (fd < 0)
		return -fd;
	status = ctltool_talk(fd, req, req_len);
	close(fd);
	return status;
}
