package safetensors_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"log"

	"github.com/lstm-digits/lstm-digits/safetensors"
)

func Example() {
	tensors := []safetensors.Tensor{
		safetensors.Float32("weight", []int{2, 2}, []float32{1, 2, 3, 4}),
		safetensors.Int64("steps", nil, []int64{1000}), // a scalar
	}
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, map[string]string{"format": "pt"}, tensors); err != nil {
		log.Fatal(err)
	}

	f, err := safetensors.Parse(buf.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range f.Tensors {
		fmt.Println(t.Name, t.DType, t.Shape)
	}
	w, _ := f.Tensor("weight")
	values, err := w.Float32s()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(values, f.Metadata)
	// Output:
	// steps I64 []
	// weight F32 [2 2]
	// [1 2 3 4] map[format:pt]
}

func ExampleParse_error() {
	header := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`
	data := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	data = append(data, header...)
	data = append(data, 0, 0, 0x80, 0x3f)

	_, err := safetensors.Parse(data)
	fmt.Println(err)
	// Output:
	// safetensors: tensor "a": data_offsets [0,4) hold 4 bytes, want 8 for 2 elements of F32
}
