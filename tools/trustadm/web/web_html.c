/*
 * web_html.c - the one buffer every page is written into, with HTML
 * escaping: user-controlled text (refs, labels, messages) only ever
 * reaches a page through wb_esc.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

static void
put(struct web_buf *b, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		if (!(p = realloc(b->p, cap))) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

void
wb_raw(struct web_buf *b, const char *s)
{
	put(b, s, strlen(s));
}

void
wb_esc(struct web_buf *b, const char *s)
{
	const char *rep;

	for (; *s; s++) {
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: rep = NULL; break;
		}
		if (rep)
			wb_raw(b, rep);
		else
			put(b, s, 1);
	}
}

void
wb_fmt(struct web_buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		b->oom = true;	/* a fixed format never needs more: treat as a bug */
	else
		put(b, tmp, (size_t)n);
}

void
wb_free(struct web_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}
