// FUZZ_CHECK(cond): a property a fuzz target asserts about what it parsed.
// When it does not hold the target prints it and aborts, which libFuzzer
// (and the corpus replay) report as a crash with the input that caused it.

#ifndef STOWAGE_FUZZ_FUZZ_CHECK_H_
#define STOWAGE_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                   \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__,     \
                   __LINE__, #cond);                                       \
      std::abort();                                                        \
    }                                                                      \
  } while (false)

#endif  // STOWAGE_FUZZ_FUZZ_CHECK_H_
