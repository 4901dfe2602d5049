/*
 * ks_file_pin.c - the file backend's wrong-PIN counter.
 *
 * The counter is pin-failures, "<count> <until>\n",
 * written durably (temp, fsync, rename, fsync dir): what photod kept in
 * STATE/provision/login-lockout before the keystore owned it.  Root can
 * reset a file; a TPM backend's NV counter it cannot.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "keystore_int.h"
#include "tc_io.h"
#include "tc_secmem.h"

#define FAILURES_MAX 64		/* "4294967295 9223372036854775807\n" is 31 bytes */

/* "<count> <until>\n", nothing else; false if it is not exactly that. */
static bool
parse_failures(char *buf, struct tc_pin_failures *out)
{
	char *sp = strchr(buf, ' '), *nl = strchr(buf, '\n');
	uint64_t c, u;

	if (!sp || !nl || nl < sp || nl[1] != '\0')
		return false;
	*sp = *nl = '\0';
	if (tc_parse_u64(buf, 0, UINT32_MAX, &c) != 0 || tc_parse_u64(sp + 1, 0, INT64_MAX, &u) != 0)
		return false;
	out->count = (uint32_t)c;
	out->locked_until = (int64_t)u;
	return true;
}

int
ks_file_pin_failures_get(struct tc_keystore *ks, struct tc_pin_failures *out)
{
	char buf[FAILURES_MAX + 1];
	size_t len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = ks_file_read_key(ks_file_dirfd(ks), KS_FILE_PIN_FAILURES, (uint8_t *)buf,
			      FAILURES_MAX, 0, &len);
	if (rc == -ENOENT)
		return 0;
	if (rc != 0)
		return rc;
	buf[len] = '\0';
	return parse_failures(buf, out) ? 0 : TC_E_INVAL_INPUT;
}

int
ks_file_pin_failures_set(struct tc_keystore *ks, const struct tc_pin_failures *next)
{
	char buf[FAILURES_MAX];
	int n = snprintf(buf, sizeof(buf), "%u %lld\n", next->count, (long long)next->locked_until);

	return ks_file_write_key(ks_file_dirfd(ks), KS_FILE_PIN_FAILURES, (const uint8_t *)buf,
				 (size_t)n);
}
