/*
 * isolate.c - tc_policy_verify in a child process, for photod.
 *
 * Decoding a policy builds jansson's tree of the whole payload: about
 * 7 MB for a 10,000-pupil roster, on top of the capture buffers photod
 * keeps resident, and glibc keeps most of it in the heap after it is
 * freed.  So the child verifies and decodes, and hands the parent the
 * finished struct over a pipe: the parent's heap only ever holds the
 * result, allocated once at its exact size.
 *
 * The child is a fork of the caller, running the caller's own code on
 * the caller's bytes, so what comes back is checked for sane sizes but
 * not re-verified.  The child only verifies and writes: nothing in it
 * logs or takes a lock another of the caller's threads could hold.  If the child cannot be started, the verify runs in
 * process (same answer, more memory) and says so in the log.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "policy_int.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_log.h"

/* The child: verify, then rc and, on success, the policy; exit 0 if all was written. */
static void
child(int fd, const uint8_t *bundle, size_t len, const char *ca, const char *id,
      uint64_t min_version, int64_t now, const struct tc_policy_device *dev)
{
	struct tc_policy *p = NULL;
	int32_t rc = tc_policy_verify(bundle, len, ca, id, min_version, now, &p);
	uint32_t ca_len;
	int w;

	/* The staff table is opened here: its PIN hashes never reach the parent. */
	if (rc == 0 && dev != NULL)
		rc = tc_policy_open(p, dev);

	w = tc_write_all(fd, &rc, sizeof(rc));
	tc_fault_point("policy.isolate.rc_sent");
	if (w == 0 && rc == 0) {
		ca_len = (uint32_t)strlen(p->trust_ca_pem);
		if ((w = tc_write_all(fd, p, sizeof(*p))) == 0 &&
		    (w = tc_write_all(fd, p->staff, p->n_staff * sizeof(*p->staff))) == 0 &&
		    (w = tc_write_all(fd, p->events, p->n_events * sizeof(*p->events))) == 0 &&
		    (w = tc_write_all(fd, p->pupils, p->n_pupils * sizeof(*p->pupils))) == 0 &&
		    (w = tc_write_all(fd, p->labels, p->labels ? p->n_pupils * sizeof(*p->labels)
							       : 0)) == 0 &&
		    (w = tc_write_all(fd, p->sealed.box, p->sealed.box_len)) == 0 &&
		    (w = tc_write_all(fd, &ca_len, sizeof(ca_len))) == 0)
			w = tc_write_all(fd, p->trust_ca_pem, ca_len);
		tc_fault_point("policy.isolate.all_sent");
	}
	_exit(w == 0 ? 0 : 1);
}

/* n elements of size into a fresh array (NULL when n is 0); 0 or an error. */
static int
read_array(int fd, size_t n, size_t size, void **out)
{
	size_t got;
	int rc;

	*out = NULL;
	if (n == 0)
		return 0;
	if ((*out = tc_calloc(n, size)) == NULL)
		return -ENOMEM;
	if ((rc = tc_read_full(fd, *out, n * size, &got)) != 0)
		return rc;
	return got == n * size ? 0 : -EPIPE;
}

