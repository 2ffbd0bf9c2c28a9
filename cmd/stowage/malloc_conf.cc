// The stowage binary allocates with jemalloc (Debian's libjemalloc2), told
// here to back its memory with transparent huge pages.
//
// Why: a command over a large store fills tens of megabytes of new memory
// (the tags of a 50,000-tag index.json, a publish plan). Taking a page fault
// for every 4 kB of it was the largest single cost of a small incremental
// publish on the 2-core virtual machine the benchmarks run on (bench/
// RESULTS.md, "one tag moved": 0.23 s with glibc's malloc, 0.16 s with
// this). Debian's kernels offer huge pages to whoever asks (madvise mode);
// jemalloc asks for its own mappings when `thp:always` is set, which
// glibc's malloc does only under an environment variable.
//
// jemalloc reads this symbol once, before the first allocation; MALLOC_CONF
// in the environment still overrides it (e.g. MALLOC_CONF=thp:never).
// Tests link the libraries without this file, on glibc's malloc.
extern "C" {
// NOLINTNEXTLINE: the name is jemalloc's.
const char* malloc_conf = "thp:always,metadata_thp:auto";
}
