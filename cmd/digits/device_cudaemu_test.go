//go:build cudaemu

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// These tests run digits on the CUDA backend's emulated device (make
// cuda-emu).

// TestBenchTakesTheDevicePath checks that digits bench --device cuda times
// the step digits train --device cuda takes: backend.Resident's, with the
// batch gathered on the device.
func TestBenchTakesTheDevicePath(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"bench", "--device", "cuda", "--batch", "2", "--seconds", "0.01", "--json"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var r benchResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if r.Path != "device" || !strings.Contains(r.Device, "emulated") || !(r.TrainSamplesPerSec > 0) {
		t.Errorf("bench on the emulated device: %+v, want the device path", r)
	}
}

// TestDeviceErrorIsOneLine checks that a driver error in the middle of a
// run (the emulator's injected launch failure) ends digits with a one-line
// error and exit code 1, not a panic.
func TestDeviceErrorIsOneLine(t *testing.T) {
	t.Setenv("CUDAEMU_FAIL_LAUNCH", "5")
	for _, args := range [][]string{
		{"bench", "--device", "cuda", "--batch", "2", "--seconds", "0.01"},
		{"eval", "--device", "cuda"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), args, &out, &errb)
		msg := errb.String()
		if code != exitFailure || strings.Count(strings.TrimSpace(msg), "\n") != 0 ||
			!strings.HasPrefix(msg, "digits "+args[0]+": cuda: ") || !strings.Contains(msg, "CUDA_ERROR_LAUNCH_FAILED") {
			t.Errorf("digits %s with a failing launch: exit %d, stderr %q", strings.Join(args, " "), code, msg)
		}
	}
}
