/* pt_test.h - what the unit tests share on top of cmocka. */
#ifndef PT_TEST_H
#define PT_TEST_H

#include <math.h>

/* cmocka before 1.1.6 has no assert_double_equal. */
#ifndef assert_double_equal
#define assert_double_equal(a, b, eps) do { \
		double pt_a_ = (a), pt_b_ = (b); \
		if (!(fabs(pt_a_ - pt_b_) <= (eps))) \
			fail_msg("%.9g != %.9g (within %g)", pt_a_, pt_b_, (double)(eps)); \
	} while (0)
#endif

#endif
