# drivers/dock: docked = external power online and a network link up.
lib-y += $(d)/dock.c
