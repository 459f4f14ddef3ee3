package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// writePlots draws loss.png and accuracy.png in dir from its metrics.jsonl,
// each written to a temporary file and renamed into place.
func writePlots(dir string) error {
	f, err := os.Open(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		return err
	}
	defer f.Close()
	var trainLoss, testLoss, trainAcc, testAcc plotter.XYs
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m epochMetrics
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return fmt.Errorf("metrics.jsonl: %w", err)
		}
		x := float64(m.Epoch)
		trainLoss = append(trainLoss, plotter.XY{X: x, Y: m.TrainLoss})
		testLoss = append(testLoss, plotter.XY{X: x, Y: m.TestLoss})
		trainAcc = append(trainAcc, plotter.XY{X: x, Y: 100 * m.TrainAccuracy})
		testAcc = append(testAcc, plotter.XY{X: x, Y: 100 * m.TestAccuracy})
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if err := savePlot(filepath.Join(dir, "loss.png"), "Loss", "cross-entropy", "train", trainLoss, "test", testLoss); err != nil {
		return err
	}
	return savePlot(filepath.Join(dir, "accuracy.png"), "Accuracy", "%", "train", trainAcc, "test", testAcc)
}

// savePlot draws the named lines against the epoch and saves a PNG.
func savePlot(path, title, yLabel string, lines ...any) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = yLabel
	p.Add(plotter.NewGrid())
	if err := plotutil.AddLinePoints(p, lines...); err != nil {
		return err
	}
	tmp := path + ".tmp.png"
	if err := p.Save(6*vg.Inch, 4*vg.Inch, tmp); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}
