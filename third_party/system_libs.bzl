"""Binds Debian's system libraries into Bazel through pkg-config.

`system_libs` is a repository rule: at fetch time it asks pkg-config for the
compile and link flags of each library stowage uses and writes one cc_library
per library into the generated repository. Nothing is downloaded or vendored;
a missing -dev package fails the fetch with the package to install.

How each library is linked matters for every command's start-up: on this
kind of machine each shared library costs about half a millisecond to load
and relocate, and a command as small as `stowage tag` must not spend tens of
milliseconds in the dynamic loader. So:
  "shared"   the default: -l flags as pkg-config gives them.
  "static"   linked from Debian's static archives (abseil: 39 small
             libraries, built position-independent, so they link into the
             PIE binary); its symbols are not shared with any other
             library in the process (none of the others uses abseil).
  "headers"  compile flags only; the program loads the library itself
             when it needs it (libcurl, whose two dozen dependencies cost
             about 35 ms of loading, is used only by `stowage search
             --site URL`: lib/http dlopens it).
"""

# name: (pkg-config modules, Debian package that ships them, link mode)
_LIBRARIES = {
    "abseil": ([
        "absl_status",
        "absl_statusor",
        "absl_strings",
        "absl_str_format",
        "absl_synchronization",
        "absl_time",
        "absl_raw_hash_set",
        "absl_hash",
    ], "libabsl-dev", "static"),
    "libarchive": (["libarchive"], "libarchive-dev"),
    "libcrypto": (["libcrypto"], "libssl-dev"),
    "rapidjson": (["RapidJSON"], "rapidjson-dev"),
    "cli11": (["CLI11"], "libcli11-dev"),
    "gtest": (["gtest", "gmock"], "libgtest-dev libgmock-dev"),
    "gtest_main": (["gmock_main", "gtest", "gmock"], "libgtest-dev libgmock-dev"),
    "cmark_gfm": (["libcmark-gfm"], "libcmark-gfm-dev libcmark-gfm-extensions-dev"),
    "libcurl_headers": (["libcurl"], "libcurl4-openssl-dev", "headers"),
    # The stowage binary's malloc (cmd/stowage/malloc_conf.cc says why).
    "jemalloc": (["jemalloc"], "libjemalloc-dev"),
    # Header-only, without a pkg-config module: the header must exist.
    "mustache": (["/usr/include/kainjow/mustache.hpp"], "libkainjow-mustache-dev"),
}

def _pkg_config(ctx, modules, package, mode):
    headers = [m for m in modules if m.startswith("/")]
    for h in headers:
        if not ctx.path(h).exists:
            fail("%s is missing: install Debian's %s (scripts/setup.sh does)." % (h, package))
    modules = [m for m in modules if not m.startswith("/")]
    if not modules:
        return []
    flags = {
        "shared": ["--cflags", "--libs"],
        "static": ["--cflags", "--libs", "--static"],
        "headers": ["--cflags"],
    }[mode]
    result = ctx.execute(["pkg-config"] + flags + modules)
    if result.return_code != 0:
        fail("pkg-config cannot find %s: %s\nInstall Debian's %s (scripts/setup.sh does)." %
             (" ".join(modules), result.stderr.strip(), package))
    return result.stdout.strip().split(" ") if result.stdout.strip() else []

def _system_libs_impl(ctx):
    if ctx.which("pkg-config") == None:
        fail("pkg-config is not installed: run scripts/setup.sh")
    default_includes = ["/usr/include"]
    multiarch = ctx.execute(["gcc", "-print-multiarch"])
    if multiarch.return_code == 0 and multiarch.stdout.strip():
        default_includes.append("/usr/include/" + multiarch.stdout.strip())
    out = ['package(default_visibility = ["//visibility:public"])', ""]
    out.append('load("@rules_cc//cc:defs.bzl", "cc_library")')
    out.append("")
    for name in sorted(_LIBRARIES.keys()):
        entry = _LIBRARIES[name]
        modules, package = entry[0], entry[1]
        mode = entry[2] if len(entry) > 2 else "shared"
        flags = _pkg_config(ctx, modules, package, mode)
        copts = [f for f in flags if f.startswith("-I") or f.startswith("-D")]
        linkopts = [f for f in flags if not (f.startswith("-I") or f.startswith("-D"))]
        if mode == "static" and linkopts:
            linkopts = ["-Wl,--push-state,-Bstatic"] + linkopts + ["-Wl,--pop-state"]

        # Debian installs headers under /usr/include and its multiarch
        # folder (/usr/include/x86_64-linux-gnu: libcurl's), which the
        # toolchain already searches; other -I paths would need declaring,
        # so refuse them.
        for c in copts:
            if c.startswith("-I") and c[2:] not in default_includes:
                fail("%s: include path %s outside %s is not supported" %
                     (name, c, " and ".join(default_includes)))
        out.append("cc_library(")
        out.append('    name = "%s",' % name)
        out.append("    defines = %r," % [c[2:] for c in copts if c.startswith("-D")])
        out.append("    linkopts = %r," % linkopts)
        out.append(")")
        out.append("")
    ctx.file("BUILD.bazel", "\n".join(out))
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)

system_libs = repository_rule(
    implementation = _system_libs_impl,
    environ = ["PKG_CONFIG_PATH"],
    local = True,
)
