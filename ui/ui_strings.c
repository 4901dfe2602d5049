/*
 * ui_strings.c - the string table.  A translation replaces this file.
 */
#include <stdarg.h>
#include <stdio.h>

#include "ui_strings.h"

#define UI_STR_TEXT(id, text) [UI_S_##id] = text,
static const char *const table[UI_S_MAX] = { UI_STRINGS(UI_STR_TEXT) };

const char *
ui_str(enum ui_str s)
{
	return (unsigned)s < UI_S_MAX && table[s] ? table[s] : "";
}

static int
clamp(int n, size_t size)
{
	if (n < 0 || size == 0)
		return 0;
	return (size_t)n >= size ? (int)size - 1 : n;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
int
ui_fmt(char *buf, size_t size, enum ui_str s, ...)
{
	va_list ap;
	int n;

	va_start(ap, s);
	n = vsnprintf(buf, size, ui_str(s), ap);
	va_end(ap);
	return clamp(n, size);
}
#pragma GCC diagnostic pop

int
ui_put(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return clamp(n, size);
}
