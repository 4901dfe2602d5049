# firmware/store: sealed objects in files and the SQLite catalog.
lib-y += $(d)/store.c $(d)/catalog.c $(d)/catalog_rows.c $(d)/catalog_vfs.c \
	$(d)/commit.c $(d)/erase.c $(d)/lifecycle.c $(d)/reconcile.c $(d)/pool.c
