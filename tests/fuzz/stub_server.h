/*
 * stub_server.h - a trust-server connection without TLS for the HTTP
 * harnesses (stub_server.c): the plaintext stream goes to
 * http_consume as conn.c hands it the bytes of each TLS read.
 */
#ifndef TC_STUB_SERVER_H
#define TC_STUB_SERVER_H

#include "fuzz.h"
#include "server.h"

struct conn *fuzz_conn_new(struct srv *s);
/*
 * data[0] is the read size (1..255; 0: up to the 16 KiB buffer), the rest
 * the client's plaintext: fed until it ends or the server closes.
 */
void fuzz_conn_feed(struct conn *c, const uint8_t *data, size_t size);
void fuzz_conn_free(struct conn *c);

#endif /* TC_STUB_SERVER_H */
