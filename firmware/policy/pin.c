/*
 * pin.c - staff PINs: the Trust hashes them, the device checks them (R10).
 *
 * Argon2id through Debian's libargon2, at OWASP's minimum for Argon2id
 * (19 MiB, 2 passes, 1 lane): about 50-100 ms per check on the target.
 * The Trust hashes (it never learns the device's PIN secret); the hash
 * travels sealed to the device, and when the table is opened each hash
 * is replaced by HMAC(device PIN secret, hash) (policy_pin_key), so the
 * device only ever keeps a verifier that is worthless without its own
 * keystore.  A check recomputes Argon2id with the hash's own costs and
 * salt, MACs the result the same way and compares in constant time; an
 * unknown staff id costs the same run against a dummy, so timing does not
 * tell whether an id exists.
 */
#include <errno.h>
#include <string.h>

#include <argon2.h>
#include <mbedtls/base64.h>
#include <mbedtls/constant_time.h>

#include "policy_int.h"
#include "tc_policy.h"
#include "tc_random.h"
#include "tc_secmem.h"

#define PIN_T_COST 2
#define PIN_M_COST 19456	/* KiB */
#define PIN_LANES 1
#define PIN_SALT_LEN 16
#define PIN_HASH_LEN 32
#define PIN_MIN_DIGITS 4	/* what a device accepts at login */
#define PIN_NEW_MIN_DIGITS 6	/* what the Trust issues (tc_policy_hash_pin) */
#define PIN_MAX_DIGITS 12

/* 4..12 ASCII digits; the length in *len. */
static bool
pin_ok(const char *pin, size_t *len)
{
	size_t i, n = strnlen(pin, PIN_MAX_DIGITS + 1);

	if (n < PIN_MIN_DIGITS || n > PIN_MAX_DIGITS)
		return false;
	for (i = 0; i < n; i++)
		if (pin[i] < '0' || pin[i] > '9')
			return false;
	*len = n;
	return true;
}

int
tc_policy_hash_pin(const char *pin, char out[TC_POLICY_PIN_HASH_MAX])
{
	uint8_t salt[PIN_SALT_LEN];
	size_t len = 0;
	int ret, rc;

	if (pin == NULL || out == NULL || !pin_ok(pin, &len) || len < PIN_NEW_MIN_DIGITS)
		return -EINVAL;
	ret = tc_random_bytes(salt, sizeof(salt));
	if (ret != 0)
		goto out;
	rc = argon2id_hash_encoded(PIN_T_COST, PIN_M_COST, PIN_LANES, pin, len, salt,
				   sizeof(salt), PIN_HASH_LEN, out, TC_POLICY_PIN_HASH_MAX);
	if (rc == ARGON2_MEMORY_ALLOCATION_ERROR)
		ret = -ENOMEM;
	else if (rc != ARGON2_OK)
		ret = TC_E_CRYPTO;
out:
	if (ret != 0)
		tc_zeroize(out, TC_POLICY_PIN_HASH_MAX);
	tc_zeroize(salt, sizeof(salt));
	return ret;
}

/* Unpadded base64 (n characters) into out (cap bytes); its length or 0. */
static size_t
b64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
	char buf[TC_POLICY_PIN_HASH_MAX + 4];
	size_t got = 0;

	if (n + 3 > sizeof(buf) || n % 4 == 1)
		return 0;
	memcpy(buf, in, n);
	while (n % 4 != 0)
		buf[n++] = '=';
	if (mbedtls_base64_decode(out, cap, &got, (const unsigned char *)buf, n) != 0)
		got = 0;
	tc_zeroize(buf, sizeof(buf));
	return got;
}

int
policy_pin_key(struct tc_policy_staff *s, const struct tc_policy_device *dev)
{
	struct tc_policy_pin *v = &s->pin;
	struct policy_pin_parts parts;
	uint8_t tag[TC_POLICY_PIN_TAG_MAX];
	size_t n;
	int rc = TC_E_POLICY_FORMAT;

	memset(v, 0, sizeof(*v));
	if (!policy_pin_hash_parse(s->pin_hash, strnlen(s->pin_hash, sizeof(s->pin_hash)), &parts))
		goto out;
	v->m_kib = parts.m_kib;
	v->t_cost = parts.t_cost;
	v->lanes = parts.lanes;
	n = b64_decode(parts.salt, parts.salt_len, v->salt, sizeof(v->salt));
	if (n < 8)
		goto out;
	v->salt_len = (uint32_t)n;
	n = b64_decode(parts.hash, parts.hash_len, tag, sizeof(tag));
	if (n < 16)
		goto out;
	v->tag_len = (uint32_t)n;
	rc = dev->pin_mac(dev->ctx, tag, n, v->verifier);
out:
	tc_zeroize(tag, sizeof(tag));
	/* The hash itself never outlives the opening of the table. */
	tc_zeroize(s->pin_hash, sizeof(s->pin_hash));
	if (rc != 0)
		memset(v, 0, sizeof(*v));
	return rc;
}

static const struct tc_policy_staff *
find_staff(const struct tc_policy *p, const char *id)
{
	size_t i;

	for (i = 0; i < p->n_staff; i++)
		if (policy_id_eq(p->staff[i].id, id, TC_POLICY_ID_MAX))
			return &p->staff[i];
	return NULL;
}

/* Stands in for an unknown id: the hash's own costs, a salt nobody's PIN has. */
static const struct tc_policy_pin dummy_pin = {
	PIN_M_COST, PIN_T_COST, PIN_LANES, PIN_SALT_LEN, PIN_HASH_LEN,
	"trustcam-dummy!!", { 0 },
};

int
tc_policy_check_pin(const struct tc_policy *p, const struct tc_policy_device *dev,
		    const char *staff_id, const char *pin)
{
	const struct tc_policy_staff *s = NULL;
	const struct tc_policy_pin *v = &dummy_pin;
	static const char nobody[] = "-";
	const char *try = nobody;
	uint8_t tag[TC_POLICY_PIN_TAG_MAX], mac[TC_POLICY_PIN_MAC_LEN];
	size_t len = 1;
	bool real;
	int rc;

	if (dev == NULL || dev->pin_mac == NULL)
		return TC_E_BAD_PIN;
	if (p != NULL && staff_id != NULL)
		s = find_staff(p, staff_id);
	real = s != NULL && s->pin.tag_len != 0 && pin != NULL && pin_ok(pin, &len);
	if (real) {
		v = &s->pin;
		try = pin;
	}
	rc = argon2id_hash_raw(v->t_cost, v->m_kib, v->lanes, try, len, v->salt, v->salt_len,
			       tag, v->tag_len);
	if (rc == ARGON2_MEMORY_ALLOCATION_ERROR) {
		rc = -ENOMEM;
		goto out;
	}
	if (rc != ARGON2_OK) {
		rc = TC_E_BAD_PIN;
		goto out;
	}
	if ((rc = dev->pin_mac(dev->ctx, tag, v->tag_len, mac)) != 0)
		goto out;
	rc = real && mbedtls_ct_memcmp(mac, v->verifier, sizeof(mac)) == 0 ? 0 : TC_E_BAD_PIN;
out:
	tc_zeroize(tag, sizeof(tag));
	tc_zeroize(mac, sizeof(mac));
	return rc;
}
