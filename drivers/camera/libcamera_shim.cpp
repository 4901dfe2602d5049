/*
 * libcamera_shim.cpp - the libcamera backend: the one C++ file in the
 * tree, and the only place a libcamera type appears.
 *
 * Tuned for stills on a Raspberry Pi camera module or a UVC kiosk camera:
 * one StillCapture stream in NV12 or YUV420, a small pool of
 * libcamera-allocated buffers, each wrapped in one Request created at
 * configure time and reused for the life of the configuration.  Frames
 * are lent to the caller straight from the buffers' read-only mmap (no
 * copy); releasing a frame requeues its Request.
 *
 * A camera with no 4:2:0 mode at the size asked (a USB UVC webcam gives
 * YUYV, packed 4:2:2) streams YUYV instead: each slot then has a buffer
 * of its own from tc_secure_alloc (locked, out of core dumps), take()
 * converts the frame into it (yuyv.c), and release() wipes it before the
 * Request is requeued.  The caller sees NV12 or YUV420 either way.
 *
 * Threads: libcamera completes requests on its own thread.  The
 * completion handler only moves a slot number onto a queue under the
 * handle's mutex and signals take(), which waits on it; every other call
 * runs on the caller's thread.  libcamera's Camera::stop() completes the
 * cancelled requests synchronously on the calling thread, so no call holds
 * the mutex while it calls into libcamera.
 *
 * libcamera allows one CameraManager per process, so the shim keeps one,
 * created on first use and destroyed when the last user (a list or an
 * open camera) lets go.  libcamera logs to stderr by default, which is
 * noise on a machine without a camera: the shim turns its logging off
 * before creating the manager, unless LIBCAMERA_LOG_LEVELS or
 * LIBCAMERA_LOG_FILE says someone wants to see it.
 */
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include <sys/mman.h>
#include <time.h>

#include <libcamera/camera.h>
#include <libcamera/camera_manager.h>
#include <libcamera/formats.h>
#include <libcamera/framebuffer.h>
#include <libcamera/framebuffer_allocator.h>
#include <libcamera/logging.h>
#include <libcamera/property_ids.h>
#include <libcamera/request.h>
#include <libcamera/stream.h>

#include "libcamera_shim.h"
extern "C" {
#include "cam_yuyv.h"
#include "tc_io.h"
#include "tc_secmem.h"
}

using namespace libcamera;

namespace {

const char kPrefix[] = "libcamera:";

/* ---- the process's one CameraManager ---- */

std::mutex mgr_lock;
std::unique_ptr<CameraManager> mgr;
unsigned mgr_users;

void
quiet_logging()
{
	if (!std::getenv("LIBCAMERA_LOG_LEVELS") && !std::getenv("LIBCAMERA_LOG_FILE"))
		logSetTarget(LoggingTargetNone);
}

/* A started manager for one more user, or a negative errno. */
int
mgr_get(CameraManager **out)
{
	std::lock_guard<std::mutex> l(mgr_lock);

	if (!mgr) {
		quiet_logging();
		auto m = std::make_unique<CameraManager>();
		int err = m->start();

		if (err)
			return err < 0 ? err : -EIO;
		mgr = std::move(m);
	}
	mgr_users++;
	*out = mgr.get();
	return 0;
}

/* Every Camera reference of the user must be gone before this. */
void
mgr_put()
{
	std::lock_guard<std::mutex> l(mgr_lock);

	if (mgr_users && --mgr_users == 0) {
		mgr->stop();
		mgr.reset();
	}
}

PixelFormat
to_pixel_format(enum tc_pixfmt fmt)
{
	return fmt == TC_PIXFMT_NV12 ? formats::NV12 : formats::YUV420;
}

/*
 * The still modes a camera offers in a format the shim can deliver:
 * NV12 or YUV420 straight, YUYV converted.  Largest first.
 */
void
describe(Camera &cam, struct tc_camera_info *info)
{
	std::vector<Size> sizes;

	std::memset(info, 0, sizeof(*info));
	tc_strlcpy(info->id, (kPrefix + cam.id()).c_str(), sizeof(info->id));
	tc_strlcpy(info->backend, "libcamera", sizeof(info->backend));
	const auto model = cam.properties().get(properties::Model);
	tc_strlcpy(info->model, model ? model->c_str() : "camera", sizeof(info->model));

	std::unique_ptr<CameraConfiguration> cfg =
		cam.generateConfiguration({ StreamRole::StillCapture });
	if (cfg && !cfg->empty()) {
		for (const PixelFormat &pf : { formats::NV12, formats::YUV420, formats::YUYV })
			for (const Size &s : cfg->at(0).formats().sizes(pf))
				if ((s.width | s.height) % 2 == 0 &&
				    std::find(sizes.begin(), sizes.end(), s) == sizes.end())
					sizes.push_back(s);
		if (sizes.empty())
			sizes.push_back(cfg->at(0).size);
	}
	std::sort(sizes.begin(), sizes.end(), [](const Size &a, const Size &b) {
		return (uint64_t)a.width * a.height > (uint64_t)b.width * b.height;
	});
	for (const Size &s : sizes) {
		if (info->nmodes == TC_CAMERA_MODES_MAX)
			break;
		info->modes[info->nmodes].width = s.width;
		info->modes[info->nmodes].height = s.height;
		info->nmodes++;
	}
}

enum class SlotState {
	Idle,    /* the driver's, not queued (stopped, or requeue failed) */
	Queued,  /* with libcamera */
	Done,    /* completed, waiting in done for take() */
	Out,     /* lent to the caller */
};

struct Mapping {
	void *addr;
	size_t len;
};

struct Slot {
	std::unique_ptr<Request> request;
	FrameBuffer *buffer = nullptr;
	std::vector<Mapping> maps;
	const uint8_t *plane[3] = { nullptr, nullptr, nullptr };
	size_t plane_len[3] = { 0, 0, 0 };
	uint8_t *conv = nullptr;    /* YUYV cameras: the frame in 4:2:0 (tc_secure_alloc) */
	SlotState state = SlotState::Idle;
};

} /* namespace */

