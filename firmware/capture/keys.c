/*
 * keys.c - the next photo's seal key, prepared while the camera is idle.
 *
 * Beginning a seal costs an ephemeral P-256 key and ECDH per recipient
 * (about 1.2 ms for the Trust alone), the one piece of crypto that does
 * not overlap the encoder.  None of it depends on the photo, so photod
 * prepares it ahead (tc_seal_prepare) at start-up, after every capture and,
 * in a burst, on the committer thread after each commit; the shutter path
 * only takes it.  A key set belongs to the settings it was made for: a
 * fingerprint of the algorithm, the recipients' public keys and the device
 * footer key is kept with it, and a take under other settings (a new
 * policy, review switched on or off, a wipe) discards it and the caller
 * begins the seal the slow way.  One slot: a key set is single use and
 * each photo needs a fresh one.  The slot is shared by the encoder's
 * thread (take) and whoever refills it, so it has a mutex; the ECDH runs
 * outside it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "capture_int.h"
#include "tc_io.h"
#include "tc_secmem.h"
#include "tc_sha256.h"

struct tc_capture_keys {
	pthread_mutex_t mu;
	struct tc_seal_prep *prep;	/* under mu; NULL: none ready */
	uint8_t fp[TC_SHA256_LEN];	/* under mu: the settings prep was made for */
};

void
capture_seal_params(const struct tc_capture_settings *cs, struct tc_seal_params *p)
{
	memset(p, 0, sizeof(*p));
	p->aead = cs->aead;
	p->trust_pub = cs->trust_pub;	/* the one wrap: nothing on the device can open a photo (R3) */
	p->device_mac_key = cs->device_mac_key;
}

/*
 * What a key set depends on: capture_seal_params' fields.  The footer key
 * is secret, so only its hash is kept.
 */
static void
fingerprint(const struct tc_capture_settings *cs, uint8_t out[TC_SHA256_LEN])
{
	uint8_t in[1 + TC_P256_PUB_LEN + TC_DEVICE_MAC_KEY_LEN] = { 0 };

	in[0] = (uint8_t)cs->aead;
	memcpy(in + 1, cs->trust_pub, TC_P256_PUB_LEN);
	memcpy(in + 1 + TC_P256_PUB_LEN, cs->device_mac_key, TC_DEVICE_MAC_KEY_LEN);
	tc_sha256(in, sizeof(in), out);
	tc_zeroize(in, sizeof(in));
}

int
tc_capture_keys_new(struct tc_capture_keys **out)
{
	struct tc_capture_keys *k = tc_calloc(1, sizeof(*k));

	*out = NULL;
	if (!k)
		return -ENOMEM;
	if (pthread_mutex_init(&k->mu, NULL) != 0) {
		tc_free(k);
		return -ENOMEM;
	}
	*out = k;
	return 0;
}

static bool
usable(const struct tc_capture_settings *cs)
{
	return cs && cs->trust_pub && cs->device_mac_key;
}

int
tc_capture_keys_refill(struct tc_capture_keys *k, const struct tc_capture_settings *cs)
{
	struct tc_seal_params p;
	struct tc_seal_prep *prep = NULL, *old = NULL;
	uint8_t fp[TC_SHA256_LEN];
	bool ready;
	int rc;

	if (!k || !usable(cs))
		return -EINVAL;
	fingerprint(cs, fp);
	pthread_mutex_lock(&k->mu);
	ready = k->prep && memcmp(k->fp, fp, sizeof(fp)) == 0;
	pthread_mutex_unlock(&k->mu);
	if (ready)
		return 0;
	capture_seal_params(cs, &p);
	if ((rc = tc_seal_prepare(&prep, &p)) != 0)
		return rc;
	pthread_mutex_lock(&k->mu);
	old = k->prep;
	k->prep = prep;
	memcpy(k->fp, fp, sizeof(fp));
	pthread_mutex_unlock(&k->mu);
	tc_seal_prep_free(old);
	return 0;
}

struct tc_seal_prep *
tc_capture_keys_take(struct tc_capture_keys *k, const struct tc_capture_settings *cs)
{
	struct tc_seal_prep *prep;
	uint8_t fp[TC_SHA256_LEN];
	bool match;

	if (!k || !usable(cs))
		return NULL;
	fingerprint(cs, fp);
	pthread_mutex_lock(&k->mu);
	prep = k->prep;
	match = prep && memcmp(k->fp, fp, sizeof(fp)) == 0;
	k->prep = NULL;
	pthread_mutex_unlock(&k->mu);
	if (match)
		return prep;
	tc_seal_prep_free(prep);	/* made for other settings */
	return NULL;
}

void
tc_capture_keys_clear(struct tc_capture_keys *k)
{
	struct tc_seal_prep *prep;

	if (!k)
		return;
	pthread_mutex_lock(&k->mu);
	prep = k->prep;
	k->prep = NULL;
	pthread_mutex_unlock(&k->mu);
	tc_seal_prep_free(prep);
}

void
tc_capture_keys_free(struct tc_capture_keys *k)
{
	if (!k)
		return;
	tc_capture_keys_clear(k);
	pthread_mutex_destroy(&k->mu);
	tc_free(k);
}
