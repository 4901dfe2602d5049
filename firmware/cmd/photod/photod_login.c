/*
 * photod_login.c - staff login (rule R10): who takes the photos.
 *
 * A staff member logs in with their id and PIN, checked against the
 * device-keyed verifier of the Trust's Argon2id hash (firmware/policy
 * pin.c: the hash came sealed to this device and was keyed to the
 * keystore's PIN secret when the policy was opened).  Wrong PINs are counted across all staff
 * ids (a guesser gains nothing by switching ids); from the fifth in a row,
 * login locks for a back-off that doubles with each further failure:
 *
 *   failures  1-4   5    6    7     8     9     10    11     12+
 *   locked    -     30s  60s  120s  240s  480s  960s  1920s  3600s (cap)
 *
 * A locked attempt is refused without checking the PIN and is not
 * counted.  The counter and the lock time live behind the keystore
 * (tc_keystore_pin_failures_*: a file for the file backend, an NV counter
 * root cannot lower for a TPM), so a restart of photod does not reset
 * them; the counter is raised durably *before* the PIN is checked and
 * cleared after a success, so killing photod mid-check cannot buy a free
 * guess.  A wipe clears it.
 *
 * The argon2id check runs in a short-lived child process: its 19 MiB of
 * working memory never counts against photod's resident budget (the
 * camera's buffers need it) and goes back to the system at once.
 *
 * Every attempt is audited (success, wrong PIN, locked), never the PIN.
 * The session ends at logout, at a new login, after
 * CONFIG_LOGIN_IDLE_MINUTES without a login, capture or event choice, or
 * when a new policy no longer lists the staff member.  Times come from
 * photod_now().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "autoconf.h"
#include "photod.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_secmem.h"

#define LOCK_AFTER 5
#define BACKOFF_FIRST 30
#define BACKOFF_CAP 3600
#define IDLE_SECONDS ((int64_t)CONFIG_LOGIN_IDLE_MINUTES * 60)

static int64_t
backoff(uint32_t failures)
{
	uint32_t k;

	if (failures < LOCK_AFTER)
		return 0;
	k = failures - LOCK_AFTER;
	return k >= 7 ? BACKOFF_CAP : (int64_t)BACKOFF_FIRST << k;
}

int
photod_login_load(struct photod *d)
{
	struct tc_pin_failures f;
	int rc;

	d->login.failures = 0;
	d->login.locked_until = 0;
	rc = tc_keystore_pin_failures_get(d->ks, &f);
	if (rc == TC_E_INVAL_INPUT) {
		/* Damaged: fail closed, as if the last lock were still on. */
		tc_warn("the keystore's wrong-PIN counter is damaged: treating login as locked");
		f.count = LOCK_AFTER;
		f.locked_until = photod_now() + BACKOFF_FIRST;
	} else if (rc != 0) {
		return rc;
	}
	d->login.failures = f.count;
	d->login.locked_until = f.locked_until;
	return 0;
}

/* "staff:ID", cut to the audit log's field size (ids of 58+ bytes lose their tail there). */
static const char *
staff_actor(char out[TC_AUDIT_FIELD_MAX], const char *id)
{
	memcpy(out, "staff:", 6);
	tc_strlcpy(out + 6, id, TC_AUDIT_FIELD_MAX - 6);
	return out;
}

const char *
photod_actor(const struct photod *d, const struct photod_client *c, char *buf, size_t len)
{
	if (!d->login.staff[0] || len < TC_AUDIT_FIELD_MAX) {
		tc_strlcpy(buf, c->actor, len);
		return buf;
	}
	return staff_actor(buf, d->login.staff);
}

void
photod_logout(struct photod *d, const char *why)
{
	char actor[TC_AUDIT_FIELD_MAX];

	if (!d->login.staff[0])
		return;
	staff_actor(actor, d->login.staff);
	photod_audit(d, actor, "logout", NULL, 0, why);
	tc_info("%s logged out (%s)", actor, why);
	memset(&d->login.staff, 0, sizeof(d->login.staff));
	memset(&d->login.event, 0, sizeof(d->login.event));
	d->login.last_active = 0;
}

