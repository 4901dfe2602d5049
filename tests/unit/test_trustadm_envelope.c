/*
 * test_trustadm_envelope.c - private keys under a passphrase
 * (tools/trustlib/envelope.c, keyfile.c): the envelope round-trips;
 * any changed byte, a wrong passphrase or a file moved to another name
 * fails to open; a malformed or greedy header is refused before any
 * key derivation; key files are 0600 and refused when others may read
 * them; a sealed key without a passphrase says so.
 */
#define _GNU_SOURCE	/* memmem */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "tc_io.h"
#include "tc_secmem.h"
#include "tc_trust_key.h"

/* Cheap cost for tests; the default's ~120 ms is exercised once, by keyfile. */
static const struct tc_kdf_params cheap = { 64, 1, 1 };
static const char key_text[] = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI...test...\n"
			       "-----END EC PRIVATE KEY-----\n";
static const char pass[] = "correct horse battery staple";

static void
seal(uint8_t **env, size_t *len)
{
	assert_int_equal(tc_envelope_seal((const uint8_t *)key_text, sizeof(key_text) - 1, pass,
					  strlen(pass), "ca.key", &cheap, env, len), 0);
}

static void
test_round_trip(void **state)
{
	uint8_t *env, *plain;
	size_t len, plen;

	(void)state;
	seal(&env, &len);
	assert_int_equal(len, TC_ENVELOPE_HDR_LEN + sizeof(key_text) - 1 + TC_ENVELOPE_TAG_LEN);
	assert_true(tc_envelope_is(env, len));
	assert_memory_equal(env, TC_ENVELOPE_MAGIC, 8);
	/* The key text is nowhere in the envelope. */
	assert_null(memmem(env, len, "PRIVATE KEY", 11));
	assert_int_equal(tc_envelope_open(env, len, pass, strlen(pass), "ca.key", &plain, &plen), 0);
	assert_int_equal(plen, sizeof(key_text) - 1);
	assert_memory_equal(plain, key_text, plen);
	assert_int_equal(plain[plen], 0);
	tc_secure_free(plain);
	tc_free(env);
}

static void
test_two_seals_differ(void **state)
{
	uint8_t *a, *b;
	size_t la, lb;

	(void)state;
	seal(&a, &la);
	seal(&b, &lb);
	assert_int_equal(la, lb);
	/* Fresh salt and nonce each time. */
	assert_memory_not_equal(a + 24, b + 24, 28);
	tc_free(a);
	tc_free(b);
}

static void
test_wrong_passphrase_or_label(void **state)
{
	uint8_t *env, *plain = (uint8_t *)1;
	size_t len, plen;

	(void)state;
	seal(&env, &len);
	assert_int_equal(tc_envelope_open(env, len, "correct horse battery stapl", 27, "ca.key",
					  &plain, &plen), TC_E_PASSPHRASE);
	assert_null(plain);
	assert_int_equal(tc_envelope_open(env, len, pass, strlen(pass), "photo.key", &plain, &plen),
			 TC_E_PASSPHRASE);
	assert_int_equal(tc_envelope_open(env, len, "", 0, "ca.key", &plain, &plen),
			 TC_E_PASSPHRASE);
	tc_free(env);
}

/* Every byte is covered: header bytes by the tag (AAD), body by the tag. */
static void
test_tamper_every_byte(void **state)
{
	uint8_t *env, *plain;
	size_t len, plen, i;
	int rc;

	(void)state;
	seal(&env, &len);
	for (i = 0; i < len; i++) {
		env[i] ^= 0x04;
		rc = tc_envelope_open(env, len, pass, strlen(pass), "ca.key", &plain, &plen);
		if (rc != TC_E_PASSPHRASE && rc != TC_E_KEYFILE)
			fail_msg("byte %zu changed: expected a refusal, got %d", i, rc);
		assert_null(plain);
		env[i] ^= 0x04;
	}
	/* Truncated, extended. */
	assert_int_equal(tc_envelope_open(env, len - 1, pass, strlen(pass), "ca.key", &plain,
					  &plen), TC_E_KEYFILE);
	assert_int_equal(tc_envelope_open(env, 20, pass, strlen(pass), "ca.key", &plain, &plen),
			 TC_E_KEYFILE);
	tc_free(env);
}

