/*
 * test_keystore_identity.c - drivers/keystore, the identity key: made
 * once (a second generate is refused), kept 0600, its public key is a
 * P-256 SubjectPublicKeyInfo, its signatures verify, its CSR names the
 * device id derived from that key and is signed by it, the mbedtls
 * context for TLS signs with the same key, a damaged key is refused
 * and never replaced, erase removes exactly what it is asked to.  Each
 * case runs on both backends (ks_backend.h: the file backend, then the
 * TPM backend on a fresh swtpm per case); the file's mode becomes, on
 * the TPM, "no file at all", and a damaged file a foreign object at the
 * identity key's handle.  File only: injected write/fsync/rename faults
 * during generate (on the TPM: test_keystore_tpm's test_nv_full).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_csr.h>

#include "ks_backend.h"
#include "tc_fault.h"
#include "tc_keystore.h"
#include "tc_mbedtls_compat.h"
#include "tc_policy.h"
#include "tc_random.h"
#include "tc_seal.h"

/* Where the TPM backend keeps the identity key (drivers/keystore/README.md). */
#define TPM_IDENTITY 0x81544303u

static void
key_path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", ks_dir, name);
}

static void
sha256(const void *buf, size_t len, uint8_t out[32])
{
	assert_int_equal(mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), buf, len, out), 0);
}

/* Parse SPKI DER and check it is an EC key on P-256. */
static void
parse_pub(const uint8_t *der, size_t len, mbedtls_pk_context *pk)
{
	mbedtls_pk_init(pk);
	assert_int_equal(mbedtls_pk_parse_public_key(pk, der, len), 0);
	assert_int_equal(mbedtls_pk_get_type(pk), MBEDTLS_PK_ECKEY);
	assert_int_equal(tc_ec_grp(mbedtls_pk_ec(*pk))->id, MBEDTLS_ECP_DP_SECP256R1);
}

static void
test_no_key_yet(void **state)
{
	struct tc_keystore *ks;
	uint8_t buf[TC_IDENTITY_SPKI_MAX], hash[32] = { 0 }, sig[TC_IDENTITY_SIG_MAX];
	char pem[TC_IDENTITY_CSR_MAX];
	mbedtls_pk_context pk;
	size_t n;

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_identity_pubkey(ks, buf, sizeof(buf), &n), -ENOENT);
	assert_int_equal(tc_keystore_identity_sign(ks, hash, sig, sizeof(sig), &n), -ENOENT);
	assert_int_equal(tc_keystore_identity_csr(ks, pem, sizeof(pem), &n, NULL), -ENOENT);
	mbedtls_pk_init(&pk);
	assert_int_equal(tc_keystore_identity_pk(ks, &pk), -ENOENT);
	assert_int_equal(mbedtls_pk_get_type(&pk), MBEDTLS_PK_NONE);
	mbedtls_pk_free(&pk);
	tc_keystore_close(ks);
}

/* Made once, and out of other users' reach (a 0600 file in a 0700 directory; on a TPM, no file). */
static void
test_generate_once_private(void **state)
{
	struct tc_keystore *ks;
	uint8_t a[TC_IDENTITY_SPKI_MAX], b[TC_IDENTITY_SPKI_MAX];
	size_t na, nb;
	char p[700];
	struct stat st;
	mbedtls_pk_context pk;

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_identity_generate(ks), 0);
	assert_int_equal(tc_keystore_identity_pubkey(ks, a, sizeof(a), &na), 0);
	/* A second generate is refused and the key is unchanged. */
	assert_int_equal(tc_keystore_identity_generate(ks), TC_E_EXISTS);
	tc_keystore_close(ks);
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_identity_pubkey(ks, b, sizeof(b), &nb), 0);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na);
	assert_int_equal(na, 91);	/* P-256 SPKI, uncompressed point */
	parse_pub(a, na, &pk);
	mbedtls_pk_free(&pk);
	if (ks_backend_is_tpm()) {
		assert_int_equal(ks_dir_entries(), 0);
	} else {
		key_path(p, sizeof(p), "identity.key");
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
		assert_int_equal(stat(ks_dir, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0700);
	}
	/* Too small a buffer is an error, not a truncation. */
	assert_int_equal(tc_keystore_identity_pubkey(ks, b, 90, &nb), -ENOBUFS);
	tc_keystore_close(ks);
}

