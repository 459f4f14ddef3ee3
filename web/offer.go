//go:build !wasm

package web

import (
	"fmt"

	"github.com/lstm-digits/lstm-digits/digit"
	"github.com/lstm-digits/lstm-digits/mnist"
)

// OfferMNIST makes the site offer all of MNIST to the page's training
// runs: files are the four MNIST files gzip-compressed, in mnist.FileNames'
// order (mnist.ReadPublished), served under digit.MNISTDir as they are, for
// the training worker to fetch when a visitor asks for them, and to keep in
// the browser's cache. Without it the page trains on the shipped subset
// alone, and says so to a visitor who asks for more.
func (s *Site) OfferMNIST(files [][]byte) error {
	names := mnist.FileNames()
	if len(files) != len(names) {
		return fmt.Errorf("offering MNIST: %d files, want %d", len(files), len(names))
	}
	for i, name := range names {
		// Not compressed in transit: the worker checks the files as
		// published, and they do not compress further. Not in the HTTP
		// cache: data.js keeps them in Cache Storage.
		s.assets[digit.MNISTDir+name] = asset{body: files[i], contentType: "application/gzip", noStore: true}
	}
	return nil
}
