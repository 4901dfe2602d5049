/*
 * swtpm_fixture.h - a fresh swtpm (Debian's software TPM 2.0) for a test:
 * its own state directory under TC_TEST_TMP, a server and a control port
 * on 127.0.0.1 chosen free by the kernel, started with
 * not-need-init,startup-clear, and killed (SIGKILL, reaped) by
 * swtpm_stop.  tcti is what TC_KEYSTORE_TCTI takes to reach it.
 */
#ifndef TC_SWTPM_FIXTURE_H
#define TC_SWTPM_FIXTURE_H

#include <stddef.h>
#include <sys/types.h>

struct swtpm {
	pid_t pid;
	int port, ctrl_port;
	char dir[512];
	char tcti[128];	/* swtpm:host=127.0.0.1,port=N */
};

/* Start one; 0 or a negative errno (swtpm missing, or it never answered). */
int swtpm_start(struct swtpm *t, const char *tag);
/* Kill and reap it (its state directory stays, for the test to copy or inspect). */
void swtpm_stop(struct swtpm *t);
/* Start one and point TC_KEYSTORE_TCTI at it. */
int swtpm_start_env(struct swtpm *t, const char *tag);
/*
 * Seal len bytes (1 to 128) at the persistent handle with tpm2-tools, as
 * something other than the keystore would leave them there: 0 or -1.
 */
int swtpm_plant_sealed(const struct swtpm *t, unsigned handle, const void *data, size_t len);

#endif /* TC_SWTPM_FIXTURE_H */