struct tc_lcshim_cam {
	CameraManager *mgr = nullptr;
	std::shared_ptr<Camera> cam;
	std::unique_ptr<CameraConfiguration> config;
	std::unique_ptr<FrameBufferAllocator> alloc;
	Stream *stream = nullptr;
	std::vector<Slot> slots;
	uint32_t width = 0, height = 0;
	enum tc_pixfmt fmt = TC_PIXFMT_NV12;
	size_t stride[3] = { 0, 0, 0 };
	unsigned nplanes = 0;
	bool yuyv = false;          /* streams YUYV, converted to fmt on take() */
	size_t src_stride = 0;      /* YUYV: bytes a row in libcamera's buffer */
	size_t conv_len[3] = { 0, 0, 0 };
	uint64_t seq = 0;
	bool running = false;

	std::mutex lock;            /* guards the slots' state, done and running */
	std::condition_variable cv;
	std::deque<unsigned> done;

	void completed(Request *req);
	void drop_pool();
	int map_slot(Slot &s);
	int build_pool(unsigned *nbufs);
	int queue(unsigned i);
};

/* libcamera's thread: hand the slot to take(), or park a cancelled one. */
void
tc_lcshim_cam::completed(Request *req)
{
	std::lock_guard<std::mutex> l(lock);
	unsigned i = (unsigned)req->cookie();

	if (i >= slots.size() || slots[i].state != SlotState::Queued)
		return;
	if (req->status() == Request::RequestCancelled) {
		slots[i].state = SlotState::Idle;
		return;
	}
	slots[i].state = SlotState::Done;
	done.push_back(i);
	cv.notify_one();
}

void
tc_lcshim_cam::drop_pool()
{
	for (Slot &s : slots) {
		for (Mapping &m : s.maps)
			munmap(m.addr, m.len);
		tc_secure_free(s.conv); /* wipes it */
	}
	slots.clear();
	done.clear();
	if (alloc && stream)
		alloc->free(stream);
	alloc.reset();
	stream = nullptr;
}

/*
 * Map a buffer's planes read-only.  Planes may share one dmabuf at
 * different offsets (the usual case) or each have their own; each fd is
 * mapped once, over the extent its planes use.
 */
