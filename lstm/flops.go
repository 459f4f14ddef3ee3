package lstm

// TrainFLOPs counts the floating-point operations of one training step
// (forward and backward) of the classifier on a batch of B sequences of T
// steps: the matrix products only, 2 per multiply-add, which is where all
// but a few percent of the work is. The backward pass of each product costs
// two products of the same size (the gradients of its two operands). For
// the seed model at batch 100 this is 3.54 GFLOP.
func (c *Classifier) TrainFLOPs(B, T int) float64 {
	return 3 * c.ForwardFLOPs(B, T)
}

// ForwardFLOPs counts the floating-point operations of the classifier's
// forward pass on B sequences of T steps, as TrainFLOPs does.
func (c *Classifier) ForwardFLOPs(B, T int) float64 {
	cfg := c.LSTM.cfg
	G, H, O := 4*cfg.HiddenSize, cfg.HiddenSize, cfg.HiddenOut()
	var perStep float64 // per sequence per time step, all layers and directions
	for k := range cfg.NumLayers {
		per := 2 * float64(G) * float64(cfg.layerInput(k)+O)
		if cfg.ProjSize > 0 {
			per += 2 * float64(H) * float64(O)
		}
		perStep += float64(cfg.Directions()) * per
	}
	head := 2 * float64(cfg.OutputSize()) * float64(c.NumClasses)
	return float64(B) * (float64(T)*perStep + head)
}
