//go:build cudaemu

// emu_runtime.cc: the emulated device (build tag cudaemu): memory with a
// faulting page after each allocation, and launches whose CUDA threads are
// fibers scheduled on the calling OS thread (a stack each, switched by
// emu_switch below, with no system call). A block's threads
// run in a shuffled order until each reaches __syncthreads, exits or
// pauses (__nanosleep); the barrier opens when every thread of the block
// is there. Blocks of an ordinary launch run one after another in a
// shuffled order; those of a cooperative launch all at once, taking turns,
// so that the grid barrier's spinning thread lets the others run. Shared
// memory, static and dynamic, is filled with NaN before each block.

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "emu.h"
#include "emu_api.h"
#include "emu_kernels.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/common_interface_defs.h>
#endif

// emu_switch(save, sp) saves the callee-saved registers and the floating
// point control words on the running stack, stores its pointer in *save,
// and resumes the stack sp that an earlier emu_switch saved (or that
// new_stack prepared): the System V x86-64 ABI's part of a context.
extern "C" void emu_switch(void **save, void *sp);
asm(R"(
	.text
	.globl emu_switch
	.hidden emu_switch
	.type emu_switch, @function
emu_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	subq $8, %rsp
	stmxcsr (%rsp)
	fnstcw 4(%rsp)
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	ldmxcsr (%rsp)
	fldcw 4(%rsp)
	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
	.size emu_switch, .-emu_switch
)");

// The section of static __shared__ variables (emu.h), bounded by the
// symbols the linker defines for it.
extern "C" unsigned char __start_emu_shared[], __stop_emu_shared[];

namespace emu {

thread_local Fiber *current;
thread_local const Launch *launch;

namespace {

const size_t page = 4096;

#ifdef __SANITIZE_ADDRESS__
const size_t stack_size = 512 << 10;
#else
const size_t stack_size = 64 << 10;
#endif

// Guarded is memory mapped so that its last byte is followed by a page
// that faults: an access past the end stops the process there.
struct Guarded {
	unsigned char *base = nullptr; // the mapping
	size_t len = 0;                // of the mapping, guard included
	unsigned char *p = nullptr;    // the usable bytes, ending at the guard
	size_t size = 0;

