/*
 * swtpm_fixture.c - start and stop a private swtpm for a unit test.
 * Ports come from the kernel (bind to port 0, read it back, close; the
 * control port is the next one, where tpm2-tss's swtpm TCTI looks); the
 * swtpm is ready when its server port accepts a connection, which is
 * polled for (bounded), not slept for.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "swtpm_fixture.h"

/* Bind port (0: any) on 127.0.0.1 and return the port bound, or -1; closed again. */
static int
try_port(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), got = -1;

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		got = ntohs(a.sin_port);
	close(fd);
	return got;
}

/* A free port whose successor is free too: tpm2-tss's swtpm TCTI finds the control port at +1. */
static int
free_port_pair(void)
{
	int i, p;

	for (i = 0; i < 100; i++) {
		p = try_port(0);
		if (p > 0 && p < 65535 && try_port(p + 1) == p + 1)
			return p;
	}
	return -1;
}

static int
answers(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	if (fd < 0)
		return 0;
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static void
exec_swtpm(const struct swtpm *t)
{
	char server[64], ctrl[64], state[600];
	int fd = open("/dev/null", O_RDWR);

	snprintf(server, sizeof(server), "type=tcp,port=%d,bindaddr=127.0.0.1", t->port);
	snprintf(ctrl, sizeof(ctrl), "type=tcp,port=%d,bindaddr=127.0.0.1", t->ctrl_port);
	snprintf(state, sizeof(state), "dir=%s", t->dir);
	if (fd >= 0)
		dup2(fd, STDOUT_FILENO);
	execlp("swtpm", "swtpm", "socket", "--tpm2", "--server", server, "--ctrl", ctrl,
	       "--tpmstate", state, "--flags", "not-need-init,startup-clear", (char *)NULL);
	_exit(127);
}

int
swtpm_start(struct swtpm *t, const char *tag)
{
	const char *base = getenv("TC_TEST_TMP");
	struct timespec step = { 0, 10 * 1000 * 1000 };
	int i, status;

	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "%s/%sXXXXXX", base ? base : "/tmp", tag);
	if (!mkdtemp(t->dir))
		return -errno;
	t->port = free_port_pair();
	t->ctrl_port = t->port + 1;
	if (t->port <= 0)
		return -EADDRINUSE;
	snprintf(t->tcti, sizeof(t->tcti), "swtpm:host=127.0.0.1,port=%d", t->port);
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (t->pid == 0)
		exec_swtpm(t);
	/* Up to 10 s for the process to listen; an exit ends the wait at once. */
	for (i = 0; i < 1000; i++) {
		if (answers(t->port))
			return 0;
		if (waitpid(t->pid, &status, WNOHANG) == t->pid) {
			t->pid = 0;
			return -ECHILD;
		}
		nanosleep(&step, NULL);
	}
	swtpm_stop(t);
	return -ETIMEDOUT;
}

void
swtpm_stop(struct swtpm *t)
{
	if (t->pid > 0) {
		kill(t->pid, SIGKILL);
		(void)waitpid(t->pid, NULL, 0);
	}
	t->pid = 0;
}

int
swtpm_start_env(struct swtpm *t, const char *tag)
{
	int rc = swtpm_start(t, tag);

	if (rc == 0 && setenv("TC_KEYSTORE_TCTI", t->tcti, 1) != 0)
		rc = -errno;
	return rc;
}

int
swtpm_plant_sealed(const struct swtpm *t, unsigned handle, const void *data, size_t len)
{
	char in[600], cmd[3200];
	FILE *f;

	snprintf(in, sizeof(in), "%s/plant.bin", t->dir);
	if (len == 0 || len > 128 || !(f = fopen(in, "w")))
		return -1;
	if (fwrite(data, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	if (fclose(f) != 0)
		return -1;
	/* tpm2-tools on a TPM without a resource manager leave their transients loaded: flush each time. */
	snprintf(cmd, sizeof(cmd),
		 "T='%s'; D='%s'; F() { tpm2_flushcontext -T \"$T\" -t; }; "
		 "{ tpm2_createprimary -T \"$T\" -C o -c \"$D/pp.ctx\" && F && "
		 "tpm2_create -T \"$T\" -C \"$D/pp.ctx\" -i \"$D/plant.bin\" -u \"$D/pl.pub\" "
		 "-r \"$D/pl.priv\" && F && "
		 "tpm2_load -T \"$T\" -C \"$D/pp.ctx\" -u \"$D/pl.pub\" -r \"$D/pl.priv\" "
		 "-c \"$D/pl.ctx\" && F && "
		 "tpm2_evictcontrol -T \"$T\" -C o -c \"$D/pl.ctx\" 0x%08x && F; } >/dev/null 2>&1",
		 t->tcti, t->dir, handle);
	return system(cmd) == 0 ? 0 : -1;
}
