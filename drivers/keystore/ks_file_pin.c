/*
 * ks_file_pin.c - the file backend's wrong-PIN counter and firmware release floor.
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

/* A small record file as a string: 1, 0 when there is none, or a negative code. */
static int
read_record(struct tc_keystore *ks, const char *name, char buf[FAILURES_MAX + 1])
{
	size_t len = 0;
	int rc = ks_file_read_key(ks_file_dirfd(ks), name, (uint8_t *)buf, FAILURES_MAX, 0, &len);

	if (rc == -ENOENT)
		return 0;
	if (rc != 0)
		return rc;
	buf[len] = '\0';
	return 1;
}

int
ks_file_pin_failures_get(struct tc_keystore *ks, struct tc_pin_failures *out)
{
	char buf[FAILURES_MAX + 1];
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = read_record(ks, KS_FILE_PIN_FAILURES, buf)) <= 0)
		return rc;
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

/*
 * The firmware release floor, "<release>\n" in firmware-floor (the file
 * backend keeps no policy floor: photod's policy.version is that record).
 */
int
ks_file_floor_get(struct tc_keystore *ks, enum tc_floor which, uint64_t *version)
{
	char buf[FAILURES_MAX + 1], *nl;
	int rc;

	*version = 0;
	if (which != TC_FLOOR_FIRMWARE)
		return 0;
	if ((rc = read_record(ks, KS_FILE_FIRMWARE_FLOOR, buf)) <= 0)
		return rc;
	nl = strchr(buf, '\n');
	if (!nl || nl[1] != '\0')
		return TC_E_INVAL_INPUT;
	*nl = '\0';
	return tc_parse_u64(buf, 0, INT64_MAX, version) == 0 ? 0 : TC_E_INVAL_INPUT;
}

int
ks_file_floor_raise(struct tc_keystore *ks, enum tc_floor which, uint64_t version)
{
	char buf[FAILURES_MAX];
	uint64_t cur;
	int n, rc;

	if (which != TC_FLOOR_FIRMWARE)
		return 0;
	if ((rc = ks_file_floor_get(ks, which, &cur)) != 0)
		return rc;
	if (cur >= version)
		return 0;
	n = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)version);
	return ks_file_write_key(ks_file_dirfd(ks), KS_FILE_FIRMWARE_FLOOR, (const uint8_t *)buf,
				 (size_t)n);
}
