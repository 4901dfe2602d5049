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

/* ks_tpm_nv.c */
int ks_tpm_pin_failures_get(struct tc_keystore *ks, struct tc_pin_failures *out);
int ks_tpm_pin_failures_set(struct tc_keystore *ks, const struct tc_pin_failures *next);
int ks_tpm_floor_get(struct tc_keystore *ks, uint64_t *version);
int ks_tpm_floor_raise(struct tc_keystore *ks, uint64_t version);
/* Undefine the NV index at handle if it exists (wipe). */
int ks_tpm_nv_undefine(struct ks_tpm_conn *c, TPM2_HANDLE handle) TC_MUST_CHECK;

#endif /* KS_TPM_H */
