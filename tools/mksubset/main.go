// Command mksubset writes assets/mnist-subset.safetensors.gz, the MNIST
// subset the web app trains on in the browser: stratified samples of
// 10,000 training and 2,000 test images drawn with a fixed seed, so that
// `make subset` rewrites the same bytes.
//
// Usage: go run ./tools/mksubset [--data DIR] [--out FILE]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/lstm-digits/lstm-digits/digit"
	"github.com/lstm-digits/lstm-digits/mnist"
)

func main() {
	dir := flag.String("data", "", "folder of the MNIST files (default: the GoMNIST module)")
	out := flag.String("out", "assets/mnist-subset.safetensors.gz", "file to write")
	train := flag.Int("train", 10_000, "training images")
	test := flag.Int("test", 2_000, "test images")
	seed := flag.Uint64("seed", 1, "seed of the stratified draws")
	flag.Parse()
	if err := run(*dir, *out, *train, *test, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "mksubset:", err)
		os.Exit(1)
	}
}

func run(dir, out string, train, test int, seed uint64) error {
	var (
		data *mnist.Data
		err  error
	)
	if dir == "" {
		data, err = mnist.LoadDefault(context.Background())
	} else {
		data, err = mnist.Load(dir)
	}
	if err != nil {
		return err
	}
	file, err := digit.EncodeSubset(data.Train.Stratified(train, seed), data.Test.Stratified(test, seed), map[string]string{
		"source": "MNIST (LeCun, Cortes, Burges): stratified samples of the training and test sets",
		"seed":   strconv.FormatUint(seed, 10),
		"tool":   "go run ./tools/mksubset",
	})
	if err != nil {
		return err
	}
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, file, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}
