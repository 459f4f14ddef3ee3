package cpu_test

import (
	"testing"

	"github.com/lstm-digits/lstm-digits/backend/backendtest"
	"github.com/lstm-digits/lstm-digits/backend/cpu"
)

// TestConformance runs the conformance suite on the reference backend.
func TestConformance(t *testing.T) { backendtest.Run(t, cpu.New()) }