/* A crafted header cannot ask for a huge Argon2 cost: refused before deriving. */
static void
test_greedy_header_refused(void **state)
{
	uint8_t *env, *plain;
	size_t len, plen;

	(void)state;
	seal(&env, &len);
	tc_put_be32(env + 12, 0x7fffffff);	/* m_kib: 2 TiB */
	assert_int_equal(tc_envelope_open(env, len, pass, strlen(pass), "ca.key", &plain, &plen),
			 TC_E_KEYFILE);
	tc_put_be32(env + 12, cheap.m_kib);
	tc_put_be32(env + 16, 1000);		/* passes */
	assert_int_equal(tc_envelope_open(env, len, pass, strlen(pass), "ca.key", &plain, &plen),
			 TC_E_KEYFILE);
	tc_put_be32(env + 16, cheap.t_cost);
	tc_put_be32(env + 52, 5);		/* length disagrees with the file */
	assert_int_equal(tc_envelope_open(env, len, pass, strlen(pass), "ca.key", &plain, &plen),
			 TC_E_KEYFILE);
	tc_free(env);
	/* Sealing refuses bad input too. */
	assert_int_equal(tc_envelope_seal((const uint8_t *)"x", 1, pass, 0, "ca.key", &cheap, &env,
					  &len), -EINVAL);
	assert_int_equal(tc_envelope_seal((const uint8_t *)"x", 0, pass, 4, "ca.key", &cheap, &env,
					  &len), -EINVAL);
}

static int
fresh_dir(char *out, size_t cap)
{
	const char *base = getenv("TC_TEST_TMP");

	snprintf(out, cap, "%s/envXXXXXX", base ? base : "/tmp");
	if (!mkdtemp(out))
		return -1;
	return open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static void
test_key_files(void **state)
{
	char dir[512], path[600];
	uint8_t *key, *raw;
	size_t len, rlen;
	struct stat st;
	int dfd;

	(void)state;
	dfd = fresh_dir(dir, sizeof(dir));
	assert_true(dfd >= 0);
	/* Sealed at the default cost. */
	assert_int_equal(tc_trust_key_store(dfd, "ca.key", (const uint8_t *)key_text,
					    sizeof(key_text) - 1, pass, strlen(pass)), 0);
	snprintf(path, sizeof(path), "%s/ca.key", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(tc_trust_key_sealed(dfd, "ca.key"), 1);
	assert_int_equal(tc_trust_file_read(dfd, "ca.key", TC_KEYFILE_MAX, &raw, &rlen), 0);
	assert_null(memmem(raw, rlen, "PRIVATE KEY", 11));
	assert_int_equal(tc_get_be32(raw + 12), tc_envelope_kdf_default.m_kib);
	tc_free(raw);
	assert_int_equal(tc_trust_key_load(dfd, "ca.key", NULL, 0, &key, &len),
			 TC_E_NEED_PASSPHRASE);
	assert_int_equal(tc_trust_key_load(dfd, "ca.key", "nope", 4, &key, &len), TC_E_PASSPHRASE);
	assert_int_equal(tc_trust_key_load(dfd, "ca.key", pass, strlen(pass), &key, &len), 0);
	assert_int_equal(len, sizeof(key_text) - 1);
	assert_memory_equal(key, key_text, len);
	tc_secure_free(key);
	/* Renamed, it no longer opens: the name is bound in. */
	assert_int_equal(renameat(dfd, "ca.key", dfd, "server.key"), 0);
	assert_int_equal(tc_trust_key_load(dfd, "server.key", pass, strlen(pass), &key, &len),
			 TC_E_PASSPHRASE);

	/* Plain. */
	assert_int_equal(tc_trust_key_store(dfd, "photo.key", (const uint8_t *)"00ff\n", 5, NULL,
					    0), 0);
	assert_int_equal(tc_trust_key_sealed(dfd, "photo.key"), 0);
	assert_int_equal(tc_trust_key_load(dfd, "photo.key", NULL, 0, &key, &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(key, "00ff\n", 5);
	tc_secure_free(key);
	/* Readable by the group: refused, not used. */
	snprintf(path, sizeof(path), "%s/photo.key", dir);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(tc_trust_key_load(dfd, "photo.key", NULL, 0, &key, &len),
			 TC_E_UNSAFE_PATH);
	/* A symlink is refused. */
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(symlinkat("photo.key", dfd, "link.key"), 0);
	assert_int_equal(tc_trust_key_load(dfd, "link.key", NULL, 0, &key, &len),
			 TC_E_UNSAFE_PATH);
	/* Public files keep the mode asked for and replace atomically. */
	assert_int_equal(tc_trust_file_write(dfd, "ca.crt", "one", 3, 0644), 0);
	assert_int_equal(tc_trust_file_write(dfd, "ca.crt", "two!", 4, 0644), 0);
	snprintf(path, sizeof(path), "%s/ca.crt", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(tc_trust_file_read(dfd, "ca.crt", 16, &raw, &rlen), 0);
	assert_int_equal(rlen, 4);
	assert_string_equal((char *)raw, "two!");
	tc_free(raw);
	assert_int_equal(tc_trust_file_read(dfd, "ca.crt", 3, &raw, &rlen), -EFBIG);
	assert_int_equal(faccessat(dfd, ".tmp-ca.crt", F_OK, 0), -1);
	close(dfd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_two_seals_differ),
		cmocka_unit_test(test_wrong_passphrase_or_label),
		cmocka_unit_test(test_tamper_every_byte),
		cmocka_unit_test(test_greedy_header_refused),
		cmocka_unit_test(test_key_files),
	};

	return cmocka_run_group_tests_name("trustadm_envelope", tests, NULL, NULL);
}
