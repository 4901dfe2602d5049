/*
 * cmd_people.c - `staff add|pin|remove|list` and `event add|list`.
 *
 * A staff member's PIN is read without echo at the terminal (twice) or
 * as one line on stdin (--pin-stdin, for scripts), checked (6 to 12
 * digits, not a repeat, a run, a date or a year: tc_trust_pin_weak),
 * turned into an Argon2id hash by tc_policy_hash_pin and wiped;
 * only the hash is stored, and no command prints it.  Staff ids are
 * never reused: a removed member's row stays so photos stay attributed
 * (rule R10).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tadm.h"
#include "tc_io.h"
#include "tc_secmem.h"
#include "tc_trust_valid.h"

#define STAFF_SYN \
	"staff add ID --name NAME [--pin-stdin] | staff pin ID [--pin-stdin] | staff remove ID | " \
	"staff list"
#define EVENT_SYN "event add ID --name NAME --date YYYY-MM-DD | event list"
#define PIN_MAX TC_TRUST_PIN_MAX

static bool
valid_pin(const char *pin)
{
	return tc_trust_pin_weak(pin) == NULL;
}

/* The PIN into pin (PIN_MAX + 2 bytes); 0 or TADM_FAIL (message printed). */
static int
read_pin(struct tadm *a, const char *id, bool from_stdin, char *pin, size_t cap)
{
	char prompt[TC_POLICY_ID_MAX + 32], again[PIN_MAX + 2];
	int rc;

	if (from_stdin) {
		rc = tadm_read_stdin_line(pin, cap);
	} else {
		snprintf(prompt, sizeof(prompt), "PIN for %s: ", id);
		rc = tadm_read_secret(prompt, pin, cap);
		if (rc == 0 && valid_pin(pin)) {
			rc = tadm_read_secret("Same PIN again: ", again, sizeof(again));
			if (rc == 0 && strcmp(pin, again) != 0) {
				tc_zeroize(again, sizeof(again));
				tadm_err(a, "the PINs do not match");
				return TADM_FAIL;
			}
			tc_zeroize(again, sizeof(again));
		}
	}
	if (rc == -ENOTTY) {
		tadm_err(a, "no terminal to read the PIN from: use --pin-stdin");
		return TADM_FAIL;
	}
	if (rc == -E2BIG) {
		tadm_err(a, "a PIN is %d to %d digits", TC_TRUST_PIN_MIN, PIN_MAX);
		return TADM_FAIL;
	}
	if (rc == 0 && !valid_pin(pin)) {
		tadm_err(a, "%s", tc_trust_pin_weak(pin));
		return TADM_FAIL;
	}
	if (rc != 0) {
		tadm_err(a, "cannot read the PIN: %s", tc_strerror(rc));
		return TADM_FAIL;
	}
	return 0;
}

/* The one operand, a valid staff id, and the registry open; TADM_OK or an exit code. */
static int
staff_id_arg(struct tadm *a, int argc, char **argv, const char **id)
{
	if (optind + 1 != argc)
		return tadm_usage(a, STAFF_SYN);
	*id = argv[optind];
	if (!tc_trust_valid_id(*id)) {
		tadm_err(a, "a staff id is 1-%d printable ASCII characters without spaces",
			 TC_TRUST_ID_MAX);
		return TADM_USAGE;
	}
	return tadm_open(a) != 0 ? TADM_FAIL : TADM_OK;
}

/* Read a new PIN for id and hash it into hash (wiped by the caller); 0 or TADM_FAIL. */
static int
new_pin_hash(struct tadm *a, const char *id, bool from_stdin, char hash[TC_POLICY_PIN_HASH_MAX])
{
	char pin[PIN_MAX + 2];
	int rc;

	if (read_pin(a, id, from_stdin, pin, sizeof(pin)) != 0) {
		tc_zeroize(pin, sizeof(pin));
		return TADM_FAIL;
	}
	rc = tc_policy_hash_pin(pin, hash);
	tc_zeroize(pin, sizeof(pin));
	if (rc != 0) {
		tadm_err(a, "cannot hash the PIN: %s", tc_strerror(rc));
		return TADM_FAIL;
	}
	return 0;
}

