/*
 * ks_tpm_nv.c - the TPM backend's monotonic state in NV indices:
 *
 *   KS_TPM_NV_PIN_COUNTER  an NV counter (TPM2_NT_COUNTER): +1 for every
 *                          wrong PIN; it only rises.
 *   KS_TPM_NV_PIN_MARK     16 bytes, big-endian: the counter's value at
 *                          the last right PIN, and the lock time.
 *                          failures = counter - mark.
 *   KS_TPM_NV_FLOOR        8 bytes, big-endian: the newest policy version
 *                          ever installed; written only upwards.
 *   KS_TPM_NV_FW_FLOOR     8 bytes, big-endian: the newest firmware
 *                          release ever kept; written only upwards.
 *
 * None of it is on disk: deleting files or restoring an old disk image
 * changes none of it.  (Anyone who can send the TPM owner-authorised
 * commands, i.e. root on the running device, can rewrite the mark or
 * the floor; README.md says what this does and does not stop.)
 */
#include <errno.h>
#include <string.h>

#include "ks_tpm.h"

#define MARK_LEN 16

static void
put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Read len bytes of the NV index at handle; 1 if it is not defined (or never written). */
static int
nv_read(struct ks_tpm_conn *c, TPM2_HANDLE handle, uint8_t *out, UINT16 len)
{
	TPM2B_MAX_NV_BUFFER *data = NULL;
	ESYS_TR nv = ESYS_TR_NONE;
	TSS2_RC rc;
	int ret = ks_tpm_exists(c, handle);

	if (ret != 1)
		return ret == 0 ? 1 : ret;
	ret = 0;
	rc = Esys_TR_FromTPMPublic(c->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_NV_Read(c->esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				  ESYS_TR_NONE, len, 0, &data);
	if ((rc & ~TSS2_RC_LAYER_MASK) == TPM2_RC_NV_UNINITIALIZED)
		ret = 1;
	else if (rc != TSS2_RC_SUCCESS)
		ret = ks_tpm_fail("read an NV index", rc);
	else if (data->size != len)
		ret = TC_E_TPM;
	else
		memcpy(out, data->buffer, len);
	Esys_Free(data);
	if (nv != ESYS_TR_NONE)
		(void)Esys_TR_Close(c->esys, &nv);
	return ret;
}

/* Define the index at handle (size bytes, counter if set) unless it exists; its ESYS_TR in *nv. */
static int
nv_open(struct ks_tpm_conn *c, TPM2_HANDLE handle, UINT16 size, int counter, ESYS_TR *nv)
{
	TPM2B_AUTH auth = { 0 };
	TPM2B_NV_PUBLIC pub = { 0 };
	TSS2_RC rc;
	int ret = ks_tpm_exists(c, handle);

	if (ret < 0)
		return ret;
	if (ret == 1) {
		rc = Esys_TR_FromTPMPublic(c->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE,
					   ESYS_TR_NONE, nv);
		return rc == TSS2_RC_SUCCESS ? 0 : ks_tpm_fail("open an NV index", rc);
	}
	pub.nvPublic.nvIndex = handle;
	pub.nvPublic.nameAlg = TPM2_ALG_SHA256;
	pub.nvPublic.attributes = TPMA_NV_OWNERWRITE | TPMA_NV_OWNERREAD | TPMA_NV_NO_DA |
		(counter ? (TPMA_NV)(TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT) : 0);
	pub.nvPublic.dataSize = size;
	rc = Esys_NV_DefineSpace(c->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				 ESYS_TR_NONE, &auth, &pub, nv);
	return rc == TSS2_RC_SUCCESS ? 0 : ks_tpm_fail("define an NV index (NV full?)", rc);
}

static int
nv_write(struct ks_tpm_conn *c, TPM2_HANDLE handle, const uint8_t *buf, UINT16 len)
{
	TPM2B_MAX_NV_BUFFER data = { .size = len };
	ESYS_TR nv = ESYS_TR_NONE;
	TSS2_RC rc;
	int ret = nv_open(c, handle, len, 0, &nv);

	if (ret != 0)
		return ret;
	memcpy(data.buffer, buf, len);
	rc = Esys_NV_Write(c->esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			   ESYS_TR_NONE, &data, 0);
	(void)Esys_TR_Close(c->esys, &nv);
	return rc == TSS2_RC_SUCCESS ? 0 : ks_tpm_fail("write an NV index", rc);
}

static int
counter_increment(struct ks_tpm_conn *c)
{
	ESYS_TR nv = ESYS_TR_NONE;
	TSS2_RC rc;
	int ret = nv_open(c, KS_TPM_NV_PIN_COUNTER, 8, 1, &nv);

	if (ret != 0)
		return ret;
	rc = Esys_NV_Increment(c->esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			       ESYS_TR_NONE);
	(void)Esys_TR_Close(c->esys, &nv);
	return rc == TSS2_RC_SUCCESS ? 0 : ks_tpm_fail("increment the wrong-PIN counter", rc);
}

/* The counter, the mark and the lock time; all 0 when nothing is recorded. */
static int
pin_state(struct ks_tpm_conn *c, uint64_t *ctr, uint64_t *mark, int64_t *until)
{
	uint8_t buf[MARK_LEN];
	int rc;

	*ctr = *mark = 0;
	*until = 0;
	if ((rc = nv_read(c, KS_TPM_NV_PIN_COUNTER, buf, 8)) < 0)
		return rc;
	if (rc == 0)
		*ctr = get_be64(buf);
	if ((rc = nv_read(c, KS_TPM_NV_PIN_MARK, buf, MARK_LEN)) < 0)
		return rc;
	if (rc == 0) {
		*mark = get_be64(buf);
		*until = (int64_t)get_be64(buf + 8);
	}
	return *mark > *ctr || *until < 0 ? TC_E_TPM_ROLLBACK : 0;
}

int
ks_tpm_pin_failures_get(struct tc_keystore *ks, struct tc_pin_failures *out)
{
	struct ks_tpm_conn c;
	uint64_t ctr, mark;
	int64_t until;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = ks_tpm_connect(ks, &c)) != 0)
		return rc;
	rc = pin_state(&c, &ctr, &mark, &until);
	ks_tpm_disconnect(&c);
	if (rc == TC_E_TPM_ROLLBACK)
		return TC_E_INVAL_INPUT;	/* damaged: the caller treats login as locked */
	if (rc != 0)
		return rc;
	out->count = ctr - mark > UINT32_MAX ? UINT32_MAX : (uint32_t)(ctr - mark);
	out->locked_until = until;
	return 0;
}

