/*
 * ks_tpm.h - shared by the TPM backend's files (ks_tpm.c, ks_tpm_nv.c).
 * Private to drivers/keystore; no TSS type leaves these files.
 */
#ifndef KS_TPM_H
#define KS_TPM_H

#include <tss2/tss2_esys.h>

#include "keystore_int.h"

/*
 * What the backend makes in the TPM, at fixed handles in the owner
 * ranges ("TC" = 0x5443): one persistent sealed object per secret and
 * one for the identity key's DER, and three NV indices.
 */
#define KS_TPM_PERSIST_BASE 0x81544300u	/* + secret id; + 3: the identity key */
#define KS_TPM_PERSIST_IDENTITY (KS_TPM_PERSIST_BASE + TC_SECRET_COUNT)
#define KS_TPM_NV_PIN_COUNTER 0x01544300u	/* NV counter: every wrong PIN ever */
#define KS_TPM_NV_PIN_MARK 0x01544301u	/* counter at the last right PIN, lock time */
#define KS_TPM_NV_FLOOR 0x01544302u	/* the policy version floor */
#define KS_TPM_NV_FW_FLOOR 0x01544303u	/* the firmware release floor (issue 17) */

/* One connection to the TPM, for one operation. */
struct ks_tpm_conn {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
};

int ks_tpm_connect(struct tc_keystore *ks, struct ks_tpm_conn *c) TC_MUST_CHECK;
void ks_tpm_disconnect(struct ks_tpm_conn *c);
/* Log what failed with the TSS's words and return TC_E_TPM. */
int ks_tpm_fail(const char *what, TSS2_RC rc);
/* 1 if handle exists in the TPM, 0 if not, or TC_E_TPM. */
int ks_tpm_exists(struct ks_tpm_conn *c, TPM2_HANDLE handle) TC_MUST_CHECK;

/* ks_tpm_pcr.c: the optional PCR binding (an empty selection: none). */
/* "0,2,4,7" -> a SHA-256 selection; "" -> none.  0 or -EINVAL. */
int ks_tpm_pcrs_parse(const char *list, TPML_PCR_SELECTION *out) TC_MUST_CHECK;
/* The configured list (CONFIG_KEYSTORE_TPM_PCRS; tests: TC_KEYSTORE_PCRS). */
int ks_tpm_pcrs_config(TPML_PCR_SELECTION *out) TC_MUST_CHECK;
/* The authPolicy a sealed object gets (size 0 for none).  0 or TC_E_TPM. */
int ks_tpm_pcr_policy(struct ks_tpm_conn *c, const TPML_PCR_SELECTION *pcrs,
		      TPM2B_DIGEST *digest) TC_MUST_CHECK;
/* The session that authorises an unseal (ESYS_TR_PASSWORD for none; the caller flushes another). */
int ks_tpm_pcr_session(struct ks_tpm_conn *c, const TPML_PCR_SELECTION *pcrs, ESYS_TR *s)
	TC_MUST_CHECK;

/* ks_tpm_nv.c */
int ks_tpm_pin_failures_get(struct tc_keystore *ks, struct tc_pin_failures *out);
int ks_tpm_pin_failures_set(struct tc_keystore *ks, const struct tc_pin_failures *next);
int ks_tpm_floor_get(struct tc_keystore *ks, enum tc_floor which, uint64_t *version);
int ks_tpm_floor_raise(struct tc_keystore *ks, enum tc_floor which, uint64_t version);
/* Undefine the NV index at handle if it exists (wipe). */
int ks_tpm_nv_undefine(struct ks_tpm_conn *c, TPM2_HANDLE handle) TC_MUST_CHECK;

#endif /* KS_TPM_H */
