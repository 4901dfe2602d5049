/*
 * fields.c - the rules for each string field of a policy payload.
 *
 * One predicate per rule of the README's payload table, shared by the
 * device's decoder and the Trust's encoder.  Each takes the string and
 * its length (jansson reports both; an embedded NUL never reaches here,
 * as the decoder does not allow them) and answers yes or no: the caller
 * turns "no" into TC_E_POLICY_FORMAT or -EINVAL.
 */
#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/x509_crt.h>

#include "policy_int.h"
#include "tc_io.h"
#include "tc_mbedtls_compat.h"

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_lower_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

static bool
is_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) ||
	       c == '+' || c == '/';
}

bool
policy_id_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= TC_POLICY_ID_MAX)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

bool
policy_platform_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > POLICY_PLATFORM_LEN_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!is_digit(s[i]) && !(s[i] >= 'a' && s[i] <= 'z') && s[i] != '-')
			return false;
	return true;
}

/* 1..cap-1 bytes, no control characters (jansson has checked the UTF-8). */
static bool
text_ok(const char *s, size_t len, size_t cap)
{
	size_t i;

	if (len == 0 || len >= cap)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return false;
	return true;
}

bool
policy_name_ok(const char *s, size_t len)
{
	return text_ok(s, len, TC_POLICY_NAME_MAX);
}

bool
policy_label_ok(const char *s, size_t len)
{
	return text_ok(s, len, TC_POLICY_LABEL_MAX);
}

static unsigned
two(const char *s)
{
	return (unsigned)(s[0] - '0') * 10 + (unsigned)(s[1] - '0');
}

bool
policy_date_ok(const char *s, size_t len)
{
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, m, d;
	size_t i;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (i = 0; i < len; i++)
		if (i != 4 && i != 7 && !is_digit(s[i]))
			return false;
	y = two(s) * 100 + two(s + 2);
	m = two(s + 5);
	d = two(s + 8);
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return false;
	return true;
}

bool
policy_device_id_ok(const char *s, size_t len)
{
	size_t i;

	if (len != 18 || s[0] != 'D' || s[1] != '-')
		return false;
	for (i = 2; i < len; i++)
		if (!is_lower_hex(s[i]))
			return false;
	return true;
}

bool
policy_url_ok(const char *s, size_t len)
{
	static const char scheme[] = "https://";
	size_t i;

	if (len <= sizeof(scheme) - 1 || len >= TC_POLICY_URL_MAX ||
	    memcmp(s, scheme, sizeof(scheme) - 1) != 0)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

bool
policy_host_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= TC_POLICY_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!is_digit(s[i]) && !((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') &&
		    s[i] != '.' && s[i] != '-' && s[i] != ':')
			return false;
	return true;
}

/* Decimal without a leading zero, at most 9 digits, at *p; advances *p. */
static bool
read_uint(const char **p, const char *end, unsigned long *out)
{
	const char *s = *p;
	unsigned long v = 0;
	size_t n = 0;

	while (s + n < end && is_digit(s[n]) && n < 10)
		v = v * 10 + (unsigned long)(s[n++] - '0');
	if (n == 0 || n > 9 || (n > 1 && s[0] == '0'))
		return false;
	*p = s + n;
	*out = v;
	return true;
}

static bool
expect(const char **p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
		return false;
	*p += n;
	return true;
}

/* A run of unpadded base64 of at least min characters, ending at '$' or end. */
static bool
b64_run(const char **p, const char *end, size_t min)
{
	const char *s = *p;

	while (s < end && is_b64(*s))
		s++;
	if ((size_t)(s - *p) < min)
		return false;
	*p = s;
	return true;
}

/*
 * A gate that keeps a device from being told to spend more memory or
 * time on a login than it has, and refuses anything but argon2id
 * version 19; with parts, also where the salt and hash are (still
 * base64) and the costs, for pin.c to key the hash to the device.
 */
bool
policy_pin_hash_parse(const char *s, size_t len, struct policy_pin_parts *parts)
{
	const char *p = s, *end = s + len, *salt, *hash;
	unsigned long m, t, par;

	if (len >= TC_POLICY_PIN_HASH_MAX)
		return false;
	if (!expect(&p, end, "$argon2id$v=19$m=") || !read_uint(&p, end, &m) ||
	    !expect(&p, end, ",t=") || !read_uint(&p, end, &t) ||
	    !expect(&p, end, ",p=") || !read_uint(&p, end, &par) || !expect(&p, end, "$"))
		return false;
	salt = p;
	if (!b64_run(&p, end, 11) || !expect(&p, end, "$"))	/* salt >= 8 bytes */
		return false;
	hash = p;
	if (!b64_run(&p, end, 22) || p != end)			/* hash >= 16 bytes */
		return false;
	if (m < POLICY_ARGON2_M_MIN || m > POLICY_ARGON2_M_MAX || t < 1 ||
	    t > POLICY_ARGON2_T_MAX || par < 1 || par > POLICY_ARGON2_P_MAX)
		return false;
	if (parts != NULL) {
		parts->m_kib = (uint32_t)m;
		parts->t_cost = (uint32_t)t;
		parts->lanes = (uint32_t)par;
		parts->salt = salt;
		parts->salt_len = (size_t)(hash - 1 - salt);
		parts->hash = hash;
		parts->hash_len = (size_t)(end - hash);
	}
	return true;
}

bool
policy_pin_hash_ok(const char *s, size_t len)
{
	return policy_pin_hash_parse(s, len, NULL);
}

bool
policy_pub_decode(const char *hex, size_t len, uint8_t out[TC_P256_PUB_LEN])
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	bool ok = false;
	size_t i;

	if (len != POLICY_PUB_HEX_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!is_lower_hex(hex[i]))
			return false;
	if (tc_hex_decode(hex, out, TC_P256_PUB_LEN) != 0 || out[0] != 0x04)
		return false;
	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	ok = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
	     mbedtls_ecp_point_read_binary(&grp, &q, out, TC_P256_PUB_LEN) == 0 &&
	     mbedtls_ecp_check_pubkey(&grp, &q) == 0;
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	return ok;
}

bool
policy_ca_pem_ok(const char *s, size_t len)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	mbedtls_x509_crt crt;
	bool ok;

	if (len < sizeof(begin) - 1 || len >= POLICY_CA_PEM_MAX ||
	    memcmp(s, begin, sizeof(begin) - 1) != 0 || s[len] != '\0')
		return false;
	mbedtls_x509_crt_init(&crt);
	ok = mbedtls_x509_crt_parse(&crt, (const unsigned char *)s, len + 1) == 0 &&
	     crt.MBEDTLS_PRIVATE(ca_istrue);
	mbedtls_x509_crt_free(&crt);
	return ok;
}

bool
policy_id_eq(const char *a, const char *b, size_t cap)
{
	size_t la = strnlen(a, cap), lb = strnlen(b, cap);

	return la < cap && la == lb && memcmp(a, b, la) == 0;
}
