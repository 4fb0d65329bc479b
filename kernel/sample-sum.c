// SPDX-License-Identifier: GPL-2.0
/* THROWAWAY SAMPLE for validating tests/kunit/run.sh */
#include "sample-sum.h"
u64 sample_sum(u64 a, u64 b) { return a + b; }
