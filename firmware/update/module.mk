# firmware/update: RAUC bundles as trustcam reads them (see README.md):
# running the rauc CLI and reading its answer, shared by syncd and trustadm.
lib-y += $(d)/rauc.c
