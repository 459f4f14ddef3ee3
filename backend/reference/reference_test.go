package reference_test

import (
	"testing"

	"github.com/lstm-digits/lstm-digits/backend/backendtest"
	"github.com/lstm-digits/lstm-digits/backend/reference"
)

// TestConformance runs the conformance suite on the reference: against
// itself that checks little, but the suite's properties (finite-difference
// gradients, padding and batch independence, accumulation, untouched
// inputs) and its float64 transcriptions hold it to the math.
func TestConformance(t *testing.T) { backendtest.Run(t, reference.New()) }

// TestResident runs the Resident suite on the reference, whose device is
// the host.
func TestResident(t *testing.T) { backendtest.RunResident(t, reference.New()) }
