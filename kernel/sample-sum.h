/* THROWAWAY SAMPLE for validating tests/kunit/run.sh */
#ifndef SAMPLE_SUM_H
#define SAMPLE_SUM_H
#include <linux/types.h>
u64 sample_sum(u64 a, u64 b);
#endif
