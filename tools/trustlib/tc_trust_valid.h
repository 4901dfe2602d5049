/*
 * tc_trust_valid.h - what the Trust side accepts as ids, names, dates and
 * platform names, checked once here so trustadm and trust-server agree.
 *
 * Every value that reaches the registry or a policy bundle passes one of
 * these first.  They are predicates: true when the whole string is valid.
 * They never print the value (pupil refs are ids too, and must not reach
 * a log).
 */
#ifndef TC_TRUST_VALID_H
#define TC_TRUST_VALID_H

#include <stdbool.h>
#include <stddef.h>

#define TC_TRUST_ID_MAX 63		/* bytes, without the NUL */
#define TC_TRUST_NAME_MAX 127
#define TC_TRUST_PLATFORM_MAX 32

/* Staff, event, device and pupil ids: 1..63 bytes of printable ASCII, no space. */
bool tc_trust_valid_id(const char *s);
/* Display names and labels: 1..127 bytes of UTF-8, no control characters. */
bool tc_trust_valid_name(const char *s);
/* A real calendar date "YYYY-MM-DD", years 2000..2999 (leap years counted). */
bool tc_trust_valid_date(const char *s);
/* A social media platform name: [a-z0-9-]{1,32}. */
bool tc_trust_valid_platform(const char *s);
/* A device id as tc_device_id() makes it: "D-" and 16 lower-case hex digits. */
bool tc_trust_valid_device_id(const char *s);
/* A DNS host name (RFC 1123 labels, 1..253 bytes, letters, digits, '-', '.'). */
bool tc_trust_valid_hostname(const char *s);
/* The server URL in a policy: "https://" then 1..247 printable ASCII bytes, no space. */
bool tc_trust_valid_url(const char *s);

/*
 * A staff PIN the Trust will issue: 6..12 ASCII digits that are not
 * easy to guess.  NULL when acceptable, else why not, a sentence that
 * never quotes the PIN: too short/long or not digits, one digit repeated
 * (111111), a run up or down (123456, 654321), a date (DDMMYY), or a year
 * 1900-2099 anywhere inside (a birth year).
 */
#define TC_TRUST_PIN_MIN 6
#define TC_TRUST_PIN_MAX 12
const char *tc_trust_pin_weak(const char *pin);

#endif /* TC_TRUST_VALID_H */
