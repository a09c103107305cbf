/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The helpers there are, by name (an explicit table: no constructor
 * magic), and the names of the reasons they count. */
#include <string.h>

#include "nfqfw/alg.h"

static const struct alg_helper *const alg_helpers[] = {
	&alg_helper_ftp,
	&alg_helper_tftp,
};

const struct alg_helper *alg_helper_find(const char *name, uint8_t l4proto)
{
	for (size_t k = 0; k < sizeof(alg_helpers) / sizeof(alg_helpers[0]); k++)
		if (alg_helpers[k]->l4proto == l4proto &&
		    strcmp(alg_helpers[k]->name, name) == 0)
			return alg_helpers[k];
	return NULL;
}

static const char *const alg_reason_names[ALG_R_COUNT] = {
	[ALG_R_NONE] = "none",
	[ALG_R_FTP_LINE_TOO_LONG] = "ftp_line_too_long",
	[ALG_R_FTP_NUL] = "ftp_nul",
	[ALG_R_FTP_SYNTAX] = "ftp_syntax",
	[ALG_R_FTP_RANGE] = "ftp_range",
	[ALG_R_FTP_LEADING_ZERO] = "ftp_leading_zero",
	[ALG_R_FTP_DELIM] = "ftp_delim",
	[ALG_R_FTP_PROTO] = "ftp_proto",
	[ALG_R_FTP_ADDR] = "ftp_addr",
	[ALG_R_FTP_FAMILY] = "ftp_family",
	[ALG_R_FTP_BOUNCE] = "ftp_bounce",
	[ALG_R_FTP_PASV_ADDR] = "ftp_pasv_addr",
	[ALG_R_FTP_SPLIT_NOT_REWRITTEN] = "ftp_split_not_rewritten",
	[ALG_R_FTP_GAP] = "ftp_gap",
	[ALG_R_FTP_RETRANS_NOT_REWRITTEN] = "ftp_retrans_not_rewritten",
	[ALG_R_TFTP_SHORT] = "tftp_short",
	[ALG_R_TFTP_OPCODE] = "tftp_opcode",
	[ALG_R_TFTP_FILENAME] = "tftp_filename",
	[ALG_R_TFTP_MODE] = "tftp_mode",
	[ALG_R_TFTP_OPTIONS] = "tftp_options",
	[ALG_R_TFTP_TOO_LONG] = "tftp_too_long",
};

const char *alg_reason_name(enum alg_reason r)
{
	if ((unsigned int)r >= ALG_R_COUNT || !alg_reason_names[r])
		return "unknown";
	return alg_reason_names[r];
}
