/*
 * test_keystore_tpm.c - drivers/keystore, TPM backend, each test on a
 * fresh swtpm: secrets are made once and come back unchanged in a new
 * process; nothing of them is on disk, so the same disk with another TPM
 * has no key at all; the wrong-PIN count and the policy floor live in
 * the TPM (deleting every file does not reset them, the floor never
 * goes down); erase evicts exactly what it is asked to; a TPM that is
 * absent, goes away or has its NV full is a clear error, never a weaker
 * key; keys bound
 * to PCRs do not unseal once a PCR changes; a TPM in dictionary-attack
 * lockout still serves every key (they are NODA).  These are what only a TPM
 * gives, so they run on the TPM backend alone (ks_backend.h's tpm_only;
 * the file backend's counterparts are its documented weaknesses: a copy
 * of its directory is the keys, and root can delete its counter).  The
 * secrets and identity tests run on both backends:
 * test_keystore_secrets, test_keystore_identity.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ks_backend.h"
#include "tc_keystore.h"

/* Remove every file in the keystore directory: what root can do to a file-backed counter. */
static void
delete_all_files(void)
{
	char p[900];
	struct dirent *e;
	DIR *d = opendir(ks_dir);

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' || (e->d_name[1] && strcmp(e->d_name, "..") != 0)) {
			snprintf(p, sizeof(p), "%s/%s", ks_dir, e->d_name);
			assert_int_equal(unlink(p), 0);
		}
	closedir(d);
}

static void
test_secrets_sealed(void **state)
{
	struct tc_keystore *ks;
	uint8_t a[TC_SECRET_LEN], a2[TC_SECRET_LEN], s[TC_SECRET_LEN], p[TC_SECRET_LEN];

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_string_equal(tc_keystore_backend(ks), "tpm");
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 0, a), -ENOENT);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, a), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 1, s), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_PIN, 1, p), 0);
	assert_memory_not_equal(a, s, sizeof(a));
	assert_int_equal(tc_keystore_identity_generate(ks), 0);
	tc_keystore_close(ks);
	/* A new process unseals the same secrets. */
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, a2), 0);
	assert_memory_equal(a, a2, sizeof(a));
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 0, a2), 0);
	assert_memory_equal(s, a2, sizeof(s));
	assert_int_equal(tc_keystore_identity_generate(ks), TC_E_EXISTS);
	tc_keystore_close(ks);
	assert_int_equal(ks_dir_entries(), 0);	/* no key of any kind on disk */
}

/* The device's disk with another TPM: nothing unseals, and new keys are not the old ones. */
static void
test_other_tpm_has_nothing(void **state)
{
	struct tc_keystore *ks;
	struct swtpm other;
	uint8_t a[TC_SECRET_LEN], b[TC_SECRET_LEN], spki[TC_IDENTITY_SPKI_MAX];
	uint8_t m1[TC_PIN_MAC_LEN], m2[TC_PIN_MAC_LEN];
	size_t n;

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 1, a), 0);
	assert_int_equal(tc_keystore_pin_mac(ks, (const uint8_t *)"pin", 3, m1), 0);
	assert_int_equal(tc_keystore_identity_generate(ks), 0);
	tc_keystore_close(ks);

	assert_int_equal(swtpm_start_env(&other, "swtpm-other"), 0);
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 0, b), -ENOENT);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 0, b), -ENOENT);
	assert_int_equal(tc_keystore_identity_pubkey(ks, spki, sizeof(spki), &n), -ENOENT);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 1, b), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	/* A PIN verifier from the first device is useless here. */
	assert_int_equal(tc_keystore_pin_mac(ks, (const uint8_t *)"pin", 3, m2), 0);
	assert_memory_not_equal(m1, m2, sizeof(m1));
	tc_keystore_close(ks);
	swtpm_stop(&other);
}