static int
staff_add(struct tadm *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "pin-stdin", no_argument, NULL, 's' },
		TADM_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	const char *id, *name = NULL;
	char hash[TC_POLICY_PIN_HASH_MAX];
	struct tc_reg_staff old;
	bool from_stdin = false;
	int c, rc;

	while ((c = tadm_getopt(argc, argv, "n:s" TADM_COMMON_SHORT, opts)) != -1) {
		if (c == 'n')
			name = optarg;
		else if (c == 's')
			from_stdin = true;
		else if ((rc = tadm_common_opt(a, c, STAFF_SYN)) >= 0)
			return rc;
	}
	if (optind + 1 != argc || !name)
		return tadm_usage(a, STAFF_SYN);
	id = argv[optind];
	if (!tc_trust_valid_id(id)) {
		tadm_err(a, "a staff id is 1-%d printable ASCII characters without spaces",
			 TC_TRUST_ID_MAX);
		return TADM_USAGE;
	}
	if (!tc_trust_valid_name(name)) {
		tadm_err(a, "--name must be 1-%d bytes of UTF-8 text without control characters",
			 TC_TRUST_NAME_MAX);
		return TADM_USAGE;
	}
	if (tadm_open(a) != 0)
		return TADM_FAIL;
	/* Say so before asking for a PIN that would be thrown away. */
	if (tc_registry_staff_get(a->reg, id, &old) == 0) {
		tadm_err(a, "staff id %s is %s: staff ids are never reused, so photos stay "
			 "attributed", id, old.active ? "already in use" : "used by a removed member");
		return TADM_FAIL;
	}
	if (new_pin_hash(a, id, from_stdin, hash) != 0)
		return TADM_FAIL;
	if ((rc = tc_registry_begin(a->reg)) == 0 &&
	    (rc = tc_registry_staff_add(a->reg, id, name, hash)) == 0 &&
	    (rc = tc_registry_audit(a->reg, "staff.add", id, "")) == 0)
		rc = tc_registry_commit(a->reg);
	tc_zeroize(hash, sizeof(hash));
	if (rc != 0) {
		tc_registry_rollback(a->reg);
		tadm_err(a, "cannot add staff %s: %s", id, tc_strerror(rc));
		return TADM_FAIL;
	}
	printf("staff %s added: devices accept the PIN from their next policy\n", id);
	return TADM_OK;
}

/*
 * `staff pin ID`: a new PIN for an active member (forgotten, or known to
 * others).  The old one keeps working on a device until its next policy.
 */
static int
staff_pin(struct tadm *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pin-stdin", no_argument, NULL, 's' },
		TADM_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	char hash[TC_POLICY_PIN_HASH_MAX];
	struct tc_reg_staff old;
	bool from_stdin = false;
	const char *id;
	int c, rc;

	while ((c = tadm_getopt(argc, argv, "s" TADM_COMMON_SHORT, opts)) != -1) {
		if (c == 's')
			from_stdin = true;
		else if ((rc = tadm_common_opt(a, c, STAFF_SYN)) >= 0)
			return rc;
	}
	if ((rc = staff_id_arg(a, argc, argv, &id)) != TADM_OK)
		return rc;
	/* Say so before asking for a PIN that would be thrown away. */
	rc = tc_registry_staff_get(a->reg, id, &old);
	if (rc == 0 && !old.active)
		rc = TC_E_STATE;
	if (rc == 0 && new_pin_hash(a, id, from_stdin, hash) != 0) {
		tc_zeroize(hash, sizeof(hash));
		return TADM_FAIL;
	}
	if (rc == 0 && (rc = tc_registry_begin(a->reg)) == 0) {
		if ((rc = tc_registry_staff_set_pin(a->reg, id, hash)) == 0 &&
		    (rc = tc_registry_audit(a->reg, "staff.pin", id, "")) == 0)
			rc = tc_registry_commit(a->reg);
		if (rc != 0)
			tc_registry_rollback(a->reg);
	}
	tc_zeroize(hash, sizeof(hash));
	if (rc == TC_E_NOT_FOUND)
		tadm_err(a, "no staff member %s", id);
	else if (rc == TC_E_STATE)
		tadm_err(a, "staff %s was removed: removed members get no PIN", id);
	else if (rc != 0)
		tadm_err(a, "cannot set the PIN of staff %s: %s", id, tc_strerror(rc));
	if (rc != 0)
		return TADM_FAIL;
	printf("staff %s: new PIN set; devices accept it, and no longer the old one, from "
	       "their next dock\n", id);
	return tadm_policy_reissue(a, "staff PIN changed");
}