static void
test_sign_verifies(void **state)
{
	struct tc_keystore *ks;
	uint8_t spki[TC_IDENTITY_SPKI_MAX], hash[32], sig[TC_IDENTITY_SIG_MAX];
	size_t n, slen;
	mbedtls_pk_context pk;

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_identity_generate(ks), 0);
	assert_int_equal(tc_keystore_identity_pubkey(ks, spki, sizeof(spki), &n), 0);
	parse_pub(spki, n, &pk);
	sha256("receipt request", 15, hash);
	assert_int_equal(tc_keystore_identity_sign(ks, hash, sig, sizeof(sig), &slen), 0);
	assert_true(slen > 8 && slen <= 72);
	assert_int_equal(mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, hash, 32, sig, slen), 0);
	/* The signature is over this hash and no other. */
	hash[0] ^= 1;
	assert_int_not_equal(mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, hash, 32, sig, slen), 0);
	assert_int_equal(tc_keystore_identity_sign(ks, hash, sig, 8, &slen), -ENOBUFS);
	mbedtls_pk_free(&pk);
	tc_keystore_close(ks);
}

/* The CSR: subject CN=<device id>,O=trustcam, the identity key, signed by it. */
static void
test_csr(void **state)
{
	struct tc_keystore *ks;
	uint8_t spki[TC_IDENTITY_SPKI_MAX], cspki[TC_IDENTITY_SPKI_MAX], hash[32];
	char pem[TC_IDENTITY_CSR_MAX], id[TC_POLICY_ID_MAX], want[TC_POLICY_ID_MAX];
	char cn[TC_POLICY_ID_MAX] = "", org[TC_POLICY_ID_MAX] = "";
	const mbedtls_x509_name *nm;
	mbedtls_x509_csr csr;
	mbedtls_pk_context pub;
	size_t n, plen;
	int cn_count = 0, m;

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_identity_generate(ks), 0);
	assert_int_equal(tc_keystore_identity_pubkey(ks, spki, sizeof(spki), &n), 0);
	assert_int_equal(tc_device_id(spki, n, want), 0);
	assert_int_equal(tc_keystore_identity_csr(ks, pem, sizeof(pem), &plen, id), 0);
	assert_string_equal(id, want);
	assert_int_equal(strlen(pem), plen);
	assert_non_null(strstr(pem, "-----BEGIN CERTIFICATE REQUEST-----"));

	mbedtls_x509_csr_init(&csr);
	assert_int_equal(mbedtls_x509_csr_parse(&csr, (const unsigned char *)pem, plen + 1), 0);
	for (nm = &csr.subject; nm; nm = nm->next) {
		char *dst = NULL;

		if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &nm->oid) == 0) {
			dst = cn;
			cn_count++;
		} else if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_ORGANIZATION, &nm->oid) == 0) {
			dst = org;
		}
		assert_non_null(dst);	/* no other attribute in the subject */
		assert_true(nm->val.len < TC_POLICY_ID_MAX);
		memcpy(dst, nm->val.p, nm->val.len);
		dst[nm->val.len] = '\0';
	}
	assert_int_equal(cn_count, 1);
	assert_string_equal(cn, want);
	assert_string_equal(org, "trustcam");
	/* The CSR carries the identity key ... */
	m = mbedtls_pk_write_pubkey_der(&csr.pk, cspki, sizeof(cspki));
	assert_int_equal(m, (int)n);
	assert_memory_equal(cspki + sizeof(cspki) - m, spki, n);
	/* ... and is signed by it, with SHA-256. */
	assert_int_equal(csr.MBEDTLS_PRIVATE(sig_md), MBEDTLS_MD_SHA256);
	sha256(csr.cri.p, csr.cri.len, hash);
	parse_pub(spki, n, &pub);
	assert_int_equal(mbedtls_pk_verify(&pub, MBEDTLS_MD_SHA256, hash, 32,
					   csr.MBEDTLS_PRIVATE(sig).p, csr.MBEDTLS_PRIVATE(sig).len), 0);
	mbedtls_pk_free(&pub);
	mbedtls_x509_csr_free(&csr);
	/* A buffer too small for the PEM is an error. */
	assert_int_equal(tc_keystore_identity_csr(ks, pem, 64, &plen, NULL), -ENOBUFS);
	tc_keystore_close(ks);
}

/* The TLS context signs with the same key the keystore reports. */
static void
test_pk_for_tls(void **state)
{
	struct tc_keystore *ks;
	uint8_t spki[TC_IDENTITY_SPKI_MAX], hash[32], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t n, slen;
	mbedtls_pk_context pk, pub;

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_identity_generate(ks), 0);
	assert_int_equal(tc_keystore_identity_pubkey(ks, spki, sizeof(spki), &n), 0);
	mbedtls_pk_init(&pk);
	assert_int_equal(tc_keystore_identity_pk(ks, &pk), 0);
	assert_true(mbedtls_pk_can_do(&pk, MBEDTLS_PK_ECDSA));
	parse_pub(spki, n, &pub);
	assert_int_equal(tc_pk_check_pair(&pub, &pk), 0);
	sha256("tls", 3, hash);
	assert_int_equal(tc_pk_sign(&pk, MBEDTLS_MD_SHA256, hash, 32, sig, sizeof(sig), &slen), 0);
	assert_int_equal(mbedtls_pk_verify(&pub, MBEDTLS_MD_SHA256, hash, 32, sig, slen), 0);
	mbedtls_pk_free(&pub);
	mbedtls_pk_free(&pk);
	tc_keystore_close(ks);
}

