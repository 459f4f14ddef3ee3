// Package backendtest is the conformance suite of backend.Backend: the
// tests every compute backend runs, as every BLAS runs gonum's testblas.
//
// A backend's own tests call Run:
//
//	func TestConformance(t *testing.T) { backendtest.Run(t, mybackend.New()) }
//
// and a new backend is done when Run passes on it. A backend that also
// implements backend.Resident (training wholly on its device) runs
// RunResident as well: the gather of a batch from the uploaded bytes,
// exact against the host's byte/255, the loss with its count of right
// answers (ties included), and the squared norm written to a buffer, on
// views with NaN around them. backend/reference, the plain definition,
// implements it too, its device the host. Run has a subtest per
// operation, and for the LSTM per case and check, so that
// go test -run 'TestConformance/LSTM/PrimesProj/FiniteDifferences' reruns
// one. Inputs are drawn from generators seeded by the test's name, so a
// failure reproduces.
//
// Each operation is checked in two ways.
//
// Agreement with the reference, backend/reference, which shares no code
// with the fast backends: on the same random inputs, every output and
// gradient must be within 1e-4·max(1, max|reference|) of the reference's.
//
// Properties of a correct backend, which a wrong reference fails as well,
// so that the suite means something when run on backend/reference itself:
//
//   - Gradients against finite differences: the directional derivative of
//     LSTMBackward, LinearBackward and CrossEntropy's gradients, along
//     random directions and along the gradient itself, must match a central
//     difference of the loss they differentiate, computed with the
//     backend's own forward pass (for the LSTM, Σ Y·DY + Σ HN·DHN +
//     Σ CN·DCN, with respect to X, H0, C0 and every weight).
//   - Inputs are left unchanged. Gradients documented as accumulated (DX
//     and DW of LSTMBackward, dw and db of LinearBackward) are added to;
//     every other output (HN, CN, Reserve, DH0, DC0, Linear's y and dx,
//     CrossEntropy's loss and dlogits, Dropout's and SwapAxes01's dst) is
//     written without being read: it starts as NaN.
//   - Strided output: with LdY > Out, Y's buffer outside each row's
//     [0, Out) window is left untouched, DY's is not read (NaN there), and
//     the results are those with LdY = Out. Y and DY are also views at an
//     offset, as the reverse direction of a bidirectional layer has them.
//   - Variable lengths: Y and DX are exactly zero at padding steps; what X
//     and DY hold there changes nothing; each sequence run alone with T =
//     its length (so a reverse layer starts at its own last step) gives the
//     same output rows, final state and input gradients as in the batch,
//     and the weight gradients of the sequences alone sum to the batch's.
//     Without lengths that is batch independence.
//   - Nil H0 and C0 mean zeros; a forward pass without Reserve (inference)
//     gives the same output.
//   - CrossEntropy agrees with a float64 log-softmax and its gradient's rows
//     sum to zero; Adam agrees, step after step, with a float64
//     transcription of torch.optim.Adam within 1e-6 of each tensor's
//     largest value; Dropout follows backend.DropoutKeep's mask exactly, is
//     the identity for p = 0, keeps 1-p of the values (±1%), repeats with
//     the same seed, works in place and on views; SwapAxes01 is a
//     permutation that swapping back undoes; SumSquares is within 1e-5 of
//     a float64 sum and Scale is one float32 product per value, on views
//     too; buffers carry every float32 bit for bit, views share memory with
//     their buffer, and Slice panics out of range.
//
// The LSTM table covers odd and prime sizes (T 13, B 3, Input 7, Hidden 11,
// Proj 5), batch 1, T = 1 and T ≥ 50, the seed model's first layer, and
// every option: bias, projection, Reverse, Lengths (with sequences of
// length 1 and T), H0 and C0, LdY > Out, DHN and DCN, and nil DX, DH0 and
// DC0. The whole suite takes well under a second on backend/cpu, a few
// seconds under WebAssembly.
package backendtest

import (
	"testing"

	"github.com/lstm-digits/lstm-digits/backend"
	"github.com/lstm-digits/lstm-digits/backend/reference"
)

// Run checks be against the reference (backend/reference) and against the properties every
// backend must have (see the package documentation), in subtests named
// after the operations.
func Run(t *testing.T, be backend.Backend) {
	ref := reference.New()
	t.Run("Buffer", func(t *testing.T) { testBuffer(t, be) })
	t.Run("Panics", func(t *testing.T) { testPanics(t, be) })
	t.Run("SwapAxes01", func(t *testing.T) { testSwapAxes01(t, be, ref) })
	t.Run("Linear", func(t *testing.T) { testLinear(t, be, ref) })
	t.Run("CrossEntropy", func(t *testing.T) { testCrossEntropy(t, be, ref) })
	t.Run("Dropout", func(t *testing.T) { testDropout(t, be, ref) })
	t.Run("SumSquares", func(t *testing.T) { testSumSquares(t, be, ref) })
	t.Run("Scale", func(t *testing.T) { testScale(t, be, ref) })
	t.Run("Adam", func(t *testing.T) { testAdam(t, be, ref) })
	t.Run("LSTM", func(t *testing.T) { testLSTM(t, be, ref) })
}
