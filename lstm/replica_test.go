package lstm

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/lstm-digits/lstm-digits/backend/cpu"
	"github.com/lstm-digits/lstm-digits/backend/reference"
)

// goReplica is a Replica on a goroutine with its own classifier, as a Web
// Worker is one in the browser.
type goReplica struct {
	c    *Classifier
	done chan result
	fail error // returned by Wait instead of the share, when set
	grow bool  // send one gradient value too many
}

type result struct {
	s   Share
	err error
}

func newGoReplica(t *testing.T, cfg Config) *goReplica {
	t.Helper()
	c, err := NewClassifier(cpu.New(), cfg, 4, 99) // its own initial values: Start sets them
	if err != nil {
		t.Fatal(err)
	}
	return &goReplica{c: c}
}

func (r *goReplica) Start(params []float32, x Tensor, y []int, seed uint64) error {
	// Copy what Start must not keep, as a postMessage does.
	params = append([]float32(nil), params...)
	x = Tensor{Shape: x.Shape, Data: append([]float32(nil), x.Data...)}
	y = append([]int(nil), y...)
	r.done = make(chan result, 1)
	go func() {
		s, err := r.c.ShareGradient(params, x, y, seed)
		if r.grow {
			s.Grad = append(s.Grad, 0)
		}
		r.done <- result{s, err}
	}()
	return nil
}

func (r *goReplica) StartLogits(params []float32, x Tensor) error {
	params = append([]float32(nil), params...)
	x = Tensor{Shape: x.Shape, Data: append([]float32(nil), x.Data...)}
	r.done = make(chan result, 1)
	go func() {
		s, err := r.c.ShareLogits(params, x)
		if r.grow {
			s.Logits = append(s.Logits, 0)
		}
		r.done <- result{s, err}
	}()
	return nil
}

func (r *goReplica) Wait() (Share, error) {
	res := <-r.done
	if r.fail != nil {
		return Share{}, r.fail
	}
	return res.s, res.err
}

// TestReplicasShareTheGradient checks that a step spread over two replicas
// computes the gradient, loss and right answers of the whole batch done in
// one place, and then updates the parameters like it: on a batch of 10,
// and on batches of 2 and 1, too few for three shares (one replica takes
// a share, then none).
func TestReplicasShareTheGradient(t *testing.T) {
	cfg := Config{InputSize: 4, HiddenSize: 12, NumLayers: 2, Bias: true, BatchFirst: true}
	data := newToyBatches(10, 10, 6, 4, 3)
	batch := NewTensor(10, 6, 4)
	labels := make([]int, 10)
	if _, err := data.Batch(0, batch.Data, labels); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{10, 2, 1} {
		x := Tensor{Shape: []int{n, 6, 4}, Data: batch.Data[:n*6*4]}
		y := labels[:n]
		whole, err := NewClassifier(reference.New(), cfg, 4, 5)
		if err != nil {
			t.Fatal(err)
		}
		wholeOpt := NewAdam(whole.Params(), DefaultAdam())
		want, err := whole.TrainStep(x, y, wholeOpt, 0)
		if err != nil {
			t.Fatal(err)
		}

		shared, err := NewClassifier(reference.New(), cfg, 4, 5)
		if err != nil {
			t.Fatal(err)
		}
		replicas := []Replica{newGoReplica(t, cfg), newGoReplica(t, cfg)}
		got, err := shared.trainStep(x, y, NewAdam(shared.Params(), DefaultAdam()), 0, replicas, 7)
		if err != nil {
			t.Fatalf("batch of %d: %v", n, err)
		}
		if got.Correct != want.Correct || math.Abs(float64(got.Loss-want.Loss)) > 1e-6 || math.Abs(float64(got.GradNorm-want.GradNorm)) > 1e-6*float64(want.GradNorm) {
			t.Fatalf("batch of %d: shared step %+v, whole batch %+v", n, got, want)
		}
		for _, p := range whole.Params().List() {
			for _, view := range []struct {
				what string
				get  func(*Classifier) ([]float32, error)
			}{
				{"gradient", func(c *Classifier) ([]float32, error) { return c.Params().GetGrad(p.Name) }},
				{"value", func(c *Classifier) ([]float32, error) { return c.Params().Get(p.Name) }},
			} {
				a, _ := view.get(whole)
				b, _ := view.get(shared)
				for i := range a {
					if d := math.Abs(float64(a[i] - b[i])); d > 1e-6 {
						t.Fatalf("batch of %d: %s %s[%d]: shared %g, whole %g", n, view.what, p.Name, i, b[i], a[i])
					}
				}
			}
		}
	}
}

