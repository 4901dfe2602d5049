/*
 * camctl_session.c - staff login and logout, and the event photos are
 * taken at.
 *
 * The PIN is read without echo from the terminal (/dev/tty), or from
 * standard input when that is not a terminal or --pin-stdin is given (for
 * scripts and the kiosk).  It is read byte by byte with read(2), so no
 * stdio buffer keeps a copy, and every buffer that held it is wiped
 * before camctl goes on.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "camctl.h"
#include "tc_io.h"
#include "tc_secmem.h"

/* One line (without its newline) from fd into buf; 0, or -1 on EOF/error/overlong. */
static int
read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;
	char c;

	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (c == '\n')
			break;
		if (n + 1 >= size) {
			tc_zeroize(&c, 1);
			tc_zeroize(buf, size);
			return -1;
		}
		buf[n++] = c;
	}
	tc_zeroize(&c, 1);
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return r < 0 || (r == 0 && n == 0) ? -1 : 0;
}

/* The PIN from the terminal with echo off. */
static int
read_pin_tty(const char *staff, char *pin, size_t size)
{
	struct termios old, quiet;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC), rc;
	ssize_t w;
	char prompt[96];

	if (fd < 0)
		return -1;
	if (tcgetattr(fd, &old) != 0) {
		close(fd);
		return -1;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	snprintf(prompt, sizeof(prompt), "PIN for %s: ", staff);
	if (write(fd, prompt, strlen(prompt)) < 0 || tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
		close(fd);
		return -1;
	}
	rc = read_line(fd, pin, size);
	(void)tcsetattr(fd, TCSAFLUSH, &old);
	w = write(fd, "\n", 1);	/* the newline the user typed was not echoed */
	(void)w;
	close(fd);
	return rc;
}

static bool
pin_ok(const char *pin)
{
	size_t i;

	for (i = 0; pin[i]; i++)
		if (pin[i] < '0' || pin[i] > '9')
			return false;
	return i >= 4 && i <= 12;
}

/* login STAFF [--pin-stdin] */
int
camctl_login_usage(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--pin-stdin") == 0)
		argc = 1;
	if (argc != 1 || !argv[0][0] || strlen(argv[0]) >= TC_IPC_NAME_MAX)
		return -EINVAL;
	return 0;
}

int
camctl_login(int fd, int argc, char **argv)
{
	struct tc_msg_login_req req;
	bool from_stdin = argc == 2 || !isatty(STDIN_FILENO);
	int rc;

	memset(&req, 0, sizeof(req));
	tc_strlcpy(req.staff, argv[0], sizeof(req.staff));
	rc = from_stdin ? read_line(STDIN_FILENO, req.pin, sizeof(req.pin))
			: read_pin_tty(req.staff, req.pin, sizeof(req.pin));
	if (rc != 0 || !pin_ok(req.pin)) {
		tc_zeroize(&req, sizeof(req));
		fprintf(stderr, "camctl: a PIN is 4 to 12 digits\n");
		return EX_USAGE;
	}
	rc = camctl_simple(fd, TC_MSG_LOGIN_REQ, &req, sizeof(req), "login");
	tc_zeroize(&req, sizeof(req));
	return rc;
}

int
camctl_logout(int fd, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return camctl_simple(fd, TC_MSG_LOGOUT_REQ, NULL, 0, "logout");
}

/* event set ID | event clear | event list */
int
camctl_event_usage(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[0], "set") == 0)
		return argv[1][0] && strlen(argv[1]) < TC_IPC_NAME_MAX ? 0 : -EINVAL;
	if (argc == 1 && (strcmp(argv[0], "clear") == 0 || strcmp(argv[0], "list") == 0))
		return 0;
	return -EINVAL;
}

static int
event_list(int fd)
{
	union camctl_reply u;
	uint16_t t;

	if (camctl_send(fd, TC_MSG_EVENTS_REQ, NULL, 0) != 0)
		return EX_FAIL;
	for (;;) {
		if (camctl_expect(fd, &t, &u, TC_MSG_EVENT, TC_MSG_EVENTS_END) != 0)
			return EX_FAIL;
		if (t == TC_MSG_ERROR)
			return camctl_report_error(&u.e, "event list");
		if (t == TC_MSG_EVENTS_END) {
			printf("%u %s\n", u.end.count, tc_plural(u.end.count, "event", "events"));
			return EX_OK;
		}
		if (!tc_ipc_str_ok(u.ev.id, sizeof(u.ev.id)) ||
		    !tc_ipc_str_ok(u.ev.name, sizeof(u.ev.name)) ||
		    !tc_ipc_str_ok(u.ev.date, sizeof(u.ev.date)))
			return EX_FAIL;
		printf("%c %-20s %-10s  %s\n", u.ev.selected ? '*' : ' ', u.ev.id, u.ev.date,
		       u.ev.name);
	}
}

int
camctl_event(int fd, int argc, char **argv)
{
	struct tc_msg_event_req req;

	(void)argc;
	if (strcmp(argv[0], "list") == 0)
		return event_list(fd);
	if (strcmp(argv[0], "clear") == 0)
		return camctl_simple(fd, TC_MSG_EVENT_CLEAR_REQ, NULL, 0, "event clear");
	memset(&req, 0, sizeof(req));
	tc_strlcpy(req.id, argv[1], sizeof(req.id));
	return camctl_simple(fd, TC_MSG_EVENT_SET_REQ, &req, sizeof(req), "event set");
}