/*
 * ECDH with the identity key (how the device opens what the Trust sealed
 * to it) agrees with the Trust's side: an ephemeral key with the point.
 */
static void
test_ecdh(void **state)
{
	struct tc_keystore *ks;
	uint8_t pub[TC_P256_PUB_LEN], eph_priv[TC_P256_PRIV_LEN], eph_pub[TC_P256_PUB_LEN];
	uint8_t x1[32], x2[32], bad[TC_P256_PUB_LEN] = { 0x04 };

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_identity_ecdh(ks, bad, x1), -ENOENT);
	assert_int_equal(tc_keystore_identity_generate(ks), 0);
	assert_int_equal(tc_keystore_identity_point(ks, pub), 0);
	assert_int_equal(pub[0], 0x04);
	assert_int_equal(tc_p256_keygen(eph_priv, eph_pub), 0);
	assert_int_equal(tc_keystore_identity_ecdh(ks, eph_pub, x1), 0);
	assert_int_equal(tc_p256_ecdh(eph_priv, pub, x2), 0);
	assert_memory_equal(x1, x2, sizeof(x1));
	assert_int_equal(tc_keystore_identity_ecdh(ks, bad, x1), TC_E_INVAL_INPUT);
	tc_keystore_close(ks);
}

static void
write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/*
 * Put len bytes where the backend keeps the identity key, in place of
 * the key: the file, or on the TPM an object sealed at its handle by
 * something else.  *ks is reopened (the TPM backend unseals at open).
 */
static void
plant_identity(struct tc_keystore **ks, const void *buf, size_t len)
{
	char p[700];

	if (ks_backend_is_tpm()) {
		assert_int_equal(tc_keystore_erase(*ks, TC_KEY_IDENTITY), 0);
		tc_keystore_close(*ks);
		assert_int_equal(swtpm_plant_sealed(&ks_tpm, TPM_IDENTITY, buf, len), 0);
		assert_int_equal(tc_keystore_open(ks, ks_dir), 0);
		return;
	}
	key_path(p, sizeof(p), "identity.key");
	write_file(p, buf, len, 0600);
}

/* File backend only: a key file others can read, an empty one, a symlink. */
static void
damaged_files(struct tc_keystore *ks)
{
	uint8_t spki[TC_IDENTITY_SPKI_MAX];
	char p[700];
	size_t n;

	key_path(p, sizeof(p), "identity.key");
	assert_int_equal(chmod(p, 0640), 0);
	assert_int_equal(tc_keystore_identity_pubkey(ks, spki, sizeof(spki), &n), TC_E_INVAL_INPUT);
	write_file(p, "", 0, 0600);
	assert_int_equal(tc_keystore_identity_pubkey(ks, spki, sizeof(spki), &n), TC_E_INVAL_INPUT);
	/* A symlink is never followed. */
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("/etc/hostname", p), 0);
	assert_int_equal(tc_keystore_identity_pubkey(ks, spki, sizeof(spki), &n), -ELOOP);
	assert_int_equal(tc_keystore_identity_generate(ks), TC_E_EXISTS);
}

/* A damaged identity key is refused, never used, and never replaced by a fresh one. */
static void
test_damaged_key_refused(void **state)
{
	struct tc_keystore *ks;
	uint8_t spki[TC_IDENTITY_SPKI_MAX];
	mbedtls_pk_context other;
	unsigned char der[512];
	size_t n;
	int m;

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_identity_generate(ks), 0);
	/* Garbage. */
	plant_identity(&ks, "not a key", 9);
	assert_int_equal(tc_keystore_identity_pubkey(ks, spki, sizeof(spki), &n), TC_E_INVAL_INPUT);
	/* A valid key on another curve (brainpoolP256r1: small enough for a TPM to seal). */
	mbedtls_pk_init(&other);
	assert_int_equal(mbedtls_pk_setup(&other, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
	assert_int_equal(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_BP256R1, mbedtls_pk_ec(other),
					     tc_random_rng, NULL), 0);
	m = mbedtls_pk_write_key_der(&other, der, sizeof(der));
	mbedtls_pk_free(&other);
	assert_true(m > 0 && m <= 128);
	plant_identity(&ks, der + sizeof(der) - m, (size_t)m);
	assert_int_equal(tc_keystore_identity_pubkey(ks, spki, sizeof(spki), &n), TC_E_INVAL_INPUT);
	/* And generate still refuses to replace whatever is there. */
	assert_int_equal(tc_keystore_identity_generate(ks), TC_E_EXISTS);
	if (!ks_backend_is_tpm())
		damaged_files(ks);
	tc_keystore_close(ks);
}

