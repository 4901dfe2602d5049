# drivers/camera: the camera interface and its backends.
# synth_render.c and synth_scene.c are always built: it is a pure function the Trust side's
# verification and the tests use to re-create synthetic frames, whatever
# backend the board captures with.
# yuyv.c (a UVC camera's YUYV to 4:2:0) likewise, so its unit test runs everywhere.
lib-y += $(d)/camera.c $(d)/synth_render.c $(d)/synth_scene.c $(d)/yuyv.c
lib-$(CONFIG_CAMERA_SYNTHETIC) += $(d)/cam_synthetic.c
lib-$(CONFIG_CAMERA_LIBCAMERA) += $(d)/cam_libcamera.c $(d)/libcamera_shim.cpp
