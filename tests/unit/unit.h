/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * A minimal test harness. Each check prints its file and line on failure;
 * each test prints "ok - NAME" or "not ok - NAME", which tests/run.sh counts.
 *
 *   static void test_thing(void) { CHECK_EQ(1 + 1, 2); }
 *   int main(void) { RUN(test_thing); return unit_done(); }
 */
#ifndef PF_UNIT_H
#define PF_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_failed_checks; /* in the current test */
static int unit_failed_tests;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			unit_failed_checks++;                                                      \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long _a = (long long)(a), _b = (long long)(b);                                \
		if (_a != _b) {                                                                    \
			fprintf(stderr, "  %s:%d: %s == %lld, expected %s == %lld\n", __FILE__,    \
				__LINE__, #a, _a, #b, _b);                                         \
			unit_failed_checks++;                                                      \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *_a = (a), *_b = (b);                                                   \
		if (!_a || !_b || strcmp(_a, _b)) {                                                \
			fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__,      \
				__LINE__, #a, _a ? _a : "(null)", _b ? _b : "(null)");             \
			unit_failed_checks++;                                                      \
		}                                                                                  \
	} while (0)

#define RUN(fn)                                                                                    \
	do {                                                                                       \
		unit_failed_checks = 0;                                                            \
		fn();                                                                              \
		if (unit_failed_checks) {                                                          \
			printf("not ok - %s\n", #fn);                                              \
			unit_failed_tests++;                                                       \
		} else {                                                                           \
			printf("ok - %s\n", #fn);                                                  \
		}                                                                                  \
		fflush(stdout);                                                                    \
	} while (0)

static inline int unit_done(void)
{
	return unit_failed_tests ? 1 : 0;
}

#endif /* PF_UNIT_H */
