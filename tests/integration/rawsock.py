#!/usr/bin/python3
"""rawsock.py SOCKET - send photod four malformed messages, each on its
own connection, and check that photod closes the connection without a
reply: a short message, an overlong one, an unknown type and a wrong
protocol version.  Exit 0 when all four were rejected."""
import socket
import struct
import sys

HDR = "=HHI"  # type, version, payload length (struct tc_msg_hdr)
STATUS_REQ, DISCARD_REQ, VERSION = 2, 13, 5  # tc_ipc.h TC_IPC_VERSION

cases = {
    "short": struct.pack(HDR, DISCARD_REQ, VERSION, 15) + b"\0" * 15,
    "long": struct.pack(HDR, DISCARD_REQ, VERSION, 16) + b"\0" * 17,
    "unknown type": struct.pack(HDR, 999, VERSION, 0),
    "wrong version": struct.pack(HDR, STATUS_REQ, VERSION + 1, 0),
}
failed = 0
for name, msg in cases.items():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(30)
    s.connect(sys.argv[1])
    s.send(msg)
    reply = s.recv(1024)  # b"" when photod closes the connection
    if reply:
        print(f"not ok - {name} message got a reply")
        failed += 1
    s.close()
sys.exit(1 if failed else 0)
