// emu_kernels.h: the emulator's table of kernels (emu_kernels.cc fills it;
// emu_runtime.cc launches from it). Each entry knows its parameters' kinds,
// so that a launch checks the holders as the GPU cannot: their number, a
// pointer inside device memory or NULL, a 4-byte value with nothing above
// it.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

namespace emu {

enum ArgKind { ARG_POINTER, ARG_4, ARG_8 };

// Kernel is one entry of the table.
struct Kernel {
	const char *name;
	int arity;
	const ArgKind *kinds;
	void (*fn)();                                  // the kernel, its type erased
	void (*invoke)(void (*fn)(), const uint64_t *holders); // calls fn with the holders' values
};

extern const Kernel kernels[];
extern const int num_kernels;

template <typename T> constexpr ArgKind kind_of()
{
	if constexpr (std::is_pointer_v<T>)
		return ARG_POINTER;
	else if constexpr (sizeof(T) == 4)
		return ARG_4;
	else
		return ARG_8;
}

template <typename... A> struct signature {
	static constexpr ArgKind kinds[] = {kind_of<A>()...};
};

// arg reads a parameter of type T from the low bytes of its holder, as the
// driver reads each parameter's own size from its pointer.
template <typename T> T arg(const uint64_t *h)
{
	T v;
	std::memcpy(&v, h, sizeof(T));
	return v;
}

template <typename... A, std::size_t... I>
void call(void (*f)(A...), const uint64_t *h, std::index_sequence<I...>)
{
	f(arg<A>(h + I)...);
}

template <typename... A> void invoke(void (*fn)(), const uint64_t *h)
{
	call(reinterpret_cast<void (*)(A...)>(fn), h, std::index_sequence_for<A...>{});
}

template <typename... A> constexpr Kernel entry(const char *name, void (*f)(A...))
{
	return Kernel{name, sizeof...(A), signature<A...>::kinds, reinterpret_cast<void (*)()>(f), invoke<A...>};
}

} // namespace emu

#define EMU_KERNEL(f) emu::entry(#f, f)