static int
staff_remove(struct tadm *a, int argc, char **argv)
{
	static const struct option opts[] = { TADM_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	const char *id;
	int c, rc;

	while ((c = tadm_getopt(argc, argv, TADM_COMMON_SHORT, opts)) != -1)
		if ((rc = tadm_common_opt(a, c, STAFF_SYN)) >= 0)
			return rc;
	if ((rc = staff_id_arg(a, argc, argv, &id)) != TADM_OK)
		return rc;
	if ((rc = tc_registry_begin(a->reg)) == 0 &&
	    (rc = tc_registry_staff_remove(a->reg, id, tadm_now())) == 0 &&
	    (rc = tc_registry_audit(a->reg, "staff.remove", id, "")) == 0)
		rc = tc_registry_commit(a->reg);
	if (rc != 0) {
		tc_registry_rollback(a->reg);
		if (rc == TC_E_NOT_FOUND)
			tadm_err(a, "no staff member %s", id);
		else if (rc == TC_E_STATE)
			tadm_err(a, "staff %s was already removed", id);
		else
			tadm_err(a, "cannot remove staff %s: %s", id, tc_strerror(rc));
		return TADM_FAIL;
	}
	printf("staff %s removed: devices refuse the PIN from their next dock\n", id);
	return tadm_policy_reissue(a, "staff removed");
}

static int
print_staff(void *ctx, const struct tc_reg_staff *s)
{
	char added[16];

	(void)ctx;
	tadm_date(s->added, added, sizeof(added));
	printf("%-16s  %-7s  %-10s  %s\n", s->id, s->active ? "active" : "removed", added,
	       s->name);
	return 0;
}

static int
print_event(void *ctx, const struct tc_policy_event *e)
{
	(void)ctx;
	printf("%-16s  %-10s  %s\n", e->id, e->date, e->name);
	return 0;
}

/* `staff list` / `event list`. */
static int
list(struct tadm *a, int argc, char **argv, const char *syn, bool staff)
{
	static const struct option opts[] = { TADM_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	int c, rc;

	while ((c = tadm_getopt(argc, argv, TADM_COMMON_SHORT, opts)) != -1)
		if ((rc = tadm_common_opt(a, c, syn)) >= 0)
			return rc;
	if (optind != argc)
		return tadm_usage(a, syn);
	if (tadm_open(a) != 0)
		return TADM_FAIL;
	if (staff) {
		printf("%-16s  %-7s  %-10s  %s\n", "STAFF", "STATUS", "ADDED", "NAME");
		rc = tc_registry_staff_foreach(a->reg, false, false, print_staff, NULL);
	} else {
		printf("%-16s  %-10s  %s\n", "EVENT", "DATE", "NAME");
		rc = tc_registry_event_foreach(a->reg, print_event, NULL);
	}
	if (rc != 0) {
		tadm_err(a, "cannot list: %s", tc_strerror(rc));
		return TADM_FAIL;
	}
	return TADM_OK;
}

static int
event_add(struct tadm *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "date", required_argument, NULL, 't' },
		TADM_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	const char *name = NULL, *date = NULL;
	struct tc_policy_event e;
	int c, rc;

	while ((c = tadm_getopt(argc, argv, "n:t:" TADM_COMMON_SHORT, opts)) != -1) {
		if (c == 'n')
			name = optarg;
		else if (c == 't')
			date = optarg;
		else if ((rc = tadm_common_opt(a, c, EVENT_SYN)) >= 0)
			return rc;
	}
	if (optind + 1 != argc || !name || !date)
		return tadm_usage(a, EVENT_SYN);
	if (!tc_trust_valid_id(argv[optind])) {
		tadm_err(a, "an event id is 1-%d printable ASCII characters without spaces",
			 TC_TRUST_ID_MAX);
		return TADM_USAGE;
	}
	if (!tc_trust_valid_name(name)) {
		tadm_err(a, "--name must be 1-%d bytes of UTF-8 text without control characters",
			 TC_TRUST_NAME_MAX);
		return TADM_USAGE;
	}
	if (!tc_trust_valid_date(date)) {
		tadm_err(a, "--date '%s' is not a real date YYYY-MM-DD (years 2000-2999)", date);
		return TADM_USAGE;
	}
	memset(&e, 0, sizeof(e));
	tc_strlcpy(e.id, argv[optind], sizeof(e.id));
	tc_strlcpy(e.name, name, sizeof(e.name));
	tc_strlcpy(e.date, date, sizeof(e.date));
	if (tadm_open(a) != 0)
		return TADM_FAIL;
	if ((rc = tc_registry_begin(a->reg)) == 0 &&
	    (rc = tc_registry_event_add(a->reg, &e)) == 0 &&
	    (rc = tc_registry_audit(a->reg, "event.add", e.id, e.date)) == 0)
		rc = tc_registry_commit(a->reg);
	if (rc != 0) {
		tc_registry_rollback(a->reg);
		if (rc == TC_E_EXISTS)
			tadm_err(a, "event %s already exists", e.id);
		else
			tadm_err(a, "cannot add event %s: %s", e.id, tc_strerror(rc));
		return TADM_FAIL;
	}
	printf("event %s added (%s)\n", e.id, e.date);
	return TADM_OK;
}

static int
staff_list(struct tadm *a, int argc, char **argv)
{
	return list(a, argc, argv, STAFF_SYN, true);
}

static int
event_list(struct tadm *a, int argc, char **argv)
{
	return list(a, argc, argv, EVENT_SYN, false);
}

int
cmd_staff(struct tadm *a, int argc, char **argv)
{
	static const struct tadm_sub subs[] = {
		{ "add", "staff add", staff_add },
		{ "pin", "staff pin", staff_pin },
		{ "remove", "staff remove", staff_remove },
		{ "list", "staff list", staff_list },
	};

	return tadm_subcommand(a, argc, argv, STAFF_SYN, subs, sizeof(subs) / sizeof(subs[0]));
}

int
cmd_event(struct tadm *a, int argc, char **argv)
{
	static const struct tadm_sub subs[] = {
		{ "add", "event add", event_add },
		{ "list", "event list", event_list },
	};

	return tadm_subcommand(a, argc, argv, EVENT_SYN, subs, sizeof(subs) / sizeof(subs[0]));
}
