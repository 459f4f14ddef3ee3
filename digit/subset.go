package digit

import (
	"bytes"
	"compress/gzip"
	"fmt"

	"github.com/lstm-digits/lstm-digits/mnist"
	"github.com/lstm-digits/lstm-digits/safetensors"
)

// SubsetPath is where the web app serves the MNIST subset (EncodeSubset's
// format) to its training worker.
const SubsetPath = "/web/mnist-subset.safetensors.gz"

// MNISTDir is the folder where the web app serves all of MNIST, when its
// server offers it: the four files of mnist.FileNames, as published.
const MNISTDir = "/web/mnist/"

// Subset is what a run in the browser trains and tests on: the shipped
// subset of MNIST, or all of it (Settings.Data).
type Subset struct {
	Train, Test *mnist.Set
}

// maxData bounds the decompressed size of a data file: 64 MiB, room for
// 80,000 images, so that a hostile file cannot exhaust the page's memory.
const maxData = 64 << 20

// the tensor names of a data file.
const (
	trainImages = "train.images"
	trainLabels = "train.labels"
	testImages  = "test.images"
	testLabels  = "test.labels"
)

// EncodeSubset returns the data file of train and test: a gzip-compressed
// safetensors file whose U8 tensors train.images [n, 28, 28],
// train.labels [n], test.images and test.labels hold the sets, and whose
// metadata carries meta.
func EncodeSubset(train, test *mnist.Set, meta map[string]string) ([]byte, error) {
	var raw bytes.Buffer
	err := safetensors.Write(&raw, meta, []safetensors.Tensor{
		{Name: trainImages, DType: safetensors.U8, Shape: []int{train.Len(), mnist.Rows, mnist.Cols}, Data: train.Pixels},
		{Name: trainLabels, DType: safetensors.U8, Shape: []int{train.Len()}, Data: train.Labels},
		{Name: testImages, DType: safetensors.U8, Shape: []int{test.Len(), mnist.Rows, mnist.Cols}, Data: test.Pixels},
		{Name: testLabels, DType: safetensors.U8, Shape: []int{test.Len()}, Data: test.Labels},
	})
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	zw, err := gzip.NewWriterLevel(&out, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// DecodeSubset reads a data file written by EncodeSubset.
func DecodeSubset(file []byte) (*Subset, error) {
	raw, err := mnist.Gunzip(file, maxData)
	if err != nil {
		return nil, fmt.Errorf("data file: %w", err)
	}
	return ParseSubset(raw)
}

// ParseSubset reads a data file that is already decompressed (as the
// page's, which the browser decompresses off its thread).
func ParseSubset(raw []byte) (*Subset, error) {
	if len(raw) > maxData {
		return nil, fmt.Errorf("data file: %d bytes decompressed, over the limit of %d", len(raw), maxData)
	}
	f, err := safetensors.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("data file: %w", err)
	}
	set := func(images, labels string) (*mnist.Set, error) {
		im, ok := f.Tensor(images)
		lb, ok2 := f.Tensor(labels)
		if !ok || !ok2 {
			return nil, fmt.Errorf("data file: no tensors %s and %s", images, labels)
		}
		if im.DType != safetensors.U8 || lb.DType != safetensors.U8 {
			return nil, fmt.Errorf("data file: %s and %s must be U8, not %s and %s", images, labels, im.DType, lb.DType)
		}
		if len(im.Shape) != 3 || im.Shape[1] != mnist.Rows || im.Shape[2] != mnist.Cols || len(lb.Shape) != 1 || lb.Shape[0] != im.Shape[0] {
			return nil, fmt.Errorf("data file: %s is %v and %s %v, want [n %d %d] and [n]", images, im.Shape, labels, lb.Shape, mnist.Rows, mnist.Cols)
		}
		s, err := mnist.NewSet(im.Data, lb.Data)
		if err != nil {
			return nil, fmt.Errorf("data file: %s: %w", images, err)
		}
		return s, nil
	}
	train, err := set(trainImages, trainLabels)
	if err != nil {
		return nil, err
	}
	test, err := set(testImages, testLabels)
	if err != nil {
		return nil, err
	}
	if train.Len() == 0 || test.Len() == 0 {
		return nil, fmt.Errorf("data file: %d training and %d test images; it needs some of each", train.Len(), test.Len())
	}
	return &Subset{Train: train, Test: test}, nil
}
