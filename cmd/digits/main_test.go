package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestExitCodes runs command lines and checks the exit code and that a
// failure is one line on stderr that says what is wrong.
func TestExitCodes(t *testing.T) {
	cases := []struct {
		args       []string
		code       int
		stdout     string // substring of stdout
		stderrLine string // substring of the single stderr line
	}{
		{nil, 0, "Commands:", ""},
		{[]string{"help"}, 0, "demo", ""},
		{[]string{"frobnicate"}, exitUsage, "", `unknown command "frobnicate"`},
		{[]string{"bench", "--bogus"}, exitUsage, "", "flag provided but not defined: -bogus"},
		{[]string{"bench", "--batch", "x"}, exitUsage, "", `invalid value "x"`},
		{[]string{"bench", "--batch", "0"}, exitUsage, "", "must be positive"},
		{[]string{"bench", "extra"}, exitUsage, "", `unexpected argument "extra"`},
		{[]string{"bench", "--device", "tpu"}, exitUsage, "", `unknown device "tpu"`},
		{[]string{"bench", "--device", "cuda"}, exitFailure, "", "no CUDA backend: build one with make cuda"},
		{[]string{"train", "--device", "cuda"}, exitFailure, "", "no CUDA backend: build one with make cuda"},
		{[]string{"demo", "--help"}, 0, "Examples:", ""},
		{[]string{"demo", "--steps", "3", "--batch", "4", "--hidden", "8", "--every", "1"}, 0, "step    3/3  loss", ""},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d (stderr %q)", code, tc.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.stdout) {
				t.Fatalf("stdout %q does not contain %q", stdout.String(), tc.stdout)
			}
			errText := stderr.String()
			if tc.stderrLine == "" {
				if errText != "" {
					t.Fatalf("unexpected stderr %q", errText)
				}
				return
			}
			if !strings.Contains(errText, tc.stderrLine) || strings.Count(errText, "\n") != 1 {
				t.Fatalf("stderr %q: want one line containing %q", errText, tc.stderrLine)
			}
		})
	}
}

func TestInterruptedDemo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"demo", "--hidden", "4"}, &stdout, &stderr); code != exitInterrupted {
		t.Fatalf("exit code %d, want %d", code, exitInterrupted)
	}
}

func TestBenchJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"bench", "--json", "--batch", "2", "--seconds", "0.01"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr.String())
	}
	var r map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("bench --json printed %q: %v", stdout.String(), err)
	}
	for _, k := range []string{"device", "threads", "train_samples_per_sec", "infer_ms", "infer_samples_per_sec"} {
		if v, ok := r[k]; !ok || v == 0.0 {
			t.Fatalf("bench --json lacks a value for %q: %v", k, r)
		}
	}
}
