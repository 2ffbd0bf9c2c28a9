// Transports: where images come from and go to, behind one interface.
//
// An ImageSource lists the images it names and hands out manifests and blob
// streams by descriptor; an ImageDestination says which blobs it has, takes
// blob streams and manifests, and names images. The copy engine
// (lib/copy/copy.h) moves images between any source and any destination and
// checks every byte on the way; transports only move bytes.
//
// Each transport is one file of this folder that registers itself under its
// prefix (RegisterTransport, at static initialisation), so that adding one
// touches nothing else. Texts name a transport as skopeo names them:
//
//   oci:DIR[:REF]               an OCI image layout directory (oci_dir.cc)
//   oci-archive:FILE[:REF]      a tar of one (oci_archive.cc)
//   docker-archive:FILE[:REF]   a `docker save` tar (docker_archive.cc)
//   docker://HOST/NAME[:TAG]    a live registry (docker_registry.cc)
//
// and the store is one more transport (store_transport.h), opened from a
// Store rather than a text.
//
// REF is an index.json entry's org.opencontainers.image.ref.name; for a
// docker archive, a RepoTag NAME[:TAG] or @N (the Nth image) when reading
// and the NAME:TAG to write. It runs from the first ':' after the path to
// the end, so it may itself hold ':' (oci:STORE:library/python:3.12), and
// the path cannot.

#ifndef STOWAGE_LIB_TRANSPORT_TRANSPORT_H_
#define STOWAGE_LIB_TRANSPORT_TRANSPORT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lib/base/progress.h"
#include "lib/fs/file.h"
#include "lib/oci/descriptor.h"

namespace stowage::transport {

// A blob's bytes in order. Not thread-safe; each reader is used by one
// thread at a time.
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  // Reads up to `size` bytes into `buf`; returns how many, 0 at the end.
  virtual absl::StatusOr<size_t> Read(char* buf, size_t size) = 0;
};

// One image a source names.
struct Ref {
  // The entry's ref name ("" for an unnamed entry): a tag ("v1") for a
  // layout, a store name ("library/busybox:latest") for a docker archive
  // and the store (see ImageSource::ref_kind).
  std::string name;
  oci::Descriptor descriptor;
  // A signature, attestation or SBOM that travels with the image listed
  // before it (cosign's sha256-<hex>.sig tag): named in the repository the
  // image is named in, by its own tag.
  bool companion = false;
};

class ImageSource {
 public:
  // How a source's ref names read.
  enum class RefKind {
    kTag,        // a layout's ref names: tags of one repository
    kImageName,  // REPOSITORY:TAG, each image with its own name
  };

  virtual ~ImageSource() = default;

  // The source as the user named it ("oci-archive:images.tar"), for messages.
  virtual const std::string& name() const = 0;
  virtual RefKind ref_kind() const { return RefKind::kTag; }
  // The REF of the source's text ("" when none). A kImageName source has
  // applied it already (Refs() lists only what it picks); for a kTag source
  // it is the ref name the caller should pick.
  virtual const std::string& given_ref() const = 0;

  // Every image the source names, in its own order (index.json's, or the
  // archive's). The REF of the location, when it picks images itself (a
  // docker archive's @N), is applied already.
  virtual absl::StatusOr<std::vector<Ref>> Refs() = 0;

  // The bytes of the manifest or index `d` points at. NotFound when absent;
  // FailedPrecondition when larger than oci::kMaxSmallBlob. The bytes are
  // not trusted: the copy engine checks them against `d`.
  virtual absl::StatusOr<std::string> GetManifest(const oci::Descriptor& d) = 0;

  // A stream of blob `d`'s bytes. NotFound when absent. The stream is not
  // trusted either: the engine counts and hashes what it reads. Sources that
  // are not `sequential()` must allow several readers at once, from several
  // threads.
  virtual absl::StatusOr<std::unique_ptr<BlobReader>> GetBlob(
      const oci::Descriptor& d) = 0;

  // The regular file that holds blob `d` byte for byte, where the source
  // keeps blobs as files (a layout directory, the store), so that a
  // destination on the same filesystem may link it; "" otherwise.
  virtual std::string BlobFile(const oci::Descriptor& /*d*/) const { return ""; }

  // The error for blob `d` read from here whose bytes are not what `d`
  // says; `what` is "content hashes to sha256:...", "has N bytes, its
  // descriptor says M" or "longer than the M bytes its descriptor gives".
  // The default is DataLoss "blob D (WHERE): WHAT", WHERE its BlobFile or
  // the source's name.
  virtual absl::Status BlobMismatch(const oci::Descriptor& d,
                                    absl::string_view what) const;

  // True when blobs can only be read in an order of the source's choosing
  // (a compressed archive read front to back): the engine then calls
  // StreamBlobs, not GetBlob, for the blobs it copies.
  virtual bool sequential() const { return false; }

  // Calls `fn` once for each of `blobs` (distinct digests) with a stream of
  // its bytes, in an order the source chooses, from one thread; stops at and
  // returns fn's first error. NotFound names blobs the source lacks. The
  // default reads them one by one through GetBlob.
  virtual absl::Status StreamBlobs(
      const std::vector<oci::Descriptor>& blobs,
      const std::function<absl::Status(const oci::Descriptor&, BlobReader&)>& fn);
};

class ImageDestination {
 public:
  virtual ~ImageDestination() = default;

  // The destination as the user named it, for messages.
  virtual const std::string& name() const = 0;

