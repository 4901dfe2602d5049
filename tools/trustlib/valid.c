/*
 * valid.c - input validation for the Trust side (see tc_trust_valid.h).
 *
 * Tuned for being obviously right rather than fast: every check walks
 * the string once, byte by byte, with the limits spelled out.
 */
#include <string.h>

#include "tc_trust_valid.h"

bool
tc_trust_valid_id(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if ((unsigned char)s[n] < 0x21 || (unsigned char)s[n] > 0x7e || n >= TC_TRUST_ID_MAX)
			return false;
	return n > 0;
}

/* Length of the UTF-8 sequence at p (1..4), or 0 if it is not well formed. */
static size_t
utf8_len(const unsigned char *p)
{
	unsigned c = p[0];
	size_t n, i;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF, and C1 controls. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

bool
tc_trust_valid_name(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, n;

	if (len == 0 || len > TC_TRUST_NAME_MAX)
		return false;
	while (i < len) {
		/* Control characters would let a label rewrite a terminal listing. */
		if (p[i] < 0x20 || p[i] == 0x7f)
			return false;
		n = utf8_len(p + i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

static int
digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

bool
tc_trust_valid_date(const char *s)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, max;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 2000 || y > 2999 || m < 1 || m > 12 || d < 1)
		return false;
	max = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	return d <= max;
}

bool
tc_trust_valid_platform(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++) {
		char c = s[n];

		if (n >= TC_TRUST_PLATFORM_MAX ||
		    !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return n > 0;
}

bool
tc_trust_valid_device_id(const char *s)
{
	size_t i;

	if (strlen(s) != 18 || s[0] != 'D' || s[1] != '-')
		return false;
	for (i = 2; i < 18; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool
tc_trust_valid_hostname(const char *s)
{
	size_t len = strlen(s), i, label = 0;

	if (len == 0 || len > 253)
		return false;
	for (i = 0; i <= len; i++) {
		char c = s[i];

		if (c == '.' || c == '\0') {
			/* 1..63 bytes, not starting or ending with '-'. */
			if (label == 0 || label > 63 || s[i - 1] == '-' || s[i - label] == '-')
				return false;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '-') {
			label++;
		} else {
			return false;
		}
	}
	return true;
}

bool
tc_trust_valid_url(const char *s)
{
	static const char scheme[] = "https://";
	size_t n;

	if (strncmp(s, scheme, sizeof(scheme) - 1) != 0)
		return false;
	for (n = sizeof(scheme) - 1; s[n]; n++)
		if ((unsigned char)s[n] < 0x21 || (unsigned char)s[n] > 0x7e || n >= 255)
			return false;
	return n > sizeof(scheme) - 1;
}

/* Whether the 6 digits at d read as a date DDMMYY (any year). */
static bool
ddmmyy(const char *d)
{
	static const int days[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int dd = (d[0] - '0') * 10 + (d[1] - '0'), mm = (d[2] - '0') * 10 + (d[3] - '0');

	return mm >= 1 && mm <= 12 && dd >= 1 && dd <= days[mm - 1];
}

const char *
tc_trust_pin_weak(const char *pin)
{
	size_t i, n;
	bool same = true, up = true, down = true;

	n = strnlen(pin, TC_TRUST_PIN_MAX + 1);
	for (i = 0; i < n; i++)
		if (pin[i] < '0' || pin[i] > '9')
			return "a PIN is 6 to 12 digits";
	if (n < TC_TRUST_PIN_MIN || n > TC_TRUST_PIN_MAX)
		return "a PIN is 6 to 12 digits";
	for (i = 1; i < n; i++) {
		same = same && pin[i] == pin[0];
		up = up && pin[i] == pin[i - 1] + 1;
		down = down && pin[i] == pin[i - 1] - 1;
	}
	if (same)
		return "refused: the PIN is one digit repeated";
	if (up || down)
		return "refused: the PIN is a run of consecutive digits";
	if (n == 6 && ddmmyy(pin))
		return "refused: the PIN reads as a date (DDMMYY)";
	for (i = 0; i + 4 <= n; i++)
		if ((pin[i] == '1' && pin[i + 1] == '9') || (pin[i] == '2' && pin[i + 1] == '0'))
			return "refused: the PIN contains a year (19xx or 20xx)";
	return NULL;
}