int
tc_lcshim_cam::map_slot(Slot &s)
{
	const std::vector<FrameBuffer::Plane> &planes = s.buffer->planes();
	const uint8_t *base[3] = { nullptr, nullptr, nullptr };
	size_t len[3] = { 0, 0, 0 };
	unsigned i, j;

	if (planes.empty() || planes.size() > 3)
		return -EIO;
	for (i = 0; i < planes.size(); i++) {
		int fd = planes[i].fd.get();
		size_t extent = 0;
		void *addr;

		len[i] = planes[i].length;
		for (j = 0; j < i && planes[j].fd.get() != fd; j++)
			;
		if (j < i) {
			base[i] = base[j] - planes[j].offset + planes[i].offset;
			continue;
		}
		for (j = i; j < planes.size(); j++)
			if (planes[j].fd.get() == fd)
				extent = std::max(extent, (size_t)planes[j].offset + planes[j].length);
		addr = mmap(nullptr, extent, PROT_READ, MAP_SHARED, fd, 0);
		if (addr == MAP_FAILED)
			return -errno;
		s.maps.push_back({ addr, extent });
		base[i] = (const uint8_t *)addr + planes[i].offset;
	}
	if (yuyv) {
		/* One packed plane in; the caller's planes come from conv. */
		if (planes.size() != 1 || src_stride > SIZE_MAX / height ||
		    len[0] < src_stride * height)
			return -EIO;
		s.plane[0] = base[0];
		s.plane_len[0] = src_stride * height;
		s.conv = (uint8_t *)tc_secure_alloc(conv_len[0] + conv_len[1] + conv_len[2]);
		return s.conv ? 0 : -ENOMEM;
	}
	return tc_lcshim_layout(fmt, height, stride, base, len, (unsigned)planes.size(), s.plane,
				s.plane_len);
}

/* Queue slot i; on failure it stays Idle and take() retries later. */
int
tc_lcshim_cam::queue(unsigned i)
{
	Slot &s = slots[i];
	int err;

	s.request->reuse(Request::ReuseBuffers);
	{
		std::lock_guard<std::mutex> l(lock);
		s.state = SlotState::Queued;
	}
	err = cam->queueRequest(s.request.get());
	if (err) {
		std::lock_guard<std::mutex> l(lock);
		s.state = SlotState::Idle;
	}
	return err;
}

namespace {

/*
 * Run f, turning any exception into an errno: no exception may cross into
 * C.  libcamera itself does not throw; the standard library may
 * (bad_alloc from a vector or a string).
 */
template<typename F>
int
guarded(F f)
{
	try {
		return f();
	} catch (const std::bad_alloc &) {
		return -ENOMEM;
	} catch (...) {
		return -EIO;
	}
}

/* libcamera returns a negative errno, or occasionally just non-zero. */
int
as_errno(int err)
{
	return err < 0 ? err : err ? -EIO : 0;
}

/*
 * Check that the camera can deliver width x height in pixel format pf for
 * stills; on success cfg is validated and unchanged in size and format.
 */
int
still_config(Camera &cam, uint32_t width, uint32_t height, const PixelFormat &pf,
	     std::unique_ptr<CameraConfiguration> *out)
{
	std::unique_ptr<CameraConfiguration> cfg = cam.generateConfiguration({ StreamRole::StillCapture });

	if (!cfg || cfg->empty())
		return -EINVAL;
	StreamConfiguration &sc = cfg->at(0);
	sc.pixelFormat = pf;
	sc.size = Size(width, height);
	/* Bursts want more than the one buffer some pipelines default to. */
	sc.bufferCount = std::max(sc.bufferCount, 3u);
	if (cfg->validate() == CameraConfiguration::Invalid || sc.pixelFormat != pf ||
	    sc.size != Size(width, height))
		return -EINVAL; /* not a mode this camera has: validate() moved it */
	*out = std::move(cfg);
	return 0;
}

} /* namespace */

/* Allocate, wrap in Requests and map the configured stream's buffers. */
int
tc_lcshim_cam::build_pool(unsigned *nbufs)
{
	int err;

	alloc = std::make_unique<FrameBufferAllocator>(cam);
	if ((err = alloc->allocate(stream)) < 0)
		return err;
	const std::vector<std::unique_ptr<FrameBuffer>> &bufs = alloc->buffers(stream);
	const size_t nb = std::min(bufs.size(), (size_t)TC_CAMERA_MAX_BUFFERS);

	if (nb == 0)
		return -ENOMEM;
	slots.resize(nb);
	for (size_t i = 0; i < nb; i++) {
		Slot &s = slots[i];

		s.request = cam->createRequest(i); /* the cookie is the slot */
		s.buffer = bufs[i].get();
		if (!s.request)
			return -ENOMEM;
		if ((err = s.request->addBuffer(stream, s.buffer)) != 0)
			return as_errno(err);
		if ((err = map_slot(s)) != 0)
			return err;
	}
	*nbufs = (unsigned)nb;
	return 0;
}