/*
 * A reset ({0, 0}) moves the mark up to the counter; anything else
 * raises the counter to next->count above the mark.  Lowering the count
 * other than to 0 is refused: the counter only rises.
 */
int
ks_tpm_pin_failures_set(struct tc_keystore *ks, const struct tc_pin_failures *next)
{
	struct ks_tpm_conn c;
	uint8_t buf[MARK_LEN];
	uint64_t ctr, mark;
	int64_t until;
	int rc;

	if ((rc = ks_tpm_connect(ks, &c)) != 0)
		return rc;
	rc = pin_state(&c, &ctr, &mark, &until);
	if (rc == TC_E_TPM_ROLLBACK)
		rc = 0, mark = ctr;	/* a damaged mark: count from now, as a reset would */
	if (rc != 0)
		goto out;
	if (next->count == 0) {
		mark = ctr;
	} else if (next->count < ctr - mark) {
		rc = -EINVAL;
		goto out;
	}
	while (rc == 0 && next->count > ctr - mark) {
		rc = counter_increment(&c);
		ctr++;
	}
	if (rc != 0)
		goto out;
	put_be64(buf, mark);
	put_be64(buf + 8, (uint64_t)next->locked_until);
	rc = nv_write(&c, KS_TPM_NV_PIN_MARK, buf, MARK_LEN);
out:
	ks_tpm_disconnect(&c);
	return rc;
}

static TPM2_HANDLE
floor_handle(enum tc_floor which)
{
	return which == TC_FLOOR_FIRMWARE ? KS_TPM_NV_FW_FLOOR : KS_TPM_NV_FLOOR;
}

int
ks_tpm_floor_get(struct tc_keystore *ks, enum tc_floor which, uint64_t *version)
{
	struct ks_tpm_conn c;
	uint8_t buf[8];
	int rc;

	*version = 0;
	if ((rc = ks_tpm_connect(ks, &c)) != 0)
		return rc;
	rc = nv_read(&c, floor_handle(which), buf, 8);
	ks_tpm_disconnect(&c);
	if (rc == 0)
		*version = get_be64(buf);
	return rc < 0 ? rc : 0;
}

int
ks_tpm_floor_raise(struct tc_keystore *ks, enum tc_floor which, uint64_t version)
{
	struct ks_tpm_conn c;
	uint8_t buf[8];
	int rc;

	if ((rc = ks_tpm_connect(ks, &c)) != 0)
		return rc;
	rc = nv_read(&c, floor_handle(which), buf, 8);
	if (rc == 1 || (rc == 0 && get_be64(buf) < version)) {
		put_be64(buf, version);
		rc = nv_write(&c, floor_handle(which), buf, 8);
	}
	ks_tpm_disconnect(&c);
	return rc;
}

int
ks_tpm_nv_undefine(struct ks_tpm_conn *c, TPM2_HANDLE handle)
{
	ESYS_TR nv = ESYS_TR_NONE;
	TSS2_RC rc;
	int ret = ks_tpm_exists(c, handle);

	if (ret <= 0)
		return ret;
	rc = Esys_TR_FromTPMPublic(c->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_NV_UndefineSpace(c->esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD,
					   ESYS_TR_NONE, ESYS_TR_NONE);
	if (rc != TSS2_RC_SUCCESS) {
		if (nv != ESYS_TR_NONE)
			(void)Esys_TR_Close(c->esys, &nv);
		return ks_tpm_fail("undefine an NV index", rc);
	}
	return 0;
}
