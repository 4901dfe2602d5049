/*
 * tc_tls.h - the one TLS profile of the sync link, shared by both ends
 * (trust-server and syncd) so they cannot drift apart.
 *
 * DESIGN "Sync protocol": TLS 1.2 (also with mbedtls 3.6: no TLS 1.3, see
 * tc_ssl_conf_versions), ECDHE-ECDSA on P-256 with AES-GCM or ChaCha20-Poly1305
 * only, an explicit cipher-suite list, renegotiation off, the peer's
 * certificate required and verified against the pinned Trust CA.
 */
#ifndef TC_TLS_H
#define TC_TLS_H

#include <mbedtls/ssl.h>

#include "tc_err.h"

/*
 * The suites in preference order (0-terminated): ChaCha20-Poly1305 first,
 * because the cameras are ARM cores without AES instructions and the
 * server (mbedtls 2.28) picks by its own order.
 */
const int *tc_tls_ciphersuites(void);

/*
 * Apply the profile to conf (already through mbedtls_ssl_config_defaults):
 * versions, suites, P-256 only, renegotiation disabled, authmode
 * VERIFY_REQUIRED, the RNG.  The caller adds its own certificate, key and
 * CA chain.
 */
void tc_tls_conf_profile(mbedtls_ssl_config *conf);

#endif /* TC_TLS_H */