extern "C" {

int
tc_lcshim_list(struct tc_camera_info *out, size_t max, size_t *n)
{
	CameraManager *m = nullptr;
	int err;

	*n = 0;
	if (guarded([&] { return mgr_get(&m); }) != 0)
		return 0; /* no usable camera stack: no cameras */
	err = guarded([&] {
		size_t k = 0;

		for (const std::shared_ptr<Camera> &c : m->cameras()) {
			if (c->id().empty() || sizeof(kPrefix) + c->id().size() > TC_CAMERA_ID_MAX)
				continue; /* an id we could not give back whole */
			if (k < max)
				describe(*c, &out[k]);
			k++;
		}
		*n = k;
		return 0;
	});
	mgr_put();
	return err;
}

int
tc_lcshim_open(const char *id, struct tc_lcshim_cam **out)
{
	tc_lcshim_cam *c = nullptr;
	int err = guarded([&] {
		c = new tc_lcshim_cam();
		if (mgr_get(&c->mgr) != 0) {
			c->mgr = nullptr;
			return -ENODEV;
		}
		c->cam = c->mgr->get(id);
		if (!c->cam)
			return -ENODEV;
		if (c->cam->acquire() != 0) {
			c->cam.reset();
			return -EBUSY; /* another process has it */
		}
		c->cam->requestCompleted.connect(c, &tc_lcshim_cam::completed);
		return 0;
	});

	if (err == 0) {
		*out = c;
		return 0;
	}
	if (c) {
		c->cam.reset();
		if (c->mgr)
			mgr_put();
		delete c;
	}
	return err;
}

int
tc_lcshim_configure(struct tc_lcshim_cam *c, uint32_t width, uint32_t height,
		    enum tc_pixfmt fmt, unsigned *nbufs)
{
	int err = guarded([&] {
		std::unique_ptr<CameraConfiguration> cfg;
		bool yuyv = false;
		int e;

		/* The 4:2:0 layout asked for, else YUYV converted (a UVC webcam). */
		if ((e = still_config(*c->cam, width, height, to_pixel_format(fmt), &cfg)) == -EINVAL &&
		    (width | height) % 2 == 0) {
			yuyv = true;
			e = still_config(*c->cam, width, height, formats::YUYV, &cfg);
		}
		if (e != 0)
			return e;
		/* Past validation: the old pool goes whatever happens next. */
		c->drop_pool();
		c->config.reset();
		if ((e = c->cam->configure(cfg.get())) != 0)
			return as_errno(e);
		c->config = std::move(cfg);
		const StreamConfiguration &sc = c->config->at(0);
		c->stream = sc.stream();
		c->width = width;
		c->height = height;
		c->fmt = fmt;
		c->yuyv = yuyv;
		if (yuyv) {
			/* The caller's frame is tight, in the slot's own buffer. */
			c->src_stride = sc.stride;
			if (sc.stride / 2 < width ||
			    tc_pixfmt_layout(fmt, width, height, c->stride, c->conv_len, &c->nplanes) != 0)
				return -EIO;
			return c->build_pool(nbufs);
		}
		c->nplanes = fmt == TC_PIXFMT_NV12 ? 2 : 3;
		c->stride[0] = sc.stride;
		c->stride[1] = fmt == TC_PIXFMT_NV12 ? sc.stride : sc.stride / 2;
		c->stride[2] = fmt == TC_PIXFMT_NV12 ? 0 : sc.stride / 2;
		if (sc.stride < width)
			return -EIO;
		return c->build_pool(nbufs);
	});

	if (err && err != -EINVAL)
		c->drop_pool();
	return err;
}

int
tc_lcshim_start(struct tc_lcshim_cam *c)
{
	int err = as_errno(c->cam->start());

	if (err)
		return err;
	{
		std::lock_guard<std::mutex> l(c->lock);
		c->running = true;
		c->done.clear();
	}
	/* Only this loop queues yet: no completion can race the reads. */
	for (unsigned i = 0; i < c->slots.size() && !err; i++)
		if (c->slots[i].state == SlotState::Idle)
			err = as_errno(c->queue(i));
	if (err)
		(void)tc_lcshim_stop(c);
	return err;
}

int
tc_lcshim_take(struct tc_lcshim_cam *c, struct tc_frame *frame, unsigned *slot, int timeout_ms)
{
	using clock = std::chrono::steady_clock;
	const clock::time_point deadline = clock::now() + std::chrono::milliseconds(timeout_ms);

	return guarded([&] {
		for (;;) {
			std::vector<unsigned> idle;
			unsigned i;

			/* Requeue what a failed queue left behind. */
			{
				std::lock_guard<std::mutex> l(c->lock);

				for (i = 0; i < c->slots.size(); i++)
					if (c->slots[i].state == SlotState::Idle)
						idle.push_back(i);
			}
			for (unsigned k : idle)
				(void)c->queue(k);
			{
				std::unique_lock<std::mutex> l(c->lock);
				auto ready = [c] { return !c->done.empty(); };

				if (timeout_ms < 0)
					c->cv.wait(l, ready);
				else if (!c->cv.wait_until(l, deadline, ready))
					return -ETIMEDOUT;
				i = c->done.front();
				c->done.pop_front();
				c->slots[i].state = SlotState::Out;
			}

			const Slot &s = c->slots[i];
			const FrameMetadata &md = s.buffer->metadata();

			if (md.status != FrameMetadata::FrameSuccess) {
				/* A dropped frame: give the buffer back to the sensor. */
				(void)c->queue(i);
				continue;
			}
			if (c->yuyv) {
				uint8_t *const out[3] = { s.conv, s.conv + c->conv_len[0],
							  c->nplanes == 3 ? s.conv + c->conv_len[0] + c->conv_len[1] : nullptr };

				if (tc_yuyv_to_420(s.plane[0], c->src_stride, s.plane_len[0], c->width, c->height,
						   c->fmt, out, c->stride) != 0) {
					(void)c->queue(i);
					return -EIO;
				}
				for (unsigned p = 0; p < 3; p++) {
					frame->plane[p] = out[p];
					frame->stride[p] = p < c->nplanes ? c->stride[p] : 0;
					frame->plane_len[p] = p < c->nplanes ? c->conv_len[p] : 0;
				}
			} else {
				for (unsigned p = 0; p < 3; p++) {
					frame->plane[p] = p < c->nplanes ? s.plane[p] : nullptr;
					frame->stride[p] = p < c->nplanes ? c->stride[p] : 0;
					frame->plane_len[p] = p < c->nplanes ? s.plane_len[p] : 0;
				}
			}
			frame->nplanes = c->nplanes;
			frame->width = c->width;
			frame->height = c->height;
			frame->fmt = c->fmt;
			frame->seq = c->seq++;
			frame->timestamp_ns = md.timestamp;
			*slot = i;
			return 0;
		}
	});
}

void
tc_lcshim_release(struct tc_lcshim_cam *c, unsigned slot)
{
	bool running;

	if (slot >= c->slots.size())
		return;
	if (c->yuyv) /* the converted frame goes before the buffer is reused */
		tc_zeroize(c->slots[slot].conv, c->conv_len[0] + c->conv_len[1] + c->conv_len[2]);
	{
		std::lock_guard<std::mutex> l(c->lock);
		running = c->running;
		c->slots[slot].state = SlotState::Idle;
	}
	/* A failed requeue leaves it Idle: the next take() tries again. */
	if (running)
		(void)c->queue(slot);
}

int
tc_lcshim_stop(struct tc_lcshim_cam *c)
{
	int err;

	{
		std::lock_guard<std::mutex> l(c->lock);
		c->running = false;
	}
	/* Cancelled requests complete synchronously, on this thread. */
	err = as_errno(c->cam->stop());
	{
		std::lock_guard<std::mutex> l(c->lock);
		for (Slot &s : c->slots)
			if (s.state != SlotState::Out)
				s.state = SlotState::Idle;
		c->done.clear();
	}
	return err;
}

void
tc_lcshim_close(struct tc_lcshim_cam *c)
{
	if (!c)
		return;
	c->cam->requestCompleted.disconnect(c);
	c->drop_pool();
	c->config.reset();
	c->cam->release();
	c->cam.reset();
	mgr_put();
	delete c;
}

} /* extern "C" */
