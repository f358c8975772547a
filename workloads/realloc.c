//go:build cgo

/* realloc: buffers that grow by doubling, the way a Rust Vec or String or a
 * C++ vector grows. Each thread keeps p.buffers buffers at different stages;
 * an op takes the next buffer in turn and either doubles it with realloc
 * or, once it has reached the largest size, frees it and starts a new one at
 * the smallest size. An op is one realloc (an allocation and the free of the
 * old block) or one free and malloc. realloc must keep the contents: the
 * first byte and the old last byte are checked after every call. */
#include "harness.h"

/* Buffers are tagged by slot and generation, not by address: realloc may
 * move them. */
static uint8_t buf_tag(uint32_t slot, uint32_t gen)
{
	return (uint8_t)(slot * 37u + gen * 101u + 1u);
}

static int grow_setup(ab_worker *w)
{
	ab_ctx *c = w->ctx;
	for (uint32_t k = 0; k < w->nslots; k++) {
		/* Stagger the stages so the buffers do not all grow in step. */
		uint64_t sz = c->p.min_size;
		for (uint32_t s = 0; s < k && sz * 2 <= c->p.max_size; s++)
			sz *= 2;
		void *p = w->a.malloc(sz);
		if (!p) {
			ab_fail(w, "malloc(%llu) returned NULL", (unsigned long long)sz);
			return -1;
		}
		w->lat[k] = 0; /* generation */
		ab_mark(p, sz, buf_tag(k, 0));
		w->slots[k] = p;
		w->sizes[k] = (uint32_t)sz;
		w->live += (int64_t)sz;
	}
	return 0;
}

static int grow_run(ab_worker *w)
{
	ab_ctx *c = w->ctx;
	void *(*ma)(size_t) = w->a.malloc;
	void (*fr)(void *) = w->a.free;
	void *(*re)(void *, size_t) = w->a.realloc;
	uint64_t ops = c->p.ops_per_thread, i;
	uint32_t k = 0, maxsz = (uint32_t)c->p.max_size, minsz = (uint32_t)c->p.min_size;
	for (i = 0; i < ops; i++) {
		void *p = w->slots[k];
		uint32_t sz = w->sizes[k];
		uint8_t tag = buf_tag(k, w->lat[k]);
		if (!ab_intact(p, sz, tag)) {
			ab_fail(w, "buffer %u (%p, %u bytes) lost its pattern", k, p, sz);
			break;
		}
		int sampled = ab_sampled(w, i);
		uint64_t t0 = sampled ? ab_ticks() : 0;
		if (sz < maxsz) {
			uint32_t nsz = sz > maxsz / 2 ? maxsz : sz * 2;
			void *q = re(p, nsz);
			if (sampled)
				ab_record(w, ab_ticks() - t0);
			if (!q) {
				ab_fail(w, "realloc(%p, %u) returned NULL", p, nsz);
				break;
			}
			const unsigned char *b = q;
			if (b[0] != tag || b[sz - 1] != (sz > 1 ? (uint8_t)~tag : tag)) {
				w->slots[k] = q;
				ab_fail(w, "realloc from %u to %u bytes did not keep the contents", sz, nsz);
				break;
			}
			ab_mark(q, nsz, tag);
			w->slots[k] = q;
			w->sizes[k] = nsz;
			w->live += (int64_t)nsz - (int64_t)sz;
		} else {
			fr(p);
			void *q = ma(minsz);
			if (sampled)
				ab_record(w, ab_ticks() - t0);
			if (!q) {
				w->slots[k] = NULL;
				ab_fail(w, "malloc(%u) returned NULL", minsz);
				break;
			}
			w->lat[k]++;
			ab_mark(q, minsz, buf_tag(k, w->lat[k]));
			w->slots[k] = q;
			w->sizes[k] = minsz;
			w->live += (int64_t)minsz - (int64_t)sz;
		}
		if (++k == w->nslots)
			k = 0;
		if ((i & 255) == 255) {
			ab_live_publish(w);
			if (ab_aborted(c)) {
				i++;
				break;
			}
		}
	}
	w->res.ops += i;
	w->res.frees += i;
	return w->res.failed ? -1 : 0;
}

static uint32_t grow_slots(const ab_params *p)
{
	return p->buffers;
}

AB_KERNEL(ab_realloc_kernel, "realloc") {
	.setup = grow_setup,
	.run = grow_run,
	.teardown = ab_slots_free,
	.slots = grow_slots,
};
