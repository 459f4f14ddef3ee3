package backend

import "testing"

// TestReserveLayout checks that the reserve's parts follow one another
// with the sizes ReserveLayout documents.
func TestReserveLayout(t *testing.T) {
	for _, s := range []LSTMShape{
		{T: 3, B: 2, Input: 5, Hidden: 4},
		{T: 7, B: 1, Input: 2, Hidden: 6, Proj: 3},
	} {
		n, l := s.T*s.B, s.Reserve()
		want := ReserveLayout{Gates: 0, C: n * 4 * s.Hidden, H: n * 5 * s.Hidden, M: n * (5*s.Hidden + s.HiddenOut())}
		want.Len = want.M
		if s.Proj > 0 {
			want.Len += n * s.Hidden
		}
		if l != want {
			t.Errorf("%+v: layout %+v, want %+v", s, l, want)
		}
		if s.Proj > 0 && s.HiddenOut() != s.Proj || s.Proj == 0 && s.HiddenOut() != s.Hidden {
			t.Errorf("%+v: HiddenOut %d", s, s.HiddenOut())
		}
	}
}
