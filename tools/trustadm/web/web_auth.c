/*
 * web_auth.c - who may use the reviewer's desk.  The one-time token
 * trustadm prints at start (as Jupyter does) is exchanged once for a
 * session cookie (HttpOnly, SameSite=Strict); every request must carry
 * that cookie and a Host header naming the address we listen on (a DNS
 * rebinding page has another Host); every POST must come from our own
 * origin (Origin and Sec-Fetch-Site, when the browser sends them) and
 * carry the CSRF token of our forms.
 */
#include <string.h>

#include <mbedtls/constant_time.h>

#include "tc_io.h"
#include "tc_random.h"
#include "tc_secmem.h"
#include "web.h"

static int
fresh(char out[WEB_SECRET_HEX + 1])
{
	uint8_t r[WEB_SECRET_HEX / 2];
	int rc = tc_random_bytes(r, sizeof(r));

	if (rc == 0)
		tc_hex_encode(r, sizeof(r), out);
	tc_zeroize(r, sizeof(r));
	return rc;
}

int
web_secrets(struct web *w)
{
	int rc;

	w->session[0] = 0;
	if ((rc = fresh(w->token)) != 0 || (rc = fresh(w->csrf)) != 0)
		return rc;
	return 0;
}

/* The secrets' length is public (WEB_SECRET_HEX): only their bytes are compared in constant time. */
bool
web_secret_eq(const char *a, const char *b)
{
	size_t la = strlen(a);

	return la > 0 && la == strlen(b) && mbedtls_ct_memcmp(a, b, la) == 0;
}

bool
web_host_ok(const struct web *w, struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	unsigned i;

	for (i = 0; h && i < w->n_hosts; i++)
		if (strcmp(h, w->hosts[i]) == 0)
			return true;
	return false;
}

bool
web_session_ok(const struct web *w, struct MHD_Connection *c)
{
	const char *v = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, WEB_COOKIE);

	return v && w->session[0] && web_secret_eq(v, w->session);
}

bool
web_post_ok(const struct web *w, struct MHD_Connection *c, const struct web_form *f)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);

	if (site && strcmp(site, "same-origin") != 0)
		return false;
	if (origin && (!host || strncmp(origin, "http://", 7) != 0 || strcmp(origin + 7, host) != 0))
		return false;
	return web_secret_eq(f->csrf, w->csrf);
}
