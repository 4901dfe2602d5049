#!/usr/bin/python3
"""notify_listen.py SOCKET KICKS - be systemd's notify socket for a daemon:
bind a datagram socket at SOCKET, print "bound", then print each message
received (one line per assignment) until READY=1 and KICKS WATCHDOG=1
messages have arrived.  Exit 0 then, 1 after 60 s without them."""
import os
import socket
import sys

path, kicks = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o777)
s.settimeout(60)
print("bound", flush=True)
ready = False
seen = 0
try:
    while not (ready and seen >= kicks):
        msg = s.recv(4096).decode("ascii", "replace")
        for line in msg.split("\n"):
            if line:
                print(line, flush=True)
            if line == "READY=1":
                ready = True
            elif line == "WATCHDOG=1":
                seen += 1
except socket.timeout:
    sys.exit(1)
sys.exit(0)
