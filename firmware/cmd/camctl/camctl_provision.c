/*
 * camctl_provision.c - IT's commands: provision request (print the CSR),
 * provision install (certificate, Trust CA, first policy), policy install
 * (a newer bundle) and wipe.
 *
 * The files are opened here as the calling user, read-only, and passed to
 * photod as descriptors (SCM_RIGHTS): photod needs no access to wherever
 * IT keeps them, and reads each with its own size cap.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "camctl.h"
#include "tc_io.h"

static int
open_ro(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		fprintf(stderr, "camctl: %s: %s\n", path, strerror(errno));
	return fd;
}

/* provision request | provision install --cert F --ca F --policy F (any order) */
static int
parse_install(int argc, char **argv, const char *files[3])
{
	static const char *const opts[3] = { "--cert", "--ca", "--policy" };
	int i, k;

	files[0] = files[1] = files[2] = NULL;
	for (i = 1; i < argc; i += 2) {
		for (k = 0; k < 3 && strcmp(argv[i], opts[k]) != 0; k++)
			;
		if (k == 3 || i + 1 >= argc || files[k])
			return -EINVAL;
		files[k] = argv[i + 1];
	}
	return files[0] && files[1] && files[2] ? 0 : -EINVAL;
}

int
camctl_provision_usage(int argc, char **argv)
{
	const char *files[3];

	if (argc == 1 && strcmp(argv[0], "request") == 0)
		return 0;
	if (argc >= 1 && strcmp(argv[0], "install") == 0)
		return parse_install(argc, argv, files);
	return -EINVAL;
}

static int
request(int fd)
{
	union camctl_reply u;
	uint32_t total = 0;
	uint16_t t;

	if (camctl_send(fd, TC_MSG_PROVISION_REQ, NULL, 0) != 0)
		return EX_FAIL;
	for (;;) {
		if (camctl_expect(fd, &t, &u, TC_MSG_CSR_CHUNK, TC_MSG_CSR_END) != 0)
			return EX_FAIL;
		if (t == TC_MSG_ERROR)
			return camctl_report_error(&u.e, "provision request");
		if (t == TC_MSG_CSR_END)
			break;
		if (u.ch.len < 1 || u.ch.len > TC_IPC_CHUNK) {
			fprintf(stderr, "camctl: malformed CSR chunk\n");
			return EX_FAIL;
		}
		/* PEM is printable text: refuse anything else rather than print it. */
		for (uint32_t i = 0; i < u.ch.len; i++)
			if ((u.ch.data[i] < 0x20 && u.ch.data[i] != '\n') || u.ch.data[i] == 0x7f)
				return EX_FAIL;
		if (fwrite(u.ch.data, 1, u.ch.len, stdout) != u.ch.len)
			return EX_FAIL;
		total += u.ch.len;
	}
	if (u.csr.total != total || !tc_ipc_str_ok(u.csr.device_id, sizeof(u.csr.device_id))) {
		fprintf(stderr, "camctl: the CSR arrived incomplete\n");
		return EX_FAIL;
	}
	fflush(stdout);
	fprintf(stderr, "camctl: device %s: give this CSR to IT (trustadm enrol)\n",
		u.csr.device_id);
	return EX_OK;
}

static int
send_files(int fd, uint16_t type, const char **paths, size_t n, const char *what)
{
	union camctl_reply u;
	int fds[3] = { -1, -1, -1 }, rc = EX_FAIL;
	uint16_t t;
	size_t i;

	for (i = 0; i < n; i++)
		if ((fds[i] = open_ro(paths[i])) < 0)
			goto out;
	if (camctl_send_fds(fd, type, NULL, 0, fds, n) != 0 ||
	    camctl_expect(fd, &t, &u, TC_MSG_OK, 0) != 0)
		goto out;
	if (t == TC_MSG_ERROR) {
		rc = camctl_report_error(&u.e, what);
		goto out;
	}
	if (tc_ipc_str_ok(u.ok.text, sizeof(u.ok.text)))
		printf("%s\n", u.ok.text);
	rc = EX_OK;
out:
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return rc;
}

int
camctl_provision(int fd, int argc, char **argv)
{
	const char *files[3];

	if (strcmp(argv[0], "request") == 0)
		return request(fd);
	if (parse_install(argc, argv, files) != 0)
		return EX_USAGE;
	return send_files(fd, TC_MSG_INSTALL_REQ, files, 3, "provision install");
}

/* policy install FILE */
int
camctl_policy_usage(int argc, char **argv)
{
	return argc == 2 && strcmp(argv[0], "install") == 0 ? 0 : -EINVAL;
}

int
camctl_policy(int fd, int argc, char **argv)
{
	const char *file = argv[1];

	(void)argc;
	return send_files(fd, TC_MSG_POLICY_REQ, &file, 1, "policy install");
}

/* wipe [--force] */
int
camctl_wipe_usage(int argc, char **argv)
{
	return argc == 0 || (argc == 1 && strcmp(argv[0], "--force") == 0) ? 0 : -EINVAL;
}

int
camctl_wipe(int fd, int argc, char **argv)
{
	struct tc_msg_wipe_req req = { argc == 1 && strcmp(argv[0], "--force") == 0 };

	return camctl_simple(fd, TC_MSG_WIPE_REQ, &req, sizeof(req), "wipe");
}
