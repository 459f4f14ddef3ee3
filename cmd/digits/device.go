package main

import (
	"flag"
	"fmt"

	"github.com/lstm-digits/lstm-digits/backend"
	"github.com/lstm-digits/lstm-digits/backend/cpu"
)

// deviceFlag adds the --device flag to fs.
func deviceFlag(fs *flag.FlagSet) *string {
	return fs.String("device", "cpu", "where to compute: cpu or cuda")
}

// openDevice returns the backend named by --device.
func openDevice(name string) (backend.Backend, error) {
	switch name {
	case "cpu":
		return cpu.New(), nil
	case "cuda":
		return openCUDA()
	}
	return nil, usageError{fmt.Sprintf("unknown device %q: want cpu or cuda", name)}
}