  // The name the destination's text gives the one image it receives (the
  // REF of oci:DIR:REF; a docker archive's NAME:TAG as docker writes it),
  // "" when it gives none.
  virtual const std::string& given_ref() const = 0;
  // The name the store's REPOSITORY:TAG takes here when the text gives
  // none: the tag in a layout, docker's familiar REPOSITORY:TAG in a docker
  // archive.
  virtual std::string DefaultRef(const std::string& /*repository*/,
                                 const std::string& tag) const {
    return tag;
  }
  // False for destinations that hold single images only (a docker archive
  // has no place for an index).
  virtual bool holds_indexes() const { return true; }
  // True for the store alone: it keeps an index of which only some
  // platforms' images were copied (oci/graph.h's partial index). Any other
  // destination needs the whole graph of an index.
  virtual bool holds_partial_indexes() const { return false; }

  // The size of blob `digest` when the destination already has it (then the
  // engine checks it against the descriptor), nullopt when it does not.
  virtual absl::StatusOr<std::optional<uint64_t>> BlobSize(
      const std::string& digest) = 0;

  // Takes blob `d` from `reader`, read to its end. The blob is kept only
  // when every Read succeeded up to the end (the engine's reader fails the
  // last Read of a blob whose size or digest is wrong); otherwise nothing of
  // it stays and the reader's error is returned. Thread-safe: the engine
  // puts several blobs at once, each digest once.
  virtual absl::Status PutBlob(const oci::Descriptor& d, BlobReader& reader) = 0;

  // Takes blob `d` as another name (a hard link) of `file`, the source's
  // BlobFile, calling `verify` with the linked file open before it is kept:
  // the bytes verified are the bytes kept. Unimplemented when this
  // destination cannot link that file (another filesystem, a destination
  // that is no directory of files): the engine then uses PutBlob.
  // Thread-safe as PutBlob.
  virtual absl::Status LinkBlob(const oci::Descriptor& d, const std::string& file,
                                const std::function<absl::Status(const Fd&)>& verify);

  // Takes the manifest or index `d` (its bytes, already checked against
  // `d`). Called after every blob it names is in, children before their
  // index.
  virtual absl::Status PutManifest(const oci::Descriptor& d,
                                   absl::string_view bytes) = 0;

  // Names image `d` `ref` (a store name for the store, a ref name for a
  // layout, a RepoTag for a docker archive; "" for an unnamed entry),
  // replacing any image of that name. Takes effect at Commit.
  virtual absl::Status SetRef(const std::string& ref, const oci::Descriptor& d) = 0;

  // Makes what was put durable, then the refs visible, as atomically as the
  // transport allows. Without it no ref changes (blobs may stay, unnamed).
  virtual absl::Status Commit() = 0;
};

// A transport text split at its prefix: "oci-archive:x.tar:v1" is
// {"oci-archive", "x.tar:v1"}.
struct Location {
  std::string transport;
  std::string rest;

  std::string String() const { return transport + ":" + rest; }
};

// How a registry transport (docker://) reaches and authorizes with its
// registry; other transports ignore it.
struct RegistryOptions {
  // --tls-verify: unset verifies TLS and allows plain HTTP for loopback
  // hosts only; false allows plain HTTP and unverified TLS.
  std::optional<bool> tls_verify;
  // --cert-dir: CA and client certificates in place of certs.d's.
  std::string cert_dir;
  // --creds USER:PASSWORD ("" to look credentials up in auth files).
  std::string creds;
  // --authfile: the one credentials file to read.
  std::string auth_file;
  // A source whose text names no tag names every tag (docker pull -a).
  bool all_tags = false;
  // Each image's signatures, attestations and SBOMs come along: cosign's
  // sha256-<hex>.sig/.att/.sbom tags.
  bool referrers = false;
};

// What opening a transport may use.
struct OpenOptions {
  // A directory for temporary files on the store's filesystem (so that
  // blobs can be linked there, not copied), made if missing.
  std::string scratch;
  Progress* progress = nullptr;
  RegistryOptions registry;
};

using SourceOpener = std::function<absl::StatusOr<std::unique_ptr<ImageSource>>(
    const Location&, const OpenOptions&)>;
using DestinationOpener =
    std::function<absl::StatusOr<std::unique_ptr<ImageDestination>>(
        const Location&, const OpenOptions&)>;

struct TransportInfo {
  std::string prefix;  // "oci-archive"
  std::string usage;   // "oci-archive:FILE[:REF]", for messages and --help
  int rank = 0;        // where Usages() lists it: lowest first
  SourceOpener open_source;
  DestinationOpener open_destination;
};

// Adds a transport; returns true so that a transport's file can register
// itself with `const bool registered = RegisterTransport(...)`. Not
// thread-safe: call it at static initialisation only.
bool RegisterTransport(TransportInfo info);

// InvalidArgument for a text without a registered prefix, naming the
// transports there are.
absl::StatusOr<Location> ParseLocation(absl::string_view text);

// The usages of every registered transport, sorted: "oci:DIR[:REF], ...".
std::string Usages();

// Opens the source or destination a text names. InvalidArgument for an
// unknown transport or a malformed rest; otherwise the transport's errors.
absl::StatusOr<std::unique_ptr<ImageSource>> OpenSource(absl::string_view text,
                                                       const OpenOptions& options);
absl::StatusOr<std::unique_ptr<ImageDestination>> OpenDestination(
    absl::string_view text, const OpenOptions& options);

// For transports named by a path: "PATH[:REF]" as {path, ref}.
// InvalidArgument naming `location` for an empty path or an empty REF
// after ':'.
struct PathRef {
  std::string path;
  std::string ref;  // "" when none was given
};
absl::StatusOr<PathRef> SplitPathRef(const Location& location);

}  // namespace stowage::transport

#endif  // STOWAGE_LIB_TRANSPORT_TRANSPORT_H_
