/*
 * pin.c - staff PINs: the Trust hashes them, the device checks them (R10).
 *
 * Argon2id through Debian's libargon2, at OWASP's minimum for Argon2id
 * (19 MiB, 2 passes, 1 lane): about 50-100 ms per check on the target,
 * which together with photod's lockout makes guessing a 4-digit PIN from
 * a stolen policy expensive and guessing at the device impossible.
 * libargon2 compares in constant time; an unknown staff id costs one
 * verification against a dummy hash, so timing does not tell whether an
 * id exists.  PINs are never copied, so there is nothing here to wipe
 * beyond libargon2's own buffers, which it clears itself.
 */
#include <errno.h>
#include <string.h>

#include <argon2.h>

#include "policy_int.h"
#include "tc_policy.h"
#include "tc_random.h"
#include "tc_secmem.h"

#define PIN_T_COST 2
#define PIN_M_COST 19456	/* KiB */
#define PIN_LANES 1
#define PIN_SALT_LEN 16
#define PIN_HASH_LEN 32
#define PIN_MIN_DIGITS 4
#define PIN_MAX_DIGITS 12

/* The hash of a PIN nobody can type, at the parameters above. */
static const char dummy_hash[] =
	"$argon2id$v=19$m=19456,t=2,p=1$dHJ1c3RjYW0tZHVtbXkhIQ$"
	"ScFA+khk34h0/LqSLxRTDmFyzK8jhfhjDjqzfgxdlno";

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

	if (pin == NULL || out == NULL || !pin_ok(pin, &len))
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

static const struct tc_policy_staff *
find_staff(const struct tc_policy *p, const char *id)
{
	size_t i;

	for (i = 0; i < p->n_staff; i++)
		if (policy_id_eq(p->staff[i].id, id, TC_POLICY_ID_MAX))
			return &p->staff[i];
	return NULL;
}

/*
 * 0 if pin is staff_id's PIN; TC_E_BAD_PIN for a wrong PIN, an unknown
 * id or a malformed PIN alike (each after one full Argon2id run), or
 * -ENOMEM if libargon2 could not get its memory: not the user's fault,
 * so a lockout counter must not count it.
 */
int
tc_policy_check_pin(const struct tc_policy *p, const char *staff_id, const char *pin)
{
	const struct tc_policy_staff *s = NULL;
	const char *hash = dummy_hash;
	static const char nobody[] = "-";
	const char *try = nobody;
	size_t len = 1;
	bool real;
	int rc;

	if (p != NULL && staff_id != NULL)
		s = find_staff(p, staff_id);
	real = s != NULL && pin != NULL && pin_ok(pin, &len);
	if (real) {
		hash = s->pin_hash;
		try = pin;
	}
	rc = argon2id_verify(hash, try, len);
	if (rc == ARGON2_MEMORY_ALLOCATION_ERROR)
		return -ENOMEM;
	return real && rc == ARGON2_OK ? 0 : TC_E_BAD_PIN;
}
