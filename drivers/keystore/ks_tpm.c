/*
 * ks_tpm.c - the TPM 2.0 keystore backend (tpm2-tss ESAPI): each secret
 * and the identity key's DER is a sealed data object (TPM2_Create of a
 * keyed-hash object with the data in its sensitive area, under an ECC
 * P-256 storage primary of the owner hierarchy), made persistent at a
 * fixed handle (KS_TPM_PERSIST_BASE).  Nothing of it is on disk, so a
 * disk image is useless off this TPM, and erasing a key evicts its
 * object from the TPM.
 *
 * Opening the keystore unseals what exists into one tc_secure_alloc
 * buffer (locked, wiped on close): the TPM is talked to at start, at
 * creation, for the NV counters (ks_tpm_nv.c) and on erase, each time on
 * a connection of its own, so two daemons can share a TPM that allows
 * one client at a time (a swtpm socket).  The TCTI is
 * CONFIG_KEYSTORE_TPM_TCTI, or in fault-injection (test) builds
 * TC_KEYSTORE_TCTI from the environment.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "autoconf.h"
#include "ks_tpm.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_random.h"
#include "tc_secmem.h"

#define KS_TPM_OBJECTS (TC_SECRET_COUNT + 1)	/* the secrets, then the identity key */
#define KS_TPM_SLOT_MAX KS_IDENTITY_DER_MAX
#define KS_TPM_TCTI_MAX 256

struct ks_tpm {
	char tcti[KS_TPM_TCTI_MAX];
	/*
	 * KS_TPM_OBJECTS x KS_TPM_SLOT_MAX, tc_secure_alloc: wiped in a
	 * forked child (MADV_WIPEONFORK), so a child (photod's policy
	 * verifier) unseals again from the TPM: pid says whose they are.
	 */
	uint8_t *slots;
	size_t len[KS_TPM_OBJECTS];	/* 0: no such object */
	pid_t pid;
	TPML_PCR_SELECTION pcrs;	/* what sealed objects are bound to (count 0: none) */
};

int
ks_tpm_fail(const char *what, TSS2_RC rc)
{
	tc_err("keystore: TPM %s: %s", what, Tss2_RC_Decode(rc));
	return TC_E_TPM;
}

int
ks_tpm_connect(struct tc_keystore *ks, struct ks_tpm_conn *c)
{
	const struct ks_tpm *t = ks->priv;
	TSS2_RC rc;

	memset(c, 0, sizeof(*c));
	rc = Tss2_TctiLdr_Initialize(t->tcti, &c->tcti);
	if (rc != TSS2_RC_SUCCESS) {
		tc_err("keystore: no TPM at \"%s\": %s", t->tcti, Tss2_RC_Decode(rc));
		return TC_E_TPM;
	}
	rc = Esys_Initialize(&c->esys, c->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		Tss2_TctiLdr_Finalize(&c->tcti);
		return ks_tpm_fail("connect", rc);
	}
	return 0;
}

void
ks_tpm_disconnect(struct ks_tpm_conn *c)
{
	if (c->esys)
		Esys_Finalize(&c->esys);
	if (c->tcti)
		Tss2_TctiLdr_Finalize(&c->tcti);
}

int
ks_tpm_exists(struct ks_tpm_conn *c, TPM2_HANDLE handle)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	TSS2_RC rc;
	int found;

	rc = Esys_GetCapability(c->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				TPM2_CAP_HANDLES, handle, 1, &more, &cap);
	if (rc != TSS2_RC_SUCCESS)
		return ks_tpm_fail("list handles", rc);
	found = cap->data.handles.count > 0 && cap->data.handles.handle[0] == handle;
	Esys_Free(cap);
	return found;
}

/* Unseal the object at handle into out (cap bytes).  0 or TC_E_TPM_UNSEAL. */
static int
unseal(struct ks_tpm_conn *c, const TPML_PCR_SELECTION *pcrs, TPM2_HANDLE handle, uint8_t *out,
       size_t cap, size_t *len)
{
	TPM2B_SENSITIVE_DATA *data = NULL;
	ESYS_TR obj = ESYS_TR_NONE, s = ESYS_TR_NONE;
	TSS2_RC rc;
	int ret = 0;

	if (ks_tpm_pcr_session(c, pcrs, &s) != 0)
		return TC_E_TPM_UNSEAL;
	rc = Esys_TR_FromTPMPublic(c->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   &obj);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_Unseal(c->esys, obj, s, ESYS_TR_NONE, ESYS_TR_NONE, &data);
	if (s != ESYS_TR_PASSWORD)
		(void)Esys_FlushContext(c->esys, s);
	if (rc != TSS2_RC_SUCCESS) {
		(void)ks_tpm_fail("unseal", rc);
		ret = TC_E_TPM_UNSEAL;
	} else if (data->size == 0 || data->size > cap) {
		tc_err("keystore: TPM object 0x%08x holds %u bytes, not a key", handle, data->size);
		ret = TC_E_TPM_UNSEAL;
	} else {
		memcpy(out, data->buffer, data->size);
		*len = data->size;
	}
	if (data) {
		tc_zeroize(data, sizeof(*data));
		Esys_Free(data);
	}
	if (obj != ESYS_TR_NONE)
		(void)Esys_TR_Close(c->esys, &obj);
	return ret;
}

