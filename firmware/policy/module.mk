# firmware/policy: the signed policy bundle (verify, encode, sign), PINs, consent.
lib-y += $(d)/bundle.c $(d)/signer.c $(d)/fields.c $(d)/decode.c $(d)/encode.c \
	$(d)/pin.c $(d)/query.c $(d)/roster.c $(d)/isolate.c $(d)/sealed.c