/* Root deleting every file, or restoring old ones, does not lower the count. */
static void
test_pin_failures_in_nv(void **state)
{
	struct tc_keystore *ks;
	struct tc_pin_failures f;
	uint32_t n = 0;

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_pin_failures_get(ks, &f), 0);
	assert_int_equal(f.count, 0);
	assert_int_equal(tc_keystore_pin_failures_add(ks, 0, &n), 0);
	assert_int_equal(tc_keystore_pin_failures_add(ks, 0, &n), 0);
	assert_int_equal(tc_keystore_pin_failures_add(ks, 1700000030, &n), 0);
	assert_int_equal(n, 3);
	tc_keystore_close(ks);
	delete_all_files();
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_pin_failures_get(ks, &f), 0);
	assert_int_equal(f.count, 3);
	assert_int_equal(f.locked_until, 1700000030);
	/* A right PIN resets it; the next wrong one counts from there. */
	assert_int_equal(tc_keystore_pin_failures_reset(ks), 0);
	assert_int_equal(tc_keystore_pin_failures_get(ks, &f), 0);
	assert_int_equal(f.count, 0);
	assert_int_equal(f.locked_until, 0);
	assert_int_equal(tc_keystore_pin_failures_add(ks, 7, &n), 0);
	assert_int_equal(n, 1);
	/* Wipe undefines the counter. */
	assert_int_equal(tc_keystore_erase(ks, TC_KEY_PIN_FAILURES), 0);
	assert_int_equal(tc_keystore_pin_failures_get(ks, &f), 0);
	assert_int_equal(f.count, 0);
	tc_keystore_close(ks);
}

/* The policy version floor only rises and outlives the process and the files. */
static void
test_policy_floor(void **state)
{
	struct tc_keystore *ks;
	uint64_t v = 1;

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_floor_get(ks, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(tc_keystore_floor_raise(ks, 5), 0);
	assert_int_equal(tc_keystore_floor_raise(ks, 3), 0);
	assert_int_equal(tc_keystore_floor_get(ks, &v), 0);
	assert_int_equal(v, 5);
	tc_keystore_close(ks);
	delete_all_files();
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_floor_get(ks, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(tc_keystore_erase(ks, TC_KEY_POLICY_FLOOR), 0);
	assert_int_equal(tc_keystore_floor_get(ks, &v), 0);
	assert_int_equal(v, 0);
	tc_keystore_close(ks);
}

/* The firmware floor: its own NV index, only rising, apart from the policy's, kept by a wipe. */
static void
test_firmware_floor(void **state)
{
	struct tc_keystore *ks;
	uint64_t v = 1;

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_firmware_floor_get(ks, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(tc_keystore_firmware_floor_raise(ks, 7), 0);
	assert_int_equal(tc_keystore_firmware_floor_raise(ks, 4), 0);
	assert_int_equal(tc_keystore_floor_get(ks, &v), 0);
	assert_int_equal(v, 0);
	tc_keystore_close(ks);
	delete_all_files();
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_firmware_floor_get(ks, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(tc_keystore_wipe(ks), 0);
	assert_int_equal(tc_keystore_firmware_floor_get(ks, &v), 0);
	assert_int_equal(v, 7);
	tc_keystore_close(ks);
}

/* erase evicts exactly what it is given (photod's wipe keeps the audit key); wipe takes all. */
static void
test_erase_and_wipe(void **state)
{
	struct tc_keystore *ks;
	uint8_t audit[TC_SECRET_LEN], again[TC_SECRET_LEN], spki[TC_IDENTITY_SPKI_MAX];
	uint64_t v;
	size_t n;

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, audit), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 1, again), 0);
	assert_int_equal(tc_keystore_identity_generate(ks), 0);
	assert_int_equal(tc_keystore_floor_raise(ks, 9), 0);
	assert_int_equal(tc_keystore_erase(ks, TC_KEY_ALL & ~TC_KEY_BIT(TC_SECRET_AUDIT)), 0);
	tc_keystore_close(ks);
	/* Gone from the TPM, not only from this process. */
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_identity_pubkey(ks, spki, sizeof(spki), &n), -ENOENT);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 0, again), -ENOENT);
	assert_int_equal(tc_keystore_floor_get(ks, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 0, again), 0);
	assert_memory_equal(audit, again, sizeof(audit));
	assert_int_equal(tc_keystore_wipe(ks), 0);
	tc_keystore_close(ks);
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 0, again), -ENOENT);
	tc_keystore_close(ks);
}

