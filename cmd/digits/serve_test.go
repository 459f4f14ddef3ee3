package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeShutsDown checks that serve answers, then stops when its
// context ends.
func TestServeShutsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "ok")
		}))
	}()
	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "ok" {
		t.Errorf("body %q", body)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("serve returned %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestExportStaticUsage(t *testing.T) {
	var out, errOut strings.Builder
	if code := run(context.Background(), []string{"export-static"}, &out, &errOut); code != exitUsage {
		t.Errorf("export-static without a folder: exit %d, want %d", code, exitUsage)
	}
}

// TestServeDataFolder checks that a folder named by --data that does not
// hold the MNIST files is an error of one line, for serve and
// export-static alike, before anything is served or written.
func TestServeDataFolder(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"serve", "--addr", "127.0.0.1:0", "--data", dir},
		{"export-static", "--data", dir, filepath.Join(dir, "site")},
	} {
		var out, errOut strings.Builder
		code := run(context.Background(), args, &out, &errOut)
		msg := errOut.String()
		if code != 1 || !strings.Contains(msg, "no train-images-idx3-ubyte.gz") || strings.Count(msg, "\n") != 1 {
			t.Errorf("%q: exit %d, stderr %q; want 1 and one line saying the MNIST files are not there", args, code, msg)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "site")); err == nil {
		t.Error("export-static wrote the site though its --data folder is wrong")
	}
}