static void
test_generate_faults_leave_nothing(void **state)
{
	struct tc_keystore *ks;
	uint8_t spki[TC_IDENTITY_SPKI_MAX];
	char p[700];
	struct stat st;
	size_t n;
	enum tc_fault_site sites[] = { TC_FAULT_WRITE, TC_FAULT_FSYNC, TC_FAULT_RENAME };

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	for (size_t s = 0; s < 3; s++) {
		tc_fault_arm(sites[s], 1, EIO, false);
		assert_int_equal(tc_keystore_identity_generate(ks), -EIO);
		tc_fault_disarm_all();
		key_path(p, sizeof(p), "identity.key");
		assert_int_equal(stat(p, &st), -1);
		key_path(p, sizeof(p), ".identity.key.tmp");
		assert_int_equal(stat(p, &st), -1);
		assert_int_equal(tc_keystore_identity_pubkey(ks, spki, sizeof(spki), &n), -ENOENT);
	}
	assert_int_equal(tc_keystore_identity_generate(ks), 0);
	tc_keystore_close(ks);
}

/* erase takes exactly what it is given; wipe takes everything; a new key is a new id. */
static void
test_erase_and_wipe(void **state)
{
	struct tc_keystore *ks;
	uint8_t audit[TC_SECRET_LEN], again[TC_SECRET_LEN], s[TC_SECRET_LEN];
	uint8_t a[TC_IDENTITY_SPKI_MAX], b[TC_IDENTITY_SPKI_MAX];
	char ida[TC_POLICY_ID_MAX], idb[TC_POLICY_ID_MAX], p[700];
	size_t na, nb;
	struct stat st;

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, audit), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 1, s), 0);
	assert_int_equal(tc_keystore_identity_generate(ks), 0);
	assert_int_equal(tc_keystore_identity_pubkey(ks, a, sizeof(a), &na), 0);
	assert_int_equal(tc_device_id(a, na, ida), 0);
	assert_int_equal(tc_keystore_erase(ks, 1u << 20), -EINVAL);
	/* What photod's wipe does: everything but the audit key. */
	assert_int_equal(tc_keystore_erase(ks, TC_KEY_ALL & ~TC_KEY_BIT(TC_SECRET_AUDIT)), 0);
	assert_int_equal(tc_keystore_identity_pubkey(ks, b, sizeof(b), &nb), -ENOENT);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 0, s), -ENOENT);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 0, again), 0);
	assert_memory_equal(audit, again, sizeof(audit));
	key_path(p, sizeof(p), "identity.key");
	assert_int_equal(stat(p, &st), -1);
	/* Gone where the backend keeps them, not only from this process. */
	tc_keystore_close(ks);
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_identity_pubkey(ks, b, sizeof(b), &nb), -ENOENT);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 0, s), -ENOENT);
	/* A new identity is a new device id. */
	assert_int_equal(tc_keystore_identity_generate(ks), 0);
	assert_int_equal(tc_keystore_identity_pubkey(ks, b, sizeof(b), &nb), 0);
	assert_int_equal(tc_device_id(b, nb, idb), 0);
	assert_string_not_equal(ida, idb);
	/* wipe: nothing survives, the identity included. */
	assert_int_equal(tc_keystore_wipe(ks), 0);
	assert_int_equal(tc_keystore_identity_pubkey(ks, b, sizeof(b), &nb), -ENOENT);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 0, again), -ENOENT);
	assert_int_equal(stat(p, &st), -1);
	tc_keystore_close(ks);
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_identity_pubkey(ks, b, sizeof(b), &nb), -ENOENT);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 0, again), -ENOENT);
	tc_keystore_close(ks);
}

int
main(void)
{
	const struct CMUnitTest both[] = {
		KS_TEST(test_no_key_yet),
		KS_TEST(test_generate_once_private),
		KS_TEST(test_sign_verifies),
		KS_TEST(test_csr),
		KS_TEST(test_pk_for_tls),
		KS_TEST(test_ecdh),
		KS_TEST(test_damaged_key_refused),
		KS_TEST(test_erase_and_wipe),
	};
	const struct CMUnitTest file_only[] = {
		KS_TEST(test_generate_faults_leave_nothing),
	};

	return ks_backend_run("keystore_identity", both, KS_N(both), file_only, KS_N(file_only),
			      NULL, 0);
}
