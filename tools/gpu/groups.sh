#!/bin/sh
# groups.sh: the conformance suite's groups for tools/gpu/run.sh, one a
# line: NAME TEST_RUN_PATTERN. Each runs in a process of its own on the
# GPU, so that a kernel fault, a poisoned context or a hung grid barrier
# costs one group. The LSTM cases are read from backendtest's table, so a
# new case gets its own group. Run from the repository root.
set -eu
echo "host ^(TestPTXMatchesSource|TestPackArgs|TestPlans|TestBarrierLayout|TestGrids|TestLSTMOperandChecks)\$"
echo "ops ^TestConformance\$/^(Buffer|Panics|SwapAxes01|Linear|CrossEntropy|Dropout|SumSquares|Scale|Adam)\$"
echo "resident ^TestResident\$"
sed -n 's/^[[:space:]]*{name: "\([A-Za-z0-9]*\)", shape: backend.LSTMShape.*/\1/p' backend/backendtest/lstm.go |
	while read -r c; do echo "lstm-$c ^TestConformance\$/^LSTM\$/^$c\$"; done
