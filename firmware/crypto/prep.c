/*
 * prep.c - a photo's keys, drawn before the photo exists.
 *
 * Most of what tc_seal_begin() used to do at the shutter depends on
 * neither the photo nor the moment it is sealed: the photo id, the
 * content key, the nonce prefix, and for each recipient an ephemeral key
 * pair, its ECDH with the recipient and the HKDF of the wrap key (whose
 * salt is the photo id and whose info names the two public keys: see
 * wrap.c).  tc_seal_prepare() does all of that - about a millisecond of
 * P-256 per recipient - so photod can do it on its sealing thread while
 * the encoder works.  What is left for tc_seal_begin_prepared() binds the
 * creation time: the fixed header, each wrap's AEAD (its AD is the fixed
 * header) and the header tag, all symmetric and cheap.  The object is the
 * same version-1 object tc_seal_begin() writes, byte for byte in layout.
 *
 * A prep holds the content key and the wrap keys, so it lives in
 * tc_secure_alloc memory (locked, wiped on free) and is single use:
 * begin_prepared frees it whatever happens, because two objects under one
 * content key and nonce prefix would reuse nonces.
 */
#include <errno.h>
#include <string.h>

#include "seal_int.h"
#include "tc_random.h"
#include "tc_secmem.h"

int
tc_seal_prepare(struct tc_seal_prep **out, const struct tc_seal_params *p)
{
	const uint8_t *recip[SEAL_PREP_MAX_WRAPS];
	struct tc_seal_prep *k;
	enum tc_aead aead;
	unsigned i, j;
	int rc;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!p || !p->trust_pub || !p->device_mac_key)
		return -EINVAL;
	aead = seal_aead_resolve(p->aead);
	if (!seal_aead_known(aead))
		return TC_E_BAD_ALGORITHM;
	if (!(k = tc_secure_alloc(sizeof(*k))))
		return -ENOMEM;
	k->aead = aead;
	recip[0] = p->trust_pub;
	recip[1] = p->review_pub;
	k->n_wraps = p->review_pub ? 2 : 1;
	memcpy(k->mac_key, p->device_mac_key, TC_DEVICE_MAC_KEY_LEN);
	if (p->photo_id)
		memcpy(k->photo_id, p->photo_id, TC_PHOTO_ID_LEN);
	else if ((rc = tc_random_bytes(k->photo_id, TC_PHOTO_ID_LEN)) != 0)
		goto err;
	if ((rc = tc_random_bytes(k->cek, sizeof(k->cek))) != 0 ||
	    (rc = tc_random_bytes(k->nonce_prefix, sizeof(k->nonce_prefix))) != 0)
		goto err;
	for (i = 0; i < k->n_wraps; i++)
		if ((rc = seal_wrap_prepare(recip[i], k->photo_id, &k->wraps[i])) != 0)
			goto err;
	/* One record per recipient: an opener refuses a header with two for one key id. */
	for (i = 0; i < k->n_wraps; i++)
		for (j = i + 1; j < k->n_wraps; j++)
			if (memcmp(k->wraps[i].keyid, k->wraps[j].keyid, SEAL_KEYID_LEN) == 0) {
				rc = TC_E_INVAL_INPUT;
				goto err;
			}
	*out = k;
	return 0;
err:
	tc_secure_free(k);	/* wipes the keys drawn so far */
	return rc;
}

void
tc_seal_prep_free(struct tc_seal_prep *prep)
{
	tc_secure_free(prep);
}
