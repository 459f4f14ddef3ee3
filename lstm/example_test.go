package lstm_test

import (
	"fmt"

	"github.com/lstm-digits/lstm-digits/backend/cpu"
	"github.com/lstm-digits/lstm-digits/lstm"
)

// The README's example: the seed's LSTM over a batch of 3 images read as
// 28 rows of 28 pixels, forward and backward.
func ExampleLSTM_Forward() {
	m, err := lstm.New(cpu.New(), lstm.Config{InputSize: 28, HiddenSize: 128, NumLayers: 2, Bias: true, BatchFirst: true}, 1)
	if err != nil {
		panic(err)
	}
	x := lstm.NewTensor(3, 28, 28) // [B, T, 28]
	res, err := m.Forward(x, nil, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("output", res.Output.Shape, "h_n", res.Final.H.Shape, "c_n", res.Final.C.Shape)

	dOutput := lstm.NewTensor(res.Output.Shape...)
	dOutput.Data[len(dOutput.Data)-1] = 1 // d loss / d output: the last step's last unit
	grads, err := res.Backward(dOutput, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("input gradient", grads.Input.Shape, "h0 gradient", grads.Initial.H.Shape)
	fmt.Println("parameters", m.Params().Count()) // 4·128·(28+128+2) + 4·128·(128+128+2)
	// Output:
	// output [3 28 128] h_n [2 3 128] c_n [2 3 128]
	// input gradient [3 28 28] h0 gradient [2 3 128]
	// parameters 212992
}
