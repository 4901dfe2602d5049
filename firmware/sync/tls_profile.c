/*
 * tls_profile.c - the sync link's TLS settings (tc_tls.h), one place for
 * the server and the device.  Version differences between mbedtls 2.28
 * and 3.6 go through tc_mbedtls_compat.h.
 */
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>

#include "tc_mbedtls_compat.h"
#include "tc_random.h"
#include "tc_tls.h"

const int *
tc_tls_ciphersuites(void)
{
	static const int suites[] = {
		/* TLS 1.2 only on both libraries: see tc_ssl_conf_versions. */
		MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		0,
	};
	return suites;
}

void
tc_tls_conf_profile(mbedtls_ssl_config *conf)
{
	tc_ssl_conf_versions(conf);
	mbedtls_ssl_conf_ciphersuites(conf, tc_tls_ciphersuites());
	tc_ssl_conf_p256_only(conf);
	mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_rng(conf, tc_random_rng, NULL);
#if defined(MBEDTLS_SSL_RENEGOTIATION)
	mbedtls_ssl_conf_renegotiation(conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
#endif
	mbedtls_ssl_conf_legacy_renegotiation(conf, MBEDTLS_SSL_LEGACY_NO_RENEGOTIATION);
}
