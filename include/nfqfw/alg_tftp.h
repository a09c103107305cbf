/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The TFTP helper's request check (RFC 1350 5, options RFC 2347): the
 * helper itself is alg_helper_tftp (include/nfqfw/alg.h). */
#ifndef NFQFW_ALG_TFTP_H
#define NFQFW_ALG_TFTP_H

#include <stddef.h>
#include <stdint.h>

#include "nfqfw/alg.h"

/* Largest request RFC 2347 allows. */
#define ALG_TFTP_REQUEST_MAX 512

/* Checks that DATA (LEN bytes of UDP payload) is a well-formed read or
 * write request: opcode 1 or 2, a non-empty filename and a known mode
 * ("netascii", "octet", "mail", any case), each NUL-terminated, then
 * option/value pairs of non-empty NUL-terminated strings. Returns
 * ALG_R_NONE, or the first thing wrong (ALG_R_TFTP_*). */
enum alg_reason alg_tftp_check_request(const uint8_t *data, size_t len);

#endif
