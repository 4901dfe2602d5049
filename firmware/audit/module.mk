# firmware/audit: the tamper-evident audit log (rule R8).
lib-y += $(d)/audit.c $(d)/record.c $(d)/scan.c $(d)/export.c $(d)/segment.c
