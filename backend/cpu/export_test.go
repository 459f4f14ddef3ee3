package cpu

// SpanValues lets the tests set spanValues, so that the conformance suite's
// small batches run the backward pass in many spans too.
var SpanValues = &spanValues