static const TPM2B_PUBLIC primary_template = {
	.publicArea = {
		.type = TPM2_ALG_ECC,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT |
			TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
			TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
			TPMA_OBJECT_NODA,
		.parameters.eccDetail = {
			.symmetric = { .algorithm = TPM2_ALG_AES, .keyBits.aes = 128,
				       .mode.aes = TPM2_ALG_CFB },
			.scheme.scheme = TPM2_ALG_NULL,
			.curveID = TPM2_ECC_NIST_P256,
			.kdf.scheme = TPM2_ALG_NULL,
		},
	},
};

static const TPM2B_PUBLIC sealed_template = {
	.publicArea = {
		.type = TPM2_ALG_KEYEDHASH,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
			TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA,
		.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL,
	},
};

/*
 * Seal data (len <= 128) under a fresh owner storage primary and make
 * the object persistent at handle.  0, TC_E_TPM.
 */
static int
seal(struct ks_tpm_conn *c, const TPML_PCR_SELECTION *bind, TPM2_HANDLE handle,
     const uint8_t *data, size_t len)
{
	TPM2B_PUBLIC tmpl = sealed_template;
	TPM2B_SENSITIVE_CREATE sens;
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION pcrs = { 0 };
	TPM2B_PRIVATE *priv = NULL;
	TPM2B_PUBLIC *pub = NULL;
	ESYS_TR primary = ESYS_TR_NONE, obj = ESYS_TR_NONE, persist = ESYS_TR_NONE;
	TSS2_RC rc;
	int ret = TC_E_TPM;

	memset(&sens, 0, sizeof(sens));
	if (len > sizeof(sens.sensitive.data.buffer))
		return -EINVAL;
	if (ks_tpm_pcr_policy(c, bind, &tmpl.publicArea.authPolicy) != 0)
		return TC_E_TPM;
	/* Bound to PCRs: the policy is the only way to unseal, no password use. */
	if (bind->count)
		tmpl.publicArea.objectAttributes &= ~TPMA_OBJECT_USERWITHAUTH;
	rc = Esys_CreatePrimary(c->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				ESYS_TR_NONE, &sens, &primary_template, &outside, &pcrs, &primary,
				NULL, NULL, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		(void)ks_tpm_fail("create the storage primary", rc);
		goto out;
	}
	sens.sensitive.data.size = (UINT16)len;
	memcpy(sens.sensitive.data.buffer, data, len);
	rc = Esys_Create(c->esys, primary, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sens,
			 &tmpl, &outside, &pcrs, &priv, &pub, NULL, NULL, NULL);
	tc_zeroize(&sens, sizeof(sens));
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_Load(c->esys, primary, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, priv,
			       pub, &obj);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_EvictControl(c->esys, ESYS_TR_RH_OWNER, obj, ESYS_TR_PASSWORD,
				       ESYS_TR_NONE, ESYS_TR_NONE, handle, &persist);
	if (rc != TSS2_RC_SUCCESS) {
		(void)ks_tpm_fail("seal a key", rc);
		goto out;
	}
	ret = 0;
out:
	if (persist != ESYS_TR_NONE)
		(void)Esys_TR_Close(c->esys, &persist);
	if (obj != ESYS_TR_NONE)
		(void)Esys_FlushContext(c->esys, obj);
	if (primary != ESYS_TR_NONE)
		(void)Esys_FlushContext(c->esys, primary);
	Esys_Free(priv);
	Esys_Free(pub);
	return ret;
}