/* The parent's half: the child's answer, or an error if it is not whole. */
static int
receive(int fd, struct tc_policy **out)
{
	struct tc_policy *p = NULL;
	void *arr;
	bool labels;
	uint32_t ca_len;
	int32_t child_rc;
	size_t got;
	int rc;

	if ((rc = tc_read_full(fd, &child_rc, sizeof(child_rc), &got)) != 0)
		return rc;
	if (got != sizeof(child_rc))
		return -EPIPE;
	if (child_rc != 0)
		return child_rc;
	if ((p = tc_calloc(1, sizeof(*p))) == NULL)
		return -ENOMEM;
	rc = tc_read_full(fd, p, sizeof(*p), &got);
	p->staff = NULL;	/* the child's pointers: never to be followed or freed */
	p->events = NULL;
	p->pupils = NULL;
	labels = p->labels != NULL;	/* the child had labels: they follow the roster */
	p->labels = NULL;
	p->trust_ca_pem = NULL;
	p->sealed.box = NULL;
	p->cap_pupils = p->n_pupils;
	if (rc == 0 && got != sizeof(*p))
		rc = -EPIPE;
	if (rc != 0)	/* nothing of the child's counts can be trusted to size a wipe */
		p->n_staff = p->n_events = p->n_pupils = p->cap_pupils = p->sealed.box_len = 0;
	if (rc == 0 && (p->n_staff > POLICY_MAX_STAFF || p->n_events > POLICY_MAX_EVENTS ||
			p->n_pupils > POLICY_MAX_CONSENT ||
			p->n_platforms > TC_POLICY_MAX_PLATFORMS ||
			p->sealed.box_len > POLICY_SEALED_MAX)) {
		p->n_staff = p->n_events = p->n_pupils = p->cap_pupils = p->sealed.box_len = 0;
		rc = -EPROTO;
	}
	/* Each array is owned by p as soon as it exists, read whole or not. */
	if (rc == 0) {
		rc = read_array(fd, p->n_staff, sizeof(*p->staff), &arr);
		p->staff = arr;
	}
	if (rc == 0) {
		rc = read_array(fd, p->n_events, sizeof(*p->events), &arr);
		p->events = arr;
	}
	if (rc == 0) {
		rc = read_array(fd, p->n_pupils, sizeof(*p->pupils), &arr);
		p->pupils = arr;
	}
	if (rc == 0 && labels) {
		rc = read_array(fd, p->n_pupils, sizeof(*p->labels), &arr);
		p->labels = arr;
	}
	if (rc == 0) {
		rc = read_array(fd, p->sealed.box_len, 1, &arr);
		p->sealed.box = arr;
	}
	if (rc == 0 && (rc = tc_read_full(fd, &ca_len, sizeof(ca_len), &got)) == 0 &&
	    (got != sizeof(ca_len) || ca_len == 0 || ca_len >= POLICY_CA_PEM_MAX))
		rc = -EPROTO;
	if (rc == 0 && (p->trust_ca_pem = tc_calloc(1, (size_t)ca_len + 1)) == NULL)
		rc = -ENOMEM;
	if (rc == 0 && (rc = tc_read_full(fd, p->trust_ca_pem, ca_len, &got)) == 0 && got != ca_len)
		rc = -EPIPE;
	if (rc != 0) {
		tc_policy_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

int
tc_policy_verify_isolated(const uint8_t *bundle, size_t len, const char *ca_pem,
			  const char *device_id, uint64_t min_version, int64_t now,
			  const struct tc_policy_device *dev, struct tc_policy **out)
{
	int fds[2], st, rc;
	pid_t pid;

	*out = NULL;
	if (pipe2(fds, O_CLOEXEC) != 0) {
		pid = -1;
		rc = -errno;
	} else if ((pid = fork()) < 0) {
		rc = -errno;
		close(fds[0]);
		close(fds[1]);
	}
	if (pid < 0) {
		tc_warn("policy check in a child process: %s; checking in process",
			tc_strerror(rc));
		rc = tc_policy_verify(bundle, len, ca_pem, device_id, min_version, now, out);
		if (rc == 0 && dev != NULL && (rc = tc_policy_open(*out, dev)) != 0) {
			tc_policy_free(*out);
			*out = NULL;
		}
		return rc;
	}
	if (pid == 0) {
		close(fds[0]);
		child(fds[1], bundle, len, ca_pem, device_id, min_version, now, dev);
	}
	close(fds[1]);
	rc = receive(fds[0], out);
	close(fds[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			st = -1;
			break;
		}
	/* Only a child that finished its writes vouches for them. */
	if (rc == 0 && (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)) {
		tc_policy_free(*out);
		*out = NULL;
		rc = -EPIPE;
	}
	return rc;
}