/* No TPM: opening fails with TC_E_TPM; a TPM that goes away fails every call that needs it. */
static void
test_tpm_absent_or_gone(void **state)
{
	struct tc_keystore *ks;
	struct tc_pin_failures f;
	uint8_t s[TC_SECRET_LEN], zero[TC_SECRET_LEN] = { 0 };
	uint32_t n;

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, s), 0);
	swtpm_stop(&ks_tpm);
	/* Already unsealed: still served from locked memory. */
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 0, s), 0);
	/* A new key cannot be made, and none is handed out. */
	memset(s, 0xa5, sizeof(s));
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 1, s), TC_E_TPM);
	assert_memory_equal(s, zero, sizeof(s));
	assert_int_equal(tc_keystore_identity_generate(ks), TC_E_TPM);
	assert_int_equal(tc_keystore_pin_failures_get(ks, &f), TC_E_TPM);
	assert_int_equal(tc_keystore_pin_failures_add(ks, 0, &n), TC_E_TPM);
	tc_keystore_close(ks);
	assert_int_equal(tc_keystore_open(&ks, ks_dir), TC_E_TPM);
	assert_null(ks);
	setenv("TC_KEYSTORE_TCTI", "device:/nonexistent/tpmrm0", 1);
	assert_int_equal(tc_keystore_open(&ks, ks_dir), TC_E_TPM);
}

/*
 * A TPM whose NV is full (every index and persistent slot taken, with
 * tpm2-tools): nothing new can be recorded or sealed, and each call says
 * so (TC_E_TPM) rather than carry on with less; what is sealed still works.
 */
static void
test_nv_full(void **state)
{
	struct tc_keystore *ks;
	uint8_t a[TC_SECRET_LEN], s[TC_SECRET_LEN], zero[TC_SECRET_LEN] = { 0 };
	struct tc_pin_failures f;
	char cmd[2400];
	uint32_t n;

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, a), 0);
	snprintf(cmd, sizeof(cmd),
		 "T='%s'; i=0; "
		 "for s in 2048 256 32 1; do "
		 "while tpm2_nvdefine -T \"$T\" -C o -s $s -a 'ownerread|ownerwrite' "
		 "$((0x1000000 + i)) >/dev/null 2>&1; do i=$((i + 1)); [ $i -lt 1000 ] || exit 1; done; "
		 "done; "
		 "tpm2_createprimary -T \"$T\" -C o -c '%s/p.ctx' >/dev/null 2>&1 || exit 1; j=0; "
		 /* tpm2-tools on a TPM without a resource manager leave their transients loaded */
		 "while tpm2_evictcontrol -T \"$T\" -C o -c '%s/p.ctx' $((0x81000000 + j)) "
		 ">/dev/null 2>&1 && tpm2_flushcontext -T \"$T\" -t; do "
		 "j=$((j + 1)); [ $j -lt 1000 ] || exit 1; done; "
		 "tpm2_flushcontext -T \"$T\" -t; [ $i -gt 0 ] && [ $j -gt 0 ]",
		 ks_tpm.tcti, ks_tpm.dir, ks_tpm.dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(tc_keystore_pin_failures_add(ks, 0, &n), TC_E_TPM);
	assert_int_equal(tc_keystore_floor_raise(ks, 2), TC_E_TPM);
	memset(s, 0xa5, sizeof(s));
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 1, s), TC_E_TPM);
	assert_memory_equal(s, zero, sizeof(s));
	assert_int_equal(tc_keystore_identity_generate(ks), TC_E_TPM);
	tc_keystore_close(ks);
	/* What was sealed before still unseals; nothing half-made is left. */
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 0, s), 0);
	assert_memory_equal(a, s, sizeof(a));
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 0, s), -ENOENT);
	/*
	 * The counter rises before the mark is written, so a failed add may
	 * still have counted its failure (this swtpm finds room for the
	 * counter, not the mark): never less, never more than the one.
	 */
	assert_int_equal(tc_keystore_pin_failures_get(ks, &f), 0);
	assert_true(f.count <= 1);
	tc_keystore_close(ks);
}

/*
 * Bound to PCRs (here 16, the debug PCR): unseals while they hold their
 * values, not after an extend (another boot), and never by password.
 */