/* Evict the persistent object at handle, if there is one. */
static int
evict(struct ks_tpm_conn *c, TPM2_HANDLE handle)
{
	ESYS_TR obj = ESYS_TR_NONE, gone = ESYS_TR_NONE;
	TSS2_RC rc;
	int rc2 = ks_tpm_exists(c, handle);

	if (rc2 <= 0)
		return rc2;
	rc = Esys_TR_FromTPMPublic(c->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   &obj);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_EvictControl(c->esys, ESYS_TR_RH_OWNER, obj, ESYS_TR_PASSWORD,
				       ESYS_TR_NONE, ESYS_TR_NONE, handle, &gone);
	if (rc != TSS2_RC_SUCCESS) {
		if (obj != ESYS_TR_NONE)
			(void)Esys_TR_Close(c->esys, &obj);
		return ks_tpm_fail("evict a key", rc);
	}
	return 0;
}

static uint8_t *
slot(struct ks_tpm *t, int i)
{
	return t->slots + (size_t)i * KS_TPM_SLOT_MAX;
}

static void tpm_close(struct tc_keystore *ks);

/* Unseal every object that exists into its slot.  0, TC_E_TPM, TC_E_TPM_UNSEAL. */
static int
load_all(struct tc_keystore *ks)
{
	struct ks_tpm *t = ks->priv;
	struct ks_tpm_conn c;
	int i, rc;

	tc_zeroize(t->slots, KS_TPM_OBJECTS * KS_TPM_SLOT_MAX);
	memset(t->len, 0, sizeof(t->len));
	if ((rc = ks_tpm_connect(ks, &c)) != 0)
		return rc;
	for (i = 0; i < KS_TPM_OBJECTS && rc == 0; i++) {
		rc = ks_tpm_exists(&c, KS_TPM_PERSIST_BASE + (unsigned)i);
		if (rc == 1)
			rc = unseal(&c, &t->pcrs, KS_TPM_PERSIST_BASE + (unsigned)i, slot(t, i),
				    KS_TPM_SLOT_MAX, &t->len[i]);
	}
	ks_tpm_disconnect(&c);
	for (i = 0; i < TC_SECRET_COUNT && rc == 0; i++)
		if (t->len[i] != 0 && t->len[i] != TC_SECRET_LEN)
			rc = TC_E_TPM_UNSEAL;
	if (rc == 0)
		t->pid = getpid();
	return rc;
}

/* The slots of this process: a forked child's were wiped, so it unseals its own. */
static int
own_slots(struct tc_keystore *ks)
{
	const struct ks_tpm *t = ks->priv;

	return t->pid == getpid() ? 0 : load_all(ks);
}

static int
tpm_open(struct tc_keystore *ks, const char *dir)
{
#ifdef CONFIG_FAULT_INJECTION
	/* Tests point the keystore at their swtpm; a production build has no such switch. */
	const char *env = getenv("TC_KEYSTORE_TCTI");
#else
	const char *env = NULL;
#endif
	struct ks_tpm *t;
	int rc;

	(void)dir;	/* nothing of the TPM backend is on disk */
	if (!(t = tc_calloc(1, sizeof(*t))))
		return -ENOMEM;
	ks->priv = t;
	if ((size_t)snprintf(t->tcti, sizeof(t->tcti), "%s",
			     env && *env ? env : CONFIG_KEYSTORE_TPM_TCTI) >= sizeof(t->tcti)) {
		rc = -ENAMETOOLONG;
		goto fail;
	}
	if ((rc = ks_tpm_pcrs_config(&t->pcrs)) != 0)
		goto fail;
	if (!(t->slots = tc_secure_alloc(KS_TPM_OBJECTS * KS_TPM_SLOT_MAX))) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = load_all(ks)) == 0)
		return 0;
fail:
	tpm_close(ks);
	return rc;
}

static void
tpm_close(struct tc_keystore *ks)
{
	struct ks_tpm *t = ks->priv;

	if (t) {
		tc_secure_free(t->slots);	/* wipes */
		tc_free(t);
	}
	ks->priv = NULL;
}

/*
 * Seal data as object i and keep it in its slot.  0, TC_E_TPM, or
 * TC_E_EXISTS when another process made it since we opened (a secret is
 * then unsealed into the slot instead: both processes use the same).
 */
static int
create_object(struct tc_keystore *ks, int i, const uint8_t *data, size_t len)
{
	struct ks_tpm *t = ks->priv;
	struct ks_tpm_conn c;
	int rc;

	if ((rc = ks_tpm_connect(ks, &c)) != 0)
		return rc;
	rc = ks_tpm_exists(&c, KS_TPM_PERSIST_BASE + (unsigned)i);
	if (rc == 1 && i < TC_SECRET_COUNT) {
		rc = unseal(&c, &t->pcrs, KS_TPM_PERSIST_BASE + (unsigned)i, slot(t, i),
			    KS_TPM_SLOT_MAX, &t->len[i]);
		if (rc == 0 && t->len[i] != TC_SECRET_LEN)
			rc = TC_E_TPM_UNSEAL;
	} else if (rc == 1) {
		rc = TC_E_EXISTS;
	} else if (rc == 0 &&
		   (rc = seal(&c, &t->pcrs, KS_TPM_PERSIST_BASE + (unsigned)i, data, len)) == 0) {
		memcpy(slot(t, i), data, len);
		t->len[i] = len;
	}
	ks_tpm_disconnect(&c);
	if (rc != 0) {
		tc_zeroize(slot(t, i), KS_TPM_SLOT_MAX);
		t->len[i] = 0;
	}
	return rc;
}

