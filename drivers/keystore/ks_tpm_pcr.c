/*
 * ks_tpm_pcr.c - the TPM backend's optional PCR binding: a sealed object
 * made with a PCR list (CONFIG_KEYSTORE_TPM_PCRS, SHA-256 bank) carries
 * the policy "these PCRs hold the values they held at sealing"
 * (TPM2_PolicyPCR, digest from a trial session) and no password use, so
 * it unseals only through a policy session that checks them: a board
 * that booted other code, or a TPM taken to other firmware, cannot
 * unseal.  An empty list seals with an empty authorisation instead.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf.h"
#include "ks_tpm.h"
#include "tc_io.h"
#include "tc_log.h"

#ifndef CONFIG_KEYSTORE_TPM_PCRS
#define CONFIG_KEYSTORE_TPM_PCRS ""
#endif

int
ks_tpm_pcrs_parse(const char *list, TPML_PCR_SELECTION *out)
{
	char num[8];
	const char *p = list, *comma;
	uint64_t n;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (!*list)
		return 0;
	out->count = 1;
	out->pcrSelections[0].hash = TPM2_ALG_SHA256;
	out->pcrSelections[0].sizeofSelect = 3;
	for (;;) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0 || len >= sizeof(num))
			return -EINVAL;
		memcpy(num, p, len);
		num[len] = '\0';
		if (tc_parse_u64(num, 0, 23, &n) != 0)
			return -EINVAL;
		out->pcrSelections[0].pcrSelect[n / 8] |= (uint8_t)(1u << (n % 8));
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

int
ks_tpm_pcrs_config(TPML_PCR_SELECTION *out)
{
	const char *list = CONFIG_KEYSTORE_TPM_PCRS;
	int rc;

#ifdef CONFIG_FAULT_INJECTION
	/* Tests choose the PCRs per process; a production build has no such switch. */
	if (getenv("TC_KEYSTORE_PCRS"))
		list = getenv("TC_KEYSTORE_PCRS");
#endif
	if ((rc = ks_tpm_pcrs_parse(list, out)) != 0)
		tc_err("keystore: bad PCR list \"%s\" (want e.g. 0,2,4,7)", list);
	return rc;
}

/* A session of type with PolicyPCR over pcrs run in it.  0 or TC_E_TPM. */
static int
pcr_session(struct ks_tpm_conn *c, TPM2_SE type, const TPML_PCR_SELECTION *pcrs, ESYS_TR *s)
{
	const TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	const TPM2B_DIGEST any = { .size = 0 };	/* the PCRs' values now */
	TSS2_RC rc;

	rc = Esys_StartAuthSession(c->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, NULL, type, &sym, TPM2_ALG_SHA256, s);
	if (rc != TSS2_RC_SUCCESS)
		return ks_tpm_fail("start a policy session", rc);
	rc = Esys_PolicyPCR(c->esys, *s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &any, pcrs);
	if (rc != TSS2_RC_SUCCESS) {
		(void)Esys_FlushContext(c->esys, *s);
		*s = ESYS_TR_NONE;
		return ks_tpm_fail("bind to the PCRs", rc);
	}
	return 0;
}

int
ks_tpm_pcr_policy(struct ks_tpm_conn *c, const TPML_PCR_SELECTION *pcrs, TPM2B_DIGEST *digest)
{
	TPM2B_DIGEST *d = NULL;
	ESYS_TR s = ESYS_TR_NONE;
	TSS2_RC rc;
	int ret;

	memset(digest, 0, sizeof(*digest));
	if (pcrs->count == 0)
		return 0;
	if ((ret = pcr_session(c, TPM2_SE_TRIAL, pcrs, &s)) != 0)
		return ret;
	rc = Esys_PolicyGetDigest(c->esys, s, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &d);
	if (rc == TSS2_RC_SUCCESS)
		*digest = *d;
	Esys_Free(d);
	(void)Esys_FlushContext(c->esys, s);
	return rc == TSS2_RC_SUCCESS ? 0 : ks_tpm_fail("read the PCR policy", rc);
}

int
ks_tpm_pcr_session(struct ks_tpm_conn *c, const TPML_PCR_SELECTION *pcrs, ESYS_TR *s)
{
	*s = ESYS_TR_PASSWORD;
	if (pcrs->count == 0)
		return 0;
	return pcr_session(c, TPM2_SE_POLICY, pcrs, s);
}
