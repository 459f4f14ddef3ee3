//go:build cudaemu

package cuda

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/lstm-digits/lstm-digits/backend"
	"github.com/lstm-digits/lstm-digits/backend/backendtest"
)

// emulatedDevices are the geometries the conformance suite runs on: one
// that stages the recurrent weights in shared memory with several hidden
// units per block and a partial last block, and one whose shared memory
// holds so little that the weights are read from global memory and the
// rows of h and dA are staged a few sequences at a time.
var emulatedDevices = []struct {
	name        string
	sms, shared int
}{
	{"Staged", emuSMs, emuShared},
	{"Chunked", 3, 1 << 10},
}

// TestEmulatedConformance runs the conformance suite, the Resident suite
// included, on the emulated device: the backend's host code and kernels.cu
// against the CPU reference.
func TestEmulatedConformance(t *testing.T) {
	for _, g := range emulatedDevices {
		t.Run(g.name, func(t *testing.T) {
			be, err := newBackend(emulated(g.sms, g.shared, 1))
			if err != nil {
				t.Fatal(err)
			}
			backendtest.Run(t, be)
			t.Run("Resident", func(t *testing.T) { backendtest.RunResident(t, be) })
		})
	}
}

// launchFault launches one of emu_faults.cuh's kernels on a fresh emulated
// device, with out a buffer of n values, and returns out and the error.
// The extra arguments follow out; barrier stands for the device's grid
// barrier.
func launchFault(t *testing.T, name string, grid int, cooperative bool, n int, extra ...any) ([]float32, error) {
	t.Helper()
	be, err := newBackend(emulated(4, emuShared, 7))
	if err != nil {
		t.Fatal(err)
	}
	f, err := be.dev.function(name)
	if err != nil {
		t.Fatal(err)
	}
	out := be.New(n)
	for i, a := range extra {
		if a == barrier {
			extra[i] = be.bar
		}
	}
	h, err := packArgs(append([]any{ptr(out)}, extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	err = be.dev.launch(f, grid, 1, threads, 0, cooperative, h)
	v := make([]float32, n)
	be.Download(v, out)
	return v, err
}

// barrier is launchFault's placeholder for the grid barrier.
var barrier = struct{}{}

// TestEmulatorCatchesFaults checks that the emulator finds what it is for:
// a read that lacks its barrier reads the NaN of unwritten shared memory, a
// grid barrier hangs outside a cooperative launch and completes inside
// one, a barrier that only some threads reach fails, and so do a float4
// load from an address that is not a multiple of 16 and launches whose
// arguments do not fit the kernel's parameters.
func TestEmulatorCatchesFaults(t *testing.T) {
	v, err := launchFault(t, "fault_no_barrier", 2, false, 2*threads)
	if err != nil {
		t.Fatal(err)
	}
	nan := 0
	for _, x := range v {
		if x != x {
			nan++
		}
	}
	if nan == 0 {
		t.Error("fault_no_barrier read no NaN: the threads saw writes that no barrier ordered")
	}
	if _, err := launchFault(t, "fault_grid_sync", 3, false, 3*threads, barrier); err == nil || !strings.Contains(err.Error(), "hangs") {
		t.Errorf("a grid barrier outside a cooperative launch: error %v, want a hang", err)
	}
	v, err = launchFault(t, "fault_grid_sync", 3, true, 3*threads, barrier)
	if err != nil || slices.ContainsFunc(v, func(x float32) bool { return x != 1 }) {
		t.Errorf("a grid barrier in a cooperative launch: error %v, values %v…", err, v[:4])
	}
	if _, err := launchFault(t, "fault_divergent_barrier", 1, false, threads); err == nil || !strings.Contains(err.Error(), "exited without") {
		t.Errorf("a barrier half the threads reach: error %v", err)
	}
	if _, err := launchFault(t, "fault_misaligned", 1, false, 8); err == nil || !strings.Contains(err.Error(), "misaligned address") {
		t.Errorf("a misaligned float4 load: error %v", err)
	}
	if _, err := launchFault(t, "fault_no_barrier", 1, false, threads, 5); err == nil || !strings.Contains(err.Error(), "takes 1 parameters, launched with 2") {
		t.Errorf("a parameter too many: error %v", err)
	}
	if _, err := launchFault(t, "fault_out_of_bounds", 1, false, 4, barrier); err == nil || !strings.Contains(err.Error(), "of 4 bytes") {
		t.Errorf("a pointer for an int: error %v", err)
	}
	hostPtr := uintptr(unsafe.Pointer(&v[0]))
	if _, err := launchFault(t, "fault_grid_sync", 1, false, threads, hostPtr); err == nil || !strings.Contains(err.Error(), "outside device memory") {
		t.Errorf("a host pointer: error %v", err)
	}
	be, err := newBackend(emulated(4, emuShared, 7))
	if err != nil {
		t.Fatal(err)
	}
	f, _ := be.dev.function("fault_no_barrier")
	if err := be.dev.launch(f, 1, 1, threads, 64<<10, false, []uint64{0}); err == nil {
		t.Error("64 KB of dynamic shared memory without setMaxShared: no error")
	}
	if err := be.dev.launch(f, 4*emuSMs*8, 1, threads, 0, true, []uint64{0}); err == nil {
		t.Error("a cooperative launch of more blocks than can be resident: no error")
	}
}

// TestEmulatorGuardPage checks, in a child process, that a write one value
// past an allocation stops the process (the page after it faults).
func TestEmulatorGuardPage(t *testing.T) {
	if os.Getenv("CUDAEMU_FAULT_CHILD") == "1" {
		launchFault(t, "fault_out_of_bounds", 1, false, 4, 4)
		t.Fatal("fault_out_of_bounds wrote past its buffer and the process went on")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestEmulatorGuardPage$")
	cmd.Env = append(os.Environ(), "CUDAEMU_FAULT_CHILD=1")
	out, err := cmd.CombinedOutput()
	// SIGSEGV from Go's runtime, or SEGV from AddressSanitizer's handler in
	// a build with -asan.
	if err == nil || !strings.Contains(string(out), "SEGV") {
		t.Fatalf("a write past an allocation: %v, output:\n%s", err, out)
	}
}

// TestDeviceError checks that a driver error in the middle of a run (an
// injected launch failure) reaches the caller as a backend.DeviceError
// that names the operation, and that the staging of no integers and the
// occupancy cache work.
func TestDeviceError(t *testing.T) {
	t.Setenv("CUDAEMU_FAIL_LAUNCH", "2")
	be, err := New()
	if err != nil {
		t.Fatal(err)
	}
	x := be.New(4)
	be.Scale(x, 2) // launch 1
	err = func() (err error) {
		defer backend.Recover(&err)
		be.Scale(x, 2) // launch 2 fails
		return nil
	}()
	var de *backend.DeviceError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "launch scale") || strings.Contains(err.Error(), "\n") {
		t.Errorf("a failed launch gave %v, want a one-line DeviceError naming it", err)
	}
	if p := be.stageInts(nil); p != 0 {
		t.Errorf("stageInts(nil) = %#x, want 0", p)
	}
}

// TestOccupancyCached checks that the occupancy query of a persistent
// launch is asked once per kernel and shared memory size.
func TestOccupancyCached(t *testing.T) {
	be, err := New()
	if err != nil {
		t.Fatal(err)
	}
	s := backend.LSTMShape{T: 2, B: 2, Input: 3, Hidden: 4}
	a := &backend.LSTMForwardArgs{Shape: s, W: backend.LSTMWeights{Wih: be.New(16 * 3), Whh: be.New(16 * 4)},
		X: be.New(12), Y: be.New(16), LdY: 4, HN: be.New(8), CN: be.New(8)}
	be.LSTMForward(a)
	be.LSTMForward(a)
	p, _ := planForward(s.B, s.Hidden, s.HiddenOut(), be.sms, be.shared)
	if n, ok := be.occupancy[occupancyKey{"lstm_forward", p.Shared}]; !ok || n < 1 || len(be.occupancy) != 1 {
		t.Errorf("occupancy cache %v after two launches of lstm_forward with %d bytes", be.occupancy, p.Shared)
	}
}

// TestSplitSumsRepeat checks that the two-stage sums give the same bits
// whatever order their blocks run in: on emulated H200s (132 SMs) drawing
// different block and thread orders, a weight gradient of the seed
// model's size (LinearBackward's dyᵀ·x with k = T·B = 2,800, split along
// k), the column sums of those 2,800 rows (split in rows) and a sum of
// squares of the gradient, each also near its float64 value.
func TestSplitSumsRepeat(t *testing.T) {
	const n, in, out = 2800, 128, 512
	if g := planGemm(out, in, n, 132); g.Splits < 2 {
		t.Fatalf("planGemm does not split the weight gradient: %+v", g)
	}
	if _, splits := planRows(n); splits < 2 {
		t.Fatal("planRows does not split 2,800 rows")
	}
	r := rand.New(rand.NewPCG(1, 2))
	x, dy := make([]float32, n*in), make([]float32, n*out)
	for i := range x {
		x[i] = r.Float32()*2 - 1
	}
	for i := range dy {
		dy[i] = r.Float32()*2 - 1
	}
	var first []float32
	for _, seed := range []uint64{1, 2} {
		be, err := newBackend(emulated(132, emuShared, seed))
		if err != nil {
			t.Fatal(err)
		}
		xb, dyb, dw, db := be.New(n*in), be.New(n*out), be.New(out*in), be.New(out)
		be.Upload(xb, x)
		be.Upload(dyb, dy)
		be.LinearBackward(nil, dw, db, dyb, xb, nil, n, in, out)
		got := make([]float32, out*in+out+1)
		be.Download(got[:out*in], dw)
		be.Download(got[out*in:out*in+out], db)
		got[out*in+out] = be.SumSquares(dw)
		if first == nil {
			first = got
			checkSplitSums(t, got, x, dy, n, in, out)
			continue
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(first[i]) {
				t.Fatalf("seed %d: value %d is %v, with seed 1 %v: the sums depend on the block order", seed, i, got[i], first[i])
			}
		}
	}
}

// checkSplitSums compares TestSplitSumsRepeat's results (dw, db, Σ dw²)
// with float64 sums, within 1e-4 of the sum of the terms' magnitudes.
func checkSplitSums(t *testing.T, got, x, dy []float32, n, in, out int) {
	t.Helper()
	near := func(what string, got float32, want, scale float64) {
		if math.Abs(float64(got)-want) > 1e-4*scale {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	squares := 0.0
	for o := 0; o < out; o++ {
		s, sa := 0.0, 0.0
		for r := 0; r < n; r++ {
			s += float64(dy[r*out+o])
			sa += math.Abs(float64(dy[r*out+o]))
		}
		near(fmt.Sprintf("db[%d]", o), got[out*in+o], s, sa)
		for i := 0; i < in; i++ {
			s, sa := 0.0, 0.0
			for r := 0; r < n; r++ {
				p := float64(dy[r*out+o]) * float64(x[r*in+i])
				s, sa = s+p, sa+math.Abs(p)
			}
			near(fmt.Sprintf("dw[%d,%d]", o, i), got[o*in+i], s, sa)
			squares += float64(got[o*in+i]) * float64(got[o*in+i])
		}
	}
	near("Σ dw²", got[out*in+out], squares, squares)
}

// TestReleaseWaitsForAnOperation checks that a Buffer the GC collects is
// not freed by its cleanup, which may run while a driver call still uses
// its address, but by the next operation.
func TestReleaseWaitsForAnOperation(t *testing.T) {
	be, err := New()
	if err != nil {
		t.Fatal(err)
	}
	keep := be.New(4)
	be.New(1 << 10) // unreachable at once
	released := func() int {
		be.freedMu.Lock()
		defer be.freedMu.Unlock()
		return len(be.freed)
	}
	for i := 0; i < 200 && released() == 0; i++ {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
	if released() == 0 {
		t.Fatal("the GC ran no cleanup of an unreachable buffer")
	}
	be.Zero(keep)
	if n := released(); n != 0 {
		t.Errorf("%d released allocations left after an operation", n)
	}
}
