/*
 * stub_ledger.c - for the harnesses that do not link the ledger
 * (fuzz_http): what a device says it runs is dropped.
 */
#include "server.h"

int
ledger_device_firmware(struct ledger *l, const char *dev, const char *version, uint64_t release)
{
	(void)l;
	(void)dev;
	(void)version;
	(void)release;
	return 0;
}
