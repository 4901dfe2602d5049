/*
 * photod_usb.c - the lockdown's USB refusals in the audit log (rule R3).
 *
 * The udev rule (board/common) de-authorises a USB mass-storage or
 * still-image interface the moment it appears; that alone keeps it out.
 * It also starts trustcam-usb-refused@IFACE.service, which runs
 * `camctl usb-refused IFACE` as root once photod is up (so a stick
 * plugged in before boot is recorded too): camctl reads what the device
 * says about itself from sysfs and sends it here, and photod appends a
 * "usb.refuse" entry to the hash-chained log that syncs to the Trust.
 *
 * Only root may send this (a user cannot forge refusals into the log).
 * The description is the device's own words, so each field is recorded
 * only if it has the expected form and is written "invalid" otherwise;
 * the refusal itself is recorded whatever the fields hold.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "photod.h"
#include "tc_log.h"

/* A kernel USB interface name: BUS-PORT[.PORT...]:CONFIG.INTERFACE ("1-1.2:1.0"). */
static bool
iface_ok(const char *s)
{
	const char *p = s;
	int ports = 0;

	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p++ != '-')
		return false;
	for (;;) {
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
		ports++;
		if (*p != '.')
			break;
		p++;
	}
	if (*p++ != ':' || ports > 7 || !isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p++ != '.' || !isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	return *p == '\0';
}

/* Four lower-case hex digits (idVendor, idProduct). */
static bool
usb_id_ok(const char *s)
{
	size_t i;

	for (i = 0; i < 4; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return s[4] == '\0';
}

/* A product string worth keeping: letters, digits and plain punctuation only. */
static bool
product_ok(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(" ._,-+/()", *s))
			return false;
	return true;
}

static const char *
class_name(uint32_t c)
{
	return c == 0x08 ? "mass-storage" : c == 0x06 ? "still-image" : "invalid-class";
}

#define FIELD(m, f, ok) (tc_ipc_str_ok((m)->f, sizeof((m)->f)) && ok((m)->f) ? (m)->f : "invalid")

void
photod_usb_refused(struct photod *d, struct photod_client *c, const struct tc_msg_usb_refused *m)
{
	char detail[TC_AUDIT_DETAIL_MAX], text[TC_IPC_TEXT_MAX];
	const char *product;
	int rc;

	if (c->uid != 0) {
		snprintf(detail, sizeof(detail), "uid %u may not record a USB refusal", (unsigned)c->uid);
		photod_audit(d, c->actor, "refuse.admin", NULL, -EPERM, detail);
		photod_error(c->fd, -EPERM, "", "only root (the lockdown's udev rule) may do this");
		return;
	}
	product = tc_ipc_str_ok(m->product, sizeof(m->product)) && product_ok(m->product) ?
		  m->product : "invalid";
	snprintf(detail, sizeof(detail), "USB %s interface %s refused (R3): device %s:%s \"%s\"",
		 class_name(m->iface_class), FIELD(m, iface, iface_ok), FIELD(m, vendor, usb_id_ok),
		 FIELD(m, product_id, usb_id_ok), product);
	rc = tc_audit_append(d->audit, "lockdown", "usb.refuse", "", -EPERM, detail);
	if (rc != 0) {
		tc_err("audit append failed: %s", tc_strerror(rc));
		photod_error(c->fd, rc, "R3", "the refusal could not be written to the audit log");
		return;
	}
	snprintf(text, sizeof(text), "USB refusal recorded in the audit log (entry %llu)",
		 (unsigned long long)tc_audit_head_seq(d->audit));
	photod_ok(c->fd, 0, text);
}