static void
test_pcr_binding(void **state)
{
	struct tc_keystore *ks;
	uint8_t a[TC_SECRET_LEN], b[TC_SECRET_LEN];
	char cmd[400];

	(void)state;
	setenv("TC_KEYSTORE_PCRS", "24", 1);
	assert_int_equal(tc_keystore_open(&ks, ks_dir), -EINVAL);
	setenv("TC_KEYSTORE_PCRS", "7,16", 1);
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 1, a), 0);
	tc_keystore_close(ks);
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 0, b), 0);
	assert_memory_equal(a, b, sizeof(a));
	tc_keystore_close(ks);
	/* Without the policy (no PCR list): a bound object does not unseal by password. */
	setenv("TC_KEYSTORE_PCRS", "", 1);
	assert_int_equal(tc_keystore_open(&ks, ks_dir), TC_E_TPM_UNSEAL);
	/* PCR 16 extended, as another boot chain would measure: refused. */
	setenv("TC_KEYSTORE_PCRS", "7,16", 1);
	snprintf(cmd, sizeof(cmd), "tpm2_pcrextend -T '%s' 16:sha256=%064d", ks_tpm.tcti, 1);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(tc_keystore_open(&ks, ks_dir), TC_E_TPM_UNSEAL);
	unsetenv("TC_KEYSTORE_PCRS");
}

/*
 * Dictionary-attack lockout: another program guesses a wrong password
 * for a DA-protected object until the TPM locks out (maxTries set to 1,
 * with tpm2-tools; the right password is then refused too).  The
 * keystore's objects and NV indices are NODA, so the device keeps every
 * key and its counters: a local user cannot lock the camera out of its
 * keys by failing TPM authorisations.
 */
static void
test_da_lockout_spares_keys(void **state)
{
	struct tc_keystore *ks;
	uint8_t a[TC_SECRET_LEN], b[TC_SECRET_LEN];
	uint32_t n = 0;
	char cmd[3000];

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, a), 0);
	assert_int_equal(tc_keystore_pin_failures_add(ks, 0, &n), 0);
	tc_keystore_close(ks);
	snprintf(cmd, sizeof(cmd),
		 "T='%s'; D='%s'; F() { tpm2_flushcontext -T \"$T\" -t; }; "
		 "{ tpm2_dictionarylockout -T \"$T\" -s -n 1 -t 600 -l 600 && "
		 "printf da > \"$D/da.in\" && tpm2_createprimary -T \"$T\" -C o -c \"$D/da.ctx\" && F && "
		 "tpm2_create -T \"$T\" -C \"$D/da.ctx\" -p right -i \"$D/da.in\" -u \"$D/da.pub\" "
		 "-r \"$D/da.priv\" && F && tpm2_load -T \"$T\" -C \"$D/da.ctx\" -u \"$D/da.pub\" "
		 "-r \"$D/da.priv\" -c \"$D/obj.ctx\" && F || exit 2; "
		 "! tpm2_unseal -T \"$T\" -c \"$D/obj.ctx\" -p wrong || exit 3; F; "
		 "! tpm2_unseal -T \"$T\" -c \"$D/obj.ctx\" -p right || exit 4; F; "
		 "tpm2_getcap -T \"$T\" properties-variable | grep -Eq 'inLockout: +1'; } >/dev/null 2>&1",
		 ks_tpm.tcti, ks_tpm.dir);
	assert_int_equal(system(cmd), 0);	/* the TPM is in lockout */
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 0, b), 0);
	assert_memory_equal(a, b, sizeof(a));
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 1, b), 0);
	assert_int_equal(tc_keystore_identity_generate(ks), 0);
	assert_int_equal(tc_keystore_pin_failures_add(ks, 0, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(tc_keystore_floor_raise(ks, 3), 0);
	tc_keystore_close(ks);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		KS_TEST(test_secrets_sealed),
		KS_TEST(test_other_tpm_has_nothing),
		KS_TEST(test_pin_failures_in_nv),
		KS_TEST(test_firmware_floor),
		KS_TEST(test_policy_floor),
		KS_TEST(test_erase_and_wipe),
		KS_TEST(test_tpm_absent_or_gone),
		KS_TEST(test_nv_full),
		KS_TEST(test_pcr_binding),
		KS_TEST(test_da_lockout_spares_keys),
	};

	return ks_backend_run("keystore", NULL, 0, NULL, 0, tests, KS_N(tests));
}
