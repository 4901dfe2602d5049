/*
 * test_sync_tls.c - firmware/sync's TLS profile: the suite list holds
 * only ECDHE-ECDSA with an AEAD (ChaCha20-Poly1305 first, then AES-GCM)
 * or TLS 1.3's AEAD suites, every one known to this mbedtls, no
 * duplicates; and the profile applies to a config without complaint.
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
	"TLS1-3-CHACHA20-POLY1305-SHA256",
	"TLS1-3-AES-128-GCM-SHA256",
	"TLS1-3-AES-256-GCM-SHA384",
};

static const char *
suite_name(int id)
{
	const mbedtls_ssl_ciphersuite_t *cs = mbedtls_ssl_ciphersuite_from_id(id);

	if (!cs)
		return NULL;
#if TC_MBEDTLS_3
	return mbedtls_ssl_ciphersuite_get_name(cs);
#else
	return cs->name;
#endif
}

static void
test_suites(void **state)
{
	const int *s = tc_tls_ciphersuites();
	int i, j, n_tls12 = 0;

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
		if (strncmp(name, "TLS-", 4) == 0)
			n_tls12++;
		for (j = 0; j < i; j++)
			assert_int_not_equal(s[i], s[j]);
	}
	assert_int_equal(n_tls12, 3);
	/* ChaCha20 is the first TLS 1.2 choice: the cameras have no AES instructions */
	for (i = 0; s[i] && strncmp(suite_name(s[i]), "TLS-", 4) != 0; i++)
		;
	assert_string_equal(suite_name(s[i]), allowed[0]);
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
