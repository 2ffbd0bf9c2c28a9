"""fuzz_target: one libFuzzer target and the CI replay of its seed corpus.

fuzz_target(name = "x_fuzzer", deps = [...]) makes, from x_fuzzer.cc (which
defines LLVMFuzzerTestOneInput):

  x_fuzzer              a cc_binary. Built by scripts/fuzz.sh (clang,
                        --config=fuzz, which sets --define=fuzz=libfuzzer) it
                        is a libFuzzer binary; in any other build it is the
                        same code with replay_main.cc, a plain program that
                        runs the files it is given.
  x_fuzzer_corpus_test  a cc_test that replays testdata/fuzz/x/ (every seed
                        and every crash found so far) with replay_main.cc,
                        so CI checks the corpus under gcc and --config=asan.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library", "cc_test")

def fuzz_target(name, deps):
    corpus_name = name[:-len("_fuzzer")] if name.endswith("_fuzzer") else name
    corpus = "//testdata/fuzz:" + corpus_name
    cc_library(
        name = name + "_lib",
        srcs = [name + ".cc"],
        deps = deps + [":fuzz_check"],
        alwayslink = True,
        visibility = ["//visibility:private"],
    )
    cc_binary(
        name = name,
        deps = [":" + name + "_lib"] + select({
            ":libfuzzer": [],
            "//conditions:default": [":replay_main"],
        }),
        linkopts = select({
            ":libfuzzer": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
    )
    cc_test(
        name = name + "_corpus_test",
        size = "small",
        args = ["$(rootpaths %s)" % corpus],
        data = [corpus],
        deps = [
            ":" + name + "_lib",
            ":replay_main",
        ],
    )
