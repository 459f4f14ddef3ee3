package web

// exampleStrokes is a handwritten-looking 7 in canvas pixels, for those
// who cannot draw with a pointer (the keyboard's E, the Example button).
func exampleStrokes() [][]point {
	corners := []point{{78, 72}, {150, 66}, {205, 70}, {170, 130}, {140, 185}, {122, 228}}
	var s []point
	for i := 0; i+1 < len(corners); i++ {
		a, b := corners[i], corners[i+1]
		for k := range 8 {
			f := float64(k) / 8
			s = append(s, point{a.x + f*(b.x-a.x), a.y + f*(b.y-a.y)})
		}
	}
	return [][]point{append(s, corners[len(corners)-1])}
}
