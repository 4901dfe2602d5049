/*
 * test_sync_tls.c - firmware/sync's TLS profile: the suite list holds
 * only TLS 1.2 ECDHE-ECDSA with an AEAD (ChaCha20-Poly1305 first, then
 * AES-GCM), every one known to this mbedtls, no duplicates (with 2.28 and
 * 3.6 alike: no TLS 1.3 suite); and the profile applies to a config
 * without complaint.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>

#include "tc_mbedtls_compat.h"
#include "tc_tls.h"

static const char *const allowed[] = {
	"TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256",
	"TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256",
	"TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384",
};

/* mbedtls_ssl_get_ciphersuite_name is in 2.28 and 3.6 alike. */
static const char *
suite_name(int id)
{
	const char *name = mbedtls_ssl_get_ciphersuite_name(id);

	return strcmp(name, "unknown") == 0 ? NULL : name;
}

static void
test_suites(void **state)
{
	const int *s = tc_tls_ciphersuites();
	int i, j;

	(void)state;
	assert_non_null(s);
	for (i = 0; s[i]; i++) {
		const char *name = suite_name(s[i]);
		size_t k, ok = 0;

		assert_non_null(name);	/* known to this mbedtls */
		for (k = 0; k < sizeof(allowed) / sizeof(allowed[0]); k++)
			ok |= strcmp(name, allowed[k]) == 0;
		if (!ok)
			fail_msg("suite %s is outside the profile", name);
		for (j = 0; j < i; j++)
			assert_int_not_equal(s[i], s[j]);
	}
	assert_int_equal(i, 3);
	/* ChaCha20 is the first choice: the cameras have no AES instructions */
	assert_string_equal(suite_name(s[0]), allowed[0]);
}

static void
test_profile_applies(void **state)
{
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;

	(void)state;
	assert_int_equal(tc_mbedtls_tls_init(), 0);
	mbedtls_ssl_config_init(&conf);
	mbedtls_ssl_init(&ssl);
	assert_int_equal(mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_SERVER,
						     MBEDTLS_SSL_TRANSPORT_STREAM,
						     MBEDTLS_SSL_PRESET_DEFAULT), 0);
	tc_tls_conf_profile(&conf);
	assert_int_equal(mbedtls_ssl_setup(&ssl, &conf), 0);
	mbedtls_ssl_free(&ssl);
	mbedtls_ssl_config_free(&conf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suites),
		cmocka_unit_test(test_profile_applies),
	};
	return cmocka_run_group_tests_name("sync_tls", tests, NULL, NULL);
}
