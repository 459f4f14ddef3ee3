package backend

// DropoutKeep reports whether dropout with probability p keeps value index
// of a buffer under the given seed. It is a counter-based generator (the
// SplitMix64 finaliser of seed and index), so every backend draws the same
// mask, in any order, without state, and the backward pass redraws the
// forward pass's mask from the seed alone.
func DropoutKeep(seed uint64, index int, p float32) bool {
	z := seed + (uint64(index)+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	u := float32(z>>40) / (1 << 24) // uniform in [0, 1) with 24 bits
	return u >= p
}
