# firmware/ipc: the typed socket protocol between photod and its clients.
lib-y += $(d)/tc_ipc.c
lib-y += $(d)/tc_preview.c
