package backend

// DeviceError is the panic value with which a backend reports that its
// device failed in the middle of an operation: a GPU driver error, a lost
// device, a kernel that faulted. The Backend methods have no error results
// (on a working device they cannot fail, and a wrong operand is a bug that
// panics with a plain message), so a failure of the device itself travels
// as this panic to the command, which recovers it with Recover and reports
// it as a one-line error.
type DeviceError struct{ Err error }

// Error returns the failure's message.
func (e *DeviceError) Error() string { return e.Err.Error() }

// Unwrap returns the failure.
func (e *DeviceError) Unwrap() error { return e.Err }

// Recover, deferred, turns a DeviceError panic into *err and lets every
// other panic go on:
//
//	func run() (err error) {
//		defer backend.Recover(&err)
//		...
//	}
func Recover(err *error) {
	r := recover()
	if r == nil {
		return
	}
	if de, ok := r.(*DeviceError); ok {
		*err = de
		return
	}
	panic(r)
}
