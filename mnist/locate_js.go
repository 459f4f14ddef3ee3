//go:build js

package mnist

import (
	"context"
	"errors"
)

// Locate returns an error under WebAssembly, which cannot run the go
// command that fetches the MNIST files: pass Load a folder that holds them.
func Locate(ctx context.Context) (string, error) {
	return "", errors.New("mnist: finding the MNIST files needs the go command, which WebAssembly cannot run: pass --data DIR, a folder holding the four MNIST files")
}