	bool map(size_t bytes, size_t align)
	{
		size_t usable = (bytes + align - 1) / align * align;
		len = (usable + page - 1) / page * page + page;
		void *m = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (m == MAP_FAILED)
			return false;
		base = static_cast<unsigned char *>(m);
		mprotect(base + len - page, page, PROT_NONE);
		p = base + len - page - usable;
		size = bytes;
		return true;
	}
	void unmap()
	{
		if (base != nullptr)
			munmap(base, len);
		base = p = nullptr;
	}
};

void fail(char *err, size_t errlen, const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	vsnprintf(err, errlen, format, ap);
	va_end(ap);
}

// The live allocations, by address of their first byte.
std::mutex memory_mu;
std::map<uint64_t, Guarded> memory;

// inside says whether [p, p+bytes) lies in one allocation; the caller holds
// memory_mu.
bool inside(uint64_t p, size_t bytes)
{
	auto it = memory.upper_bound(p);
	if (it == memory.begin())
		return false;
	--it;
	return p + bytes <= it->first + it->second.size;
}

int check_range(uint64_t p, size_t bytes, char *err, size_t errlen, const char *what)
{
	std::lock_guard<std::mutex> lock(memory_mu);
	if (!inside(p, bytes)) {
		fail(err, errlen, "%s: %zu bytes at %#llx are not inside one allocation", what, bytes, (unsigned long long)p);
		return -1;
	}
	return 0;
}

enum State { RUNNABLE, AT_BARRIER, DONE };

struct Thread {
	Fiber f;
	void *sp;   // its stack pointer while it does not run
	void *fake; // AddressSanitizer's fake stack of the thread
	State state;
	int block;
	unsigned char *stack;
};

struct Block {
	uint3 idx;
	int first, n; // its threads in Run::threads
	int waiting = 0, done = 0;
	Guarded dynamic;                          // its dynamic shared memory
	std::vector<unsigned char> static_shared; // its static shared memory, while another block runs
};

// Run is one launch in progress on this OS thread.
struct Run {
	const Kernel *k;
	const uint64_t *holders;
	Launch launch;
	unsigned shared; // bytes of dynamic shared memory per block
	void *scheduler; // the scheduler's stack pointer while a thread runs
	std::vector<Thread> threads;
	std::vector<Block> blocks;
	Thread *cur = nullptr;
	bool progress = false; // a thread reached a barrier or its end
	std::mt19937_64 rng;
	std::string fault; // the first misaligned load, which fails the launch
};

thread_local Run *run;

// Stacks of fibers, reused across launches (per OS thread).
thread_local std::vector<unsigned char *> free_stacks;

unsigned char *take_stack()
{
	if (!free_stacks.empty()) {
		unsigned char *s = free_stacks.back();
		free_stacks.pop_back();
		return s;
	}
	void *m = mmap(nullptr, stack_size + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return nullptr;
	mprotect(m, page, PROT_NONE); // a stack overflow faults
	return static_cast<unsigned char *>(m) + page;
}

#ifdef __SANITIZE_ADDRESS__
// AddressSanitizer's view of the switches: the scheduler's stack, as the
// first switch to a thread reports it, and the scheduler's fake stack.
thread_local const void *scheduler_bottom;
thread_local size_t scheduler_size;
thread_local void *scheduler_fake;
#endif

// to_scheduler switches from the running thread to the scheduler.
void to_scheduler(Thread *t)
{
#ifdef __SANITIZE_ADDRESS__
	__sanitizer_start_switch_fiber(t->state == DONE ? nullptr : &t->fake, scheduler_bottom, scheduler_size);
#endif
	emu_switch(&t->sp, run->scheduler);
#ifdef __SANITIZE_ADDRESS__
	__sanitizer_finish_switch_fiber(t->fake, &scheduler_bottom, &scheduler_size);
#endif
}

// fiber_main is where a thread's stack starts: it runs the kernel, then
// leaves for good.
[[noreturn]] void fiber_main()
{
#ifdef __SANITIZE_ADDRESS__
	__sanitizer_finish_switch_fiber(nullptr, &scheduler_bottom, &scheduler_size);
#endif
	Thread *t = run->cur;
	run->k->invoke(run->k->fn, run->holders);
	t->state = DONE;
	run->blocks[t->block].done++;
	run->progress = true;
	to_scheduler(t);
	__builtin_trap(); // a finished thread is never resumed
}

// new_stack prepares a stack for emu_switch to resume at fiber_main, with
// the current floating point control words.
void *new_stack(unsigned char *stack)
{
	uintptr_t top = reinterpret_cast<uintptr_t>(stack + stack_size) & ~uintptr_t(15);
	void **sp = reinterpret_cast<void **>(top);
	*--sp = nullptr;                                  // fiber_main's return address: none
	*--sp = reinterpret_cast<void *>(fiber_main);     // where emu_switch returns to
	for (int i = 0; i < 6; i++)
		*--sp = nullptr; // rbp, rbx, r12-r15
	--sp;
	unsigned char *control = reinterpret_cast<unsigned char *>(sp);
	asm volatile("stmxcsr %0" : "=m"(*reinterpret_cast<uint32_t *>(control)));
	asm volatile("fnstcw %0" : "=m"(*reinterpret_cast<uint16_t *>(control + 4)));
	return sp;
}

void resume(Thread *t)
{
	run->cur = t;
	current = &t->f;
#ifdef __SANITIZE_ADDRESS__
	__sanitizer_start_switch_fiber(&scheduler_fake, t->stack, stack_size);
#endif
	emu_switch(&run->scheduler, t->sp);
#ifdef __SANITIZE_ADDRESS__
	__sanitizer_finish_switch_fiber(scheduler_fake, nullptr, nullptr);
#endif
}

size_t static_shared_size() { return __stop_emu_shared - __start_emu_shared; }

void fill_nan(unsigned char *p, size_t n) { memset(p, 0xff, n); } // NaN as float and double

// pass runs each runnable thread of block b once, in a shuffled order,
// and opens the barrier when all have reached it. It returns false, with
// a message, when the threads cannot all reach the same barrier.
bool pass(Block &b, std::vector<int> &order, char *err, size_t errlen)
{
	order.clear();
	for (int i = b.first; i < b.first + b.n; i++)
		if (run->threads[i].state == RUNNABLE)
			order.push_back(i);
	std::shuffle(order.begin(), order.end(), run->rng);
	for (int i : order)
		resume(&run->threads[i]);
	if (b.waiting > 0 && b.waiting + b.done == b.n) {
		if (b.done > 0) {
			fail(err, errlen, "block (%u,%u): %d of %d threads wait at a __syncthreads that the other %d exited without",
			     b.idx.x, b.idx.y, b.waiting, b.n, b.done);
			return false;
		}
		for (int i = b.first; i < b.first + b.n; i++)
			run->threads[i].state = RUNNABLE;
		b.waiting = 0;
		run->progress = true;
	}
	return true;
}

bool start_block(Block &b, int first, char *err, size_t errlen)
{
	const unsigned block = run->launch.block_dim.x, shared = run->shared;
	b.first = first;
	b.n = block;
	if (shared > 0) {
		if (!b.dynamic.map(shared, 16)) {
			fail(err, errlen, "cannot map %u bytes of shared memory", shared);
			return false;
		}
		fill_nan(b.dynamic.p, shared);
	}
	for (unsigned i = 0; i < block; i++) {
		Thread &t = run->threads[first + i];
		t.f = Fiber{uint3{i, 0, 0}, b.idx, b.dynamic.p};
		t.state = RUNNABLE;
		t.block = &b - run->blocks.data();
		t.stack = take_stack();
		if (t.stack == nullptr) {
			fail(err, errlen, "cannot map the stack of a thread");
			return false;
		}
		t.sp = new_stack(t.stack);
	}
	return true;
}

void end_block(Block &b)
{
	for (int i = b.first; i < b.first + b.n; i++) {
		if (run->threads[i].stack != nullptr)
			free_stacks.push_back(run->threads[i].stack);
		run->threads[i].stack = nullptr;
	}
	b.dynamic.unmap();
}

// A launch hangs when this many turns in a row let no thread reach a
// barrier or its end: the threads left only spin.
const int max_idle_turns = 100000;

bool run_blocks(bool cooperative, char *err, size_t errlen)
{
	std::vector<int> order;
	std::vector<int> blocks(run->blocks.size());
	for (size_t i = 0; i < blocks.size(); i++)
		blocks[i] = i;
	std::shuffle(blocks.begin(), blocks.end(), run->rng);
	const size_t ss = static_shared_size();
	if (!cooperative) {
		for (int bi : blocks) {
			Block &b = run->blocks[bi];
			fill_nan(__start_emu_shared, ss);
			if (!start_block(b, 0, err, errlen))
				return false;
			int idle = 0;
			while (b.done < b.n) {
				run->progress = false;
				if (!pass(b, order, err, errlen))
					return false;
				if (!run->progress && ++idle > max_idle_turns) {
					fail(err, errlen, "block (%u,%u) hangs: its threads spin with no other block alive (a grid barrier outside a cooperative launch?)", b.idx.x, b.idx.y);
					return false;
				}
				if (run->progress)
					idle = 0;
			}
			end_block(b);
		}
		return true;
	}
	int resident = -1, left = blocks.size(), idle = 0;
	for (Block &b : run->blocks)
		b.static_shared.assign(ss, 0xff);
	while (left > 0) {
		run->progress = false;
		for (int bi : blocks) {
			Block &b = run->blocks[bi];
			if (b.done == b.n)
				continue;
			if (resident != bi) { // give the block its own static shared memory
				if (resident >= 0)
					memcpy(run->blocks[resident].static_shared.data(), __start_emu_shared, ss);
				memcpy(__start_emu_shared, b.static_shared.data(), ss);
				resident = bi;
			}
			if (!pass(b, order, err, errlen))
				return false;
			if (b.done == b.n)
				left--;
		}
		idle = run->progress ? 0 : idle + 1;
		if (idle > max_idle_turns) {
			fail(err, errlen, "the cooperative launch hangs: every thread left spins");
			return false;
		}
	}
	return true;
}

} // namespace

void syncthreads()
{
	Thread *t = run->cur;
	t->state = AT_BARRIER;
	run->blocks[t->block].waiting++;
	run->progress = true;
	to_scheduler(t);
}

void yield() { to_scheduler(run->cur); }

void misaligned(const void *p, size_t align)
{
	if (!run->fault.empty())
		return;
	char msg[256];
	const uint3 b = run->cur->f.block_idx, t = run->cur->f.thread_idx;
	snprintf(msg, sizeof msg, "%s: block (%u,%u) thread %u loads %zu bytes at %p, not a multiple of %zu (misaligned address)",
	         run->k->name, b.x, b.y, t.x, align, p, align);
	run->fault = msg;
}

} // namespace emu

using namespace emu;

extern "C" int emu_alloc(size_t bytes, uint64_t *ptr, char *err, size_t errlen)
{
	Guarded g;
	if (bytes == 0) {
		fail(err, errlen, "allocation of 0 bytes");
		return -1;
	}
	if (!g.map(bytes, 16)) { // the driver aligns to 256 bytes; 16 keeps the guard within 3 floats of the end
		fail(err, errlen, "out of memory: %zu bytes", bytes);
		return -1;
	}
	fill_nan(g.p, bytes);
	*ptr = reinterpret_cast<uint64_t>(g.p);
	std::lock_guard<std::mutex> lock(memory_mu);
	memory[*ptr] = g;
	return 0;
}

extern "C" void emu_free(uint64_t ptr)
{
	std::lock_guard<std::mutex> lock(memory_mu);
	auto it = memory.find(ptr);
	if (it != memory.end()) {
		it->second.unmap();
		memory.erase(it);
	}
}

extern "C" int emu_check(uint64_t p, size_t bytes, char *err, size_t errlen)
{
	return check_range(p, bytes, err, errlen, "device range");
}

extern "C" int emu_upload(uint64_t dst, const void *src, size_t bytes, char *err, size_t errlen)
{
	if (check_range(dst, bytes, err, errlen, "upload") != 0)
		return -1;
	memcpy(reinterpret_cast<void *>(dst), src, bytes);
	return 0;
}

extern "C" int emu_download(void *dst, uint64_t src, size_t bytes, char *err, size_t errlen)
{
	if (check_range(src, bytes, err, errlen, "download") != 0)
		return -1;
	memcpy(dst, reinterpret_cast<const void *>(src), bytes);
	return 0;
}

extern "C" int emu_copy(uint64_t dst, uint64_t src, size_t bytes, char *err, size_t errlen)
{
	if (check_range(dst, bytes, err, errlen, "copy to") != 0 || check_range(src, bytes, err, errlen, "copy from") != 0)
		return -1;
	memmove(reinterpret_cast<void *>(dst), reinterpret_cast<const void *>(src), bytes);
	return 0;
}

extern "C" int emu_memset32(uint64_t dst, uint32_t v, size_t n, char *err, size_t errlen)
{
	if (check_range(dst, 4 * n, err, errlen, "memset") != 0)
		return -1;
	uint32_t *p = reinterpret_cast<uint32_t *>(dst);
	std::fill(p, p + n, v);
	return 0;
}

extern "C" int emu_kernel(const char *name)
{
	for (int i = 0; i < num_kernels; i++)
		if (strcmp(kernels[i].name, name) == 0)
			return i;
	return -1;
}

extern "C" int emu_launch(int k, unsigned gx, unsigned gy, unsigned block, unsigned shared, int cooperative,
                          const uint64_t *holders, int n, uint64_t seed, char *err, size_t errlen)
{
	if (k < 0 || k >= num_kernels) {
		fail(err, errlen, "no kernel %d", k);
		return -1;
	}
	const Kernel &kern = kernels[k];
	if (n != kern.arity) {
		fail(err, errlen, "%s takes %d parameters, launched with %d", kern.name, kern.arity, n);
		return -1;
	}
	{
		std::lock_guard<std::mutex> lock(memory_mu);
		for (int i = 0; i < n; i++) {
			uint64_t h = holders[i];
			if (kern.kinds[i] == ARG_POINTER && h != 0 && !inside(h, 0)) {
				fail(err, errlen, "%s: parameter %d, a pointer, is %#llx, outside device memory", kern.name, i, (unsigned long long)h);
				return -1;
			}
			if (kern.kinds[i] == ARG_4 && h >> 32 != 0) {
				fail(err, errlen, "%s: parameter %d, of 4 bytes, has a holder of %#llx (a pointer or an 8-byte value?)", kern.name, i, (unsigned long long)h);
				return -1;
			}
		}
	}
	if (gx == 0 || gy == 0 || block == 0 || block > 1024) {
		fail(err, errlen, "%s: grid %ux%u of %u threads", kern.name, gx, gy, block);
		return -1;
	}
	Run r;
	r.k = &kern;
	r.holders = holders;
	r.launch = Launch{uint3{gx, gy, 1}, uint3{block, 1, 1}};
	r.shared = shared;
	r.rng.seed(seed);
	size_t nblocks = size_t(gx) * gy;
	r.blocks.resize(nblocks);
	for (unsigned y = 0; y < gy; y++)
		for (unsigned x = 0; x < gx; x++)
			r.blocks[size_t(y) * gx + x].idx = uint3{x, y, 0};
	r.threads.resize(cooperative ? nblocks * block : block);
	Run *outer = run;
	const Launch *outer_launch = launch;
	run = &r;
	launch = &r.launch;
	bool ok = true;
	if (cooperative)
		for (size_t b = 0; b < nblocks && ok; b++)
			ok = start_block(r.blocks[b], b * block, err, errlen);
	ok = ok && run_blocks(cooperative, err, errlen);
	if (ok && !r.fault.empty()) {
		fail(err, errlen, "%s", r.fault.c_str());
		ok = false;
	}
	for (Block &b : r.blocks)
		if (b.n > 0)
			end_block(b);
	run = outer;
	launch = outer_launch;
	return ok ? 0 : -1;
}