// replicaFault is a way the second of the tests' replicas fails: bad
// makes it fail, and want is part of the error that must follow.
type replicaFault struct {
	name string
	bad  func(*goReplica)
	want string
}

// replicaFaults lists an error of the replica's own and a share one value
// too long, whose error contains tooLong.
func replicaFaults(tooLong string) []replicaFault {
	return []replicaFault{
		{"error", func(r *goReplica) { r.fail = errors.New("worker crashed") }, "replica 2: worker crashed"},
		{"length", func(r *goReplica) { r.grow = true }, tooLong},
	}
}

// TestReplicaFailure checks that a replica's error, or a gradient of the
// wrong length, stops the step before the update, after every started
// share is collected.
func TestReplicaFailure(t *testing.T) {
	cfg := Config{InputSize: 4, HiddenSize: 6, NumLayers: 1, Bias: true, BatchFirst: true}
	data := newToyBatches(9, 9, 5, 4, 3)
	x := NewTensor(9, 5, 4)
	y := make([]int, 9)
	if _, err := data.Batch(0, x.Data, y); err != nil {
		t.Fatal(err)
	}
	for _, tc := range replicaFaults("replica 2 sent 317 gradient values for a model of 316") {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClassifier(cpu.New(), cfg, 4, 5)
			if err != nil {
				t.Fatal(err)
			}
			before := make([]float32, c.Params().Count())
			c.be.Download(before, c.Params().Value)
			r1, r2, r3 := newGoReplica(t, cfg), newGoReplica(t, cfg), newGoReplica(t, cfg)
			tc.bad(r2)
			_, err = c.trainStep(x, y, NewAdam(c.Params(), DefaultAdam()), 0, []Replica{r1, r2, r3}, 1)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			after := make([]float32, c.Params().Count())
			c.be.Download(after, c.Params().Value)
			for i := range before {
				if before[i] != after[i] {
					t.Fatalf("parameter %d changed by a failed step", i)
				}
			}
			for i, r := range []*goReplica{r1, r2, r3} {
				if len(r.done) != 0 {
					t.Fatalf("replica %d's share was not collected", i+1)
				}
			}
		})
	}
}

// TestTrainerWithReplicasLearns checks a whole run with replicas.
func TestTrainerWithReplicasLearns(t *testing.T) {
	tr := toyTrainer(t)
	tr.Config.Epochs = 10
	cfg := tr.Model.Config()
	tr.Replicas = []Replica{newGoReplica(t, cfg)}
	test := newToyBatches(100, 50, 6, 4, 2)
	if err := tr.Run(context.Background(), newToyBatches(400, 16, 6, 4, 1), nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	ev, err := tr.Model.Evaluate(context.Background(), test)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Accuracy < 0.9 {
		t.Fatalf("test accuracy %.2f after training with a replica, want > 0.9", ev.Accuracy)
	}
}

// TestReplicasShareTheEvaluation checks that an evaluation spread over
// two replicas gives the evaluation done in one place, on batches of 7
// and a last one of 2 (shared by one replica only), and that a replica's
// error or a wrong number of logits fails it.
func TestReplicasShareTheEvaluation(t *testing.T) {
	cfg := Config{InputSize: 4, HiddenSize: 8, NumLayers: 2, Bias: true, BatchFirst: true}
	data := newToyBatches(30, 7, 5, 4, 3)
	c, err := NewClassifier(cpu.New(), cfg, 4, 5)
	if err != nil {
		t.Fatal(err)
	}
	want, err := c.Evaluate(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.evaluate(context.Background(), data, []Replica{newGoReplica(t, cfg), newGoReplica(t, cfg)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Samples != want.Samples || got.Accuracy != want.Accuracy || math.Abs(got.Loss-want.Loss) > 1e-6 {
		t.Fatalf("shared evaluation %+v, in one place %+v", got, want)
	}
	for i := range want.Confusion {
		for j := range want.Confusion[i] {
			if got.Confusion[i][j] != want.Confusion[i][j] {
				t.Fatalf("confusion[%d][%d]: shared %d, in one place %d", i, j, got.Confusion[i][j], want.Confusion[i][j])
			}
		}
	}
	for _, tc := range replicaFaults("replica 2 sent 13 logits for 3 samples of 4 classes") {
		r2 := newGoReplica(t, cfg)
		tc.bad(r2)
		_, err := c.evaluate(context.Background(), data, []Replica{newGoReplica(t, cfg), r2})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one with %q", tc.name, err, tc.want)
		}
	}
}