static int
tpm_secret(struct tc_keystore *ks, enum tc_secret_id id, int create, uint8_t out[TC_SECRET_LEN])
{
	struct ks_tpm *t = ks->priv;
	int rc;

	if ((rc = own_slots(ks)) != 0) {
		tc_zeroize(out, TC_SECRET_LEN);
		return rc;
	}
	if (t->len[id] == 0) {
		if (!create)
			return -ENOENT;
		if ((rc = tc_random_bytes(out, TC_SECRET_LEN)) == 0)
			rc = create_object(ks, (int)id, out, TC_SECRET_LEN);
		tc_zeroize(out, TC_SECRET_LEN);
		if (rc != 0)
			return rc;
	}
	memcpy(out, slot(t, (int)id), TC_SECRET_LEN);
	return 0;
}

static int
tpm_id_load(struct tc_keystore *ks, uint8_t *der, size_t cap, size_t *len)
{
	struct ks_tpm *t = ks->priv;
	size_t n;
	int rc;

	if ((rc = own_slots(ks)) != 0)
		return rc;
	n = t->len[TC_SECRET_COUNT];
	if (n == 0)
		return -ENOENT;
	if (n > cap)
		return TC_E_INVAL_INPUT;
	memcpy(der, slot(t, TC_SECRET_COUNT), n);
	*len = n;
	return 0;
}

static int
tpm_id_exists(struct tc_keystore *ks)
{
	const struct ks_tpm *t = ks->priv;
	int rc = own_slots(ks);

	if (rc != 0)
		return rc;
	return t->len[TC_SECRET_COUNT] ? TC_E_EXISTS : 0;
}

static int
tpm_id_store(struct tc_keystore *ks, const uint8_t *der, size_t len)
{
	if (len > KS_TPM_SLOT_MAX)
		return TC_E_CRYPTO;
	return create_object(ks, TC_SECRET_COUNT, der, len);
}

static int
tpm_erase(struct tc_keystore *ks, unsigned mask)
{
	struct ks_tpm *t = ks->priv;
	struct ks_tpm_conn c;
	int i, rc, first = 0;

	if ((rc = ks_tpm_connect(ks, &c)) != 0)
		return rc;
	for (i = 0; i < KS_TPM_OBJECTS; i++) {
		if (!(mask & (i < TC_SECRET_COUNT ? TC_KEY_BIT(i) : TC_KEY_IDENTITY)))
			continue;
		rc = evict(&c, KS_TPM_PERSIST_BASE + (unsigned)i);
		if (rc == 0) {
			tc_zeroize(slot(t, i), KS_TPM_SLOT_MAX);
			t->len[i] = 0;
		} else if (!first) {
			first = rc;
		}
	}
	if (mask & TC_KEY_PIN_FAILURES) {
		if ((rc = ks_tpm_nv_undefine(&c, KS_TPM_NV_PIN_COUNTER)) != 0 && !first)
			first = rc;
		if ((rc = ks_tpm_nv_undefine(&c, KS_TPM_NV_PIN_MARK)) != 0 && !first)
			first = rc;
	}
	if ((mask & TC_KEY_POLICY_FLOOR) &&
	    (rc = ks_tpm_nv_undefine(&c, KS_TPM_NV_FLOOR)) != 0 && !first)
		first = rc;
	ks_tpm_disconnect(&c);
	return first;
}

const struct tc_keystore_ops tc_keystore_tpm_ops = {
	.name = "tpm",
	.open = tpm_open,
	.close = tpm_close,
	.secret = tpm_secret,
	.erase = tpm_erase,
	.id_load = tpm_id_load,
	.id_exists = tpm_id_exists,
	.id_store = tpm_id_store,
	.pin_failures_get = ks_tpm_pin_failures_get,
	.pin_failures_set = ks_tpm_pin_failures_set,
	.floor_get = ks_tpm_floor_get,
	.floor_raise = ks_tpm_floor_raise,
};
