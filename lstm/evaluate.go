package lstm

import (
	"context"
	"math"
)

// Evaluation is how a classifier does on a labelled data set.
type Evaluation struct {
	Samples  int
	Loss     float64   // mean cross-entropy
	Accuracy float64   // fraction classified right
	PerClass []float64 // accuracy on each true class (NaN for a class with no samples)
	// Confusion[t][p] counts the samples of true class t predicted as p.
	Confusion [][]int
}

// Evaluate runs the classifier, in evaluation mode, over every batch of
// b in its own order.
func (c *Classifier) Evaluate(ctx context.Context, b Batcher) (*Evaluation, error) {
	return c.evaluate(ctx, b, nil)
}

// evaluate is Evaluate with each batch shared with replicas (none: all
// of it here), as a Trainer with replicas evaluates.
func (c *Classifier) evaluate(ctx context.Context, b Batcher, replicas []Replica) (*Evaluation, error) {
	var values []float32 // the parameters the replicas are sent
	if len(replicas) > 0 {
		values = make([]float32, c.params.Count())
		c.be.Download(values, c.params.Value)
	}
	C := c.NumClasses
	ev := &Evaluation{Confusion: make([][]int, C), PerClass: make([]float64, C)}
	for i := range ev.Confusion {
		ev.Confusion[i] = make([]int, C)
	}
	buf := newBatch(b, c.Config().InputSize)
	correct := 0
	for k := range b.Len() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		x, y, err := buf.read(b, k)
		if err != nil {
			return nil, err
		}
		var logits Tensor
		if shared := sharing(replicas, len(y)); len(shared) == 0 {
			logits, err = c.Logits(x)
		} else {
			logits, err = c.sharedLogits(x, values, shared)
		}
		if err != nil {
			return nil, err
		}
		for i, label := range y {
			row := logits.Data[i*C : (i+1)*C]
			p := Argmax(row)
			ev.Confusion[label][p]++
			if p == label {
				correct++
			}
			ev.Loss += logSumExp(row) - float64(row[label])
		}
		ev.Samples += len(y)
	}
	if ev.Samples > 0 {
		ev.Loss /= float64(ev.Samples)
		ev.Accuracy = float64(correct) / float64(ev.Samples)
	}
	for t, row := range ev.Confusion {
		total := 0
		for _, n := range row {
			total += n
		}
		ev.PerClass[t] = math.NaN()
		if total > 0 {
			ev.PerClass[t] = float64(row[t]) / float64(total)
		}
	}
	return ev, nil
}

// Softmax returns the probabilities of scores, computed in float64.
func Softmax(scores []float32) []float64 {
	lse := logSumExp(scores)
	p := make([]float64, len(scores))
	for i, s := range scores {
		p[i] = math.Exp(float64(s) - lse)
	}
	return p
}

// logSumExp returns log Σ exp(v), computed stably in float64.
func logSumExp(v []float32) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, float64(x))
	}
	var s float64
	for _, x := range v {
		s += math.Exp(float64(x) - m)
	}
	return m + math.Log(s)
}