void
photod_touch(struct photod *d)
{
	if (d->login.staff[0])
		d->login.last_active = photod_now();
}

int
photod_idle_check(struct photod *d)
{
	int64_t left;
	char why[64];

	if (!d->login.staff[0])
		return -1;
	left = d->login.last_active + IDLE_SECONDS - photod_now();
	if (left <= 0) {
		snprintf(why, sizeof(why), "idle for %d min", CONFIG_LOGIN_IDLE_MINUTES);
		photod_logout(d, why);
		return -1;
	}
	return left > INT32_MAX / 1000 ? INT32_MAX : (int)(left * 1000);
}

/* A staff id: 1..63 printable ASCII bytes, no spaces.  A PIN: 4..12 digits. */
static bool
valid_id(const char *s, size_t size)
{
	size_t i;

	for (i = 0; i < size && s[i]; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return i > 0 && i < size;
}

static bool
valid_pin(const char *s, size_t size)
{
	size_t i;

	for (i = 0; i < size && s[i]; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return i >= 4 && i <= 12 && i < size;
}

static bool
known_staff(const struct tc_policy *p, const char *id)
{
	size_t i;

	for (i = 0; p && i < p->n_staff; i++)
		if (strcmp(p->staff[i].id, id) == 0)
			return true;
	return false;
}

/* tc_policy_check_pin in a child: 0, TC_E_BAD_PIN, or an error. */
static int
verify_in_child(struct photod *d, const char *staff, const char *pin)
{
	struct tc_policy_device dev;
	pid_t pid;
	int st, rc;

	if ((rc = photod_policy_device(d, &dev)) != 0)
		return rc;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		rc = tc_policy_check_pin(d->prov.policy, &dev, staff, pin);
		_exit(rc == 0 ? 0 : rc == TC_E_BAD_PIN ? 1 : 2);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(st) || WEXITSTATUS(st) > 1)
		return TC_E_CRYPTO;
	return WEXITSTATUS(st) == 0 ? 0 : TC_E_BAD_PIN;
}

/* The PIN check proper, with the counter raised first.  The PIN is wiped by the caller. */
static int
check_pin(struct photod *d, const char *staff, const char *pin, bool pin_ok, int64_t now)
{
	uint32_t f = d->login.failures + 1;
	int rc;

	/* Durably count this attempt as a failure before looking at the PIN. */
	if ((rc = tc_keystore_pin_failures_add(d->ks, backoff(f) ? now + backoff(f) : 0, &f)) != 0)
		return rc;
	rc = pin_ok ? verify_in_child(d, staff, pin) : TC_E_BAD_PIN;
	if (rc == 0) {
		if (tc_keystore_pin_failures_reset(d->ks) != 0)
			tc_warn("could not clear the login lockout counter");
		d->login.failures = 0;
		d->login.locked_until = 0;
		return 0;
	}
	/* Anything but a match counts: the attempt stays recorded as a failure. */
	d->login.failures = f;
	d->login.locked_until = backoff(f) ? now + backoff(f) : 0;
	return rc == TC_E_BAD_PIN ? rc : TC_E_BAD_PIN;
}

void
photod_login(struct photod *d, struct photod_client *c, struct tc_msg_login_req *m)
{
	char staff[TC_POLICY_ID_MAX], detail[160], text[TC_IPC_TEXT_MAX], actor[TC_AUDIT_FIELD_MAX];
	int64_t now = photod_now();
	bool pin_ok = valid_pin(m->pin, sizeof(m->pin));
	int rc;

	if (!valid_id(m->staff, sizeof(m->staff))) {
		tc_zeroize(m, sizeof(*m));
		photod_audit(d, c->actor, "login", NULL, -EINVAL, "malformed staff id");
		photod_error(c->fd, -EINVAL, "", "a staff id is 1 to 63 printable characters");
		return;
	}
	tc_strlcpy(staff, m->staff, sizeof(staff));
	/* Only ids the policy lists are named in the log: a PIN typed as an id is not. */
	staff_actor(actor, known_staff(d->prov.policy, staff) ? staff : "(unknown)");
	if (!d->prov.policy) {
		tc_zeroize(m, sizeof(*m));
		photod_audit(d, actor, "login", NULL, d->prov.state, "no valid policy");
		snprintf(text, sizeof(text), "cannot log in: %s", d->prov.why);
		photod_error(c->fd, d->prov.state, "R1", text);
		return;
	}
	if (d->login.locked_until > now) {
		tc_zeroize(m, sizeof(*m));
		snprintf(detail, sizeof(detail), "locked: %u wrong PINs, %lld s left",
			 d->login.failures, (long long)(d->login.locked_until - now));
		photod_audit(d, actor, "login", NULL, TC_E_LOCKED_OUT, detail);
		snprintf(text, sizeof(text), "login locked after %u wrong PINs: try again in %lld s",
			 d->login.failures, (long long)(d->login.locked_until - now));
		photod_error(c->fd, TC_E_LOCKED_OUT, "R10", text);
		return;
	}
	rc = check_pin(d, staff, m->pin, pin_ok, now);
	tc_zeroize(m, sizeof(*m));
	if (rc != 0 && rc != TC_E_BAD_PIN) {
		photod_audit(d, actor, "login", NULL, rc, "cannot record the attempt");
		photod_error(c->fd, rc, "", "cannot record the login attempt: login refused");
		return;
	}
	if (rc == TC_E_BAD_PIN) {
		if (d->login.locked_until) {
			snprintf(detail, sizeof(detail), "wrong PIN %u in a row: locked for %lld s",
				 d->login.failures, (long long)(d->login.locked_until - now));
			snprintf(text, sizeof(text), "wrong staff id or PIN: login locked for %lld s",
				 (long long)(d->login.locked_until - now));
		} else {
			snprintf(detail, sizeof(detail), "wrong PIN %u of %d", d->login.failures,
				 LOCK_AFTER);
			snprintf(text, sizeof(text), "wrong staff id or PIN (%u of %d before login locks)",
				 d->login.failures, LOCK_AFTER);
		}
		photod_audit(d, actor, "login", NULL, TC_E_BAD_PIN, detail);
		photod_error(c->fd, TC_E_BAD_PIN, "R10", text);
		return;
	}
	if (d->login.staff[0] && strcmp(d->login.staff, staff) != 0)
		photod_logout(d, "another staff member logged in");
	if (strcmp(d->login.staff, staff) != 0)
		memset(d->login.event, 0, sizeof(d->login.event));
	tc_strlcpy(d->login.staff, staff, sizeof(d->login.staff));
	d->login.last_active = now;
	photod_audit(d, actor, "login", NULL, 0, c->actor);
	snprintf(text, sizeof(text), "%s logged in (idle logout after %d min)", staff,
		 CONFIG_LOGIN_IDLE_MINUTES);
	photod_ok(c->fd, 0, text);
}

void
photod_logout_req(struct photod *d, struct photod_client *c)
{
	char text[TC_IPC_TEXT_MAX];

	if (!d->login.staff[0]) {
		photod_ok(c->fd, 0, "nobody was logged in");
		return;
	}
	snprintf(text, sizeof(text), "%s logged out", d->login.staff);
	photod_logout(d, "logout");
	photod_ok(c->fd, 0, text);
}

/* After a policy change: a session whose staff or event the policy dropped ends. */
void
photod_session_check(struct photod *d)
{
	if (d->login.staff[0] && !known_staff(d->prov.policy, d->login.staff))
		photod_logout(d, "no longer in the policy");
	if (d->login.event[0] &&
	    (!d->prov.policy || !tc_policy_find_event(d->prov.policy, d->login.event)))
		memset(d->login.event, 0, sizeof(d->login.event));
}
