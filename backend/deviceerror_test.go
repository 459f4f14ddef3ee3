package backend

import (
	"errors"
	"testing"
)

func TestRecover(t *testing.T) {
	cause := errors.New("cuda: launch failed")
	run := func(v any) (err error) {
		defer Recover(&err)
		if v != nil {
			panic(v)
		}
		return nil
	}
	if err := run(&DeviceError{cause}); !errors.Is(err, cause) {
		t.Errorf("a DeviceError panic gave %v, want %v", err, cause)
	}
	if err := run(nil); err != nil {
		t.Errorf("no panic gave %v", err)
	}
	defer func() {
		if r := recover(); r != "a bug" {
			t.Errorf("another panic came out as %v", r)
		}
	}()
	run("a bug")
	t.Error("another panic was swallowed")
}
