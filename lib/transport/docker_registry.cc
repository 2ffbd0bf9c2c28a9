// docker://[HOST[:PORT]/]NAME[:TAG|@DIGEST]: a live registry, through the
// OCI distribution API (lib/registry/client.h). Names read as docker and
// skopeo read them: docker://python is registry-1.docker.io's
// library/python:latest. As a source it lists the image the text names
// (every tag with RegistryOptions::all_tags, and cosign's signature tags
// with `referrers`), each named REPOSITORY:TAG as the store names it; as a
// destination it pushes blobs (existing ones skipped, others mounted from
// a repository of the same registry this process pushed them to), then
// manifests by digest, then, at Commit, the tags.

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/base/status_macros.h"
#include "lib/crypto/sha256.h"
#include "lib/json/json_value.h"
#include "lib/oci/layout.h"
#include "lib/oci/manifest.h"
#include "lib/oci/media_types.h"
#include "lib/reference/reference.h"
#include "lib/registry/blob_locations.h"
#include "lib/registry/client.h"
#include "lib/transport/docker_registry.h"
#include "lib/transport/transport.h"

namespace stowage::transport {

std::string ReferrerTag(const std::string& subject, const std::string& referrer) {
  return absl::StrCat("sha256-", oci::DigestHex(subject), ".ref-",
                      oci::DigestHex(referrer).substr(0, 12));
}

std::vector<std::string> CosignTags(const std::string& digest) {
  std::vector<std::string> tags;
  for (const char* suffix : {".sig", ".att", ".sbom"}) {
    tags.push_back(absl::StrCat("sha256-", oci::DigestHex(digest), suffix));
  }
  return tags;
}
namespace {

using registry::Client;

constexpr char kAccept[] =
    "Accept: application/vnd.oci.image.index.v1+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";
// Blobs larger than this are uploaded in chunks of this size, each one
// retried on its own; smaller ones in one streamed PUT. A chunk is held in
// memory once per blob in flight (-j of them at a time).
constexpr int64_t kChunk = int64_t{16} << 20;

// What a docker:// text names.
struct Target {
  std::string host;        // as written; "docker.io" when none
  std::string repository;  // library/python
  std::string tag;         // "" with a digest
  std::string digest;      // "" unless @DIGEST
  bool tag_given = false;
};

absl::StatusOr<Target> ParseTarget(const Location& location) {
  absl::string_view rest = location.rest;
  if (!absl::ConsumePrefix(&rest, "//")) {
    return absl::InvalidArgumentError(absl::StrCat(
        location.String(), ": write docker://[HOST[:PORT]/]NAME[:TAG|@DIGEST]"));
  }
  absl::StatusOr<Reference> ref = Reference::Parse(rest, RuleSet::kOci);
  if (!ref.ok()) return Annotate(ref.status(), location.String());
  Target t;
  t.host = ref->host().empty() ? "docker.io" : ref->host();
  t.repository = ref->repository();
  if (IsHubHost(t.host) && t.repository.find('/') == std::string::npos) {
    t.repository = "library/" + t.repository;
  }
  t.digest = ref->digest();
  t.tag = ref->tag();
  t.tag_given = !ref->tag_defaulted() && !t.tag.empty();
  return t;
}

absl::StatusOr<std::shared_ptr<Client>> Connect(const Target& t, const RegistryOptions& o) {
  registry::ClientOptions c;
  c.tls_verify = o.tls_verify;
  c.cert_dir = o.cert_dir;
  c.files.auth_file = o.auth_file;
  if (!o.creds.empty()) {
    size_t colon = o.creds.find(':');
    if (colon == std::string::npos || colon == 0) {
      return absl::InvalidArgumentError("--creds: write USER:PASSWORD");
    }
    c.creds = registry::Credential{o.creds.substr(0, colon), o.creds.substr(colon + 1), ""};
  }
  // One client per host and options in a process: its ping, scheme and
  // cached tokens serve every repository (a sync opens many).
  static std::mutex mu;
  static auto* clients = new std::map<std::string, std::weak_ptr<Client>>();
  const std::string key = absl::StrCat(t.host, "\n", o.tls_verify.has_value() ? (*o.tls_verify ? "1" : "0") : "-",
                                       "\n", o.cert_dir, "\n", o.auth_file, "\n", o.creds);
  std::lock_guard<std::mutex> lock(mu);
  if (std::shared_ptr<Client> held = (*clients)[key].lock()) return held;
  ASSIGN_OR_RETURN(std::shared_ptr<Client> client, Client::Connect(t.host, c));
  (*clients)[key] = client;
  return client;
}

std::string MediaTypeOf(const std::string& content_type) {
  return std::string(absl::StripAsciiWhitespace(
      absl::string_view(content_type).substr(0, content_type.find(';'))));
}

// Which repository of a registry holds a blob: pushed, found or pulled
// there, by this run or an earlier one (registry/blob_locations.h).
registry::BlobLocations& Known() { return registry::BlobLocations::Default(); }

// A blob's bytes from the registry; a dropped connection is resumed where
// it broke with a Range request, as often as the client's tries allow.
class BlobStream : public BlobReader {
 public:
  // `on_end` runs once the whole body was read.
  BlobStream(std::shared_ptr<Client> client, std::string path, std::string scope,
             std::string name, std::function<void()> on_end)
      : client_(std::move(client)), path_(std::move(path)), scope_(std::move(scope)),
        name_(std::move(name)), on_end_(std::move(on_end)) {}

  absl::StatusOr<size_t> Read(char* buf, size_t size) override {
    for (int attempt = 0;; ++attempt) {
      absl::Status status = stream_ != nullptr ? absl::OkStatus() : OpenAt(offset_);
      if (status.ok()) {
        absl::StatusOr<size_t> n = stream_->Read(buf, size);
        if (n.ok()) {
          offset_ += *n;
          if (*n == 0 && on_end_) std::exchange(on_end_, nullptr)();
          return *n;
        }
        status = n.status();
      }
      stream_.reset();
      std::optional<absl::Duration> wait = client_->RetryWait(attempt, status, nullptr);
      if (!wait.has_value()) return Annotate(status, name_);
      absl::SleepFor(*wait);
    }
  }

 private:
  absl::Status OpenAt(uint64_t offset) {
    http::Request r;
    r.url = client_->Url(path_);
    if (offset > 0) r.headers.push_back(absl::StrCat("Range: bytes=", offset, "-"));
    ASSIGN_OR_RETURN(std::shared_ptr<http::Stream> s, client_->Open(r, scope_));
    const http::Response& res = s->response();
    if (res.status == 206 && offset > 0) {
      std::string range = res.Header("content-range");
      if (!absl::StartsWith(range, absl::StrCat("bytes ", offset, "-"))) {
        return absl::DataLossError(absl::StrCat(
            client_->host(), ": GET ", path_, " answered bytes \"", range,
            "\" to a request for bytes from ", offset));
      }
    } else if (res.status == 200) {
      RETURN_IF_ERROR(Skip(*s, offset));  // the server ignored Range
    } else {
      res_body_ = s->ReadAll(64 << 10).value_or("");
      http::Response copy = res;
      copy.body = res_body_;
      return client_->ErrorFor("GET " + path_, copy);
    }
    stream_ = std::move(s);
    return absl::OkStatus();
  }

  static absl::Status Skip(http::Stream& s, uint64_t bytes) {
    char buf[64 << 10];
    while (bytes > 0) {
      ASSIGN_OR_RETURN(size_t n, s.Read(buf, std::min<uint64_t>(bytes, sizeof buf)));
      if (n == 0) return absl::UnavailableError("the blob ended early on a retry");
      bytes -= n;
    }
    return absl::OkStatus();
  }

  std::shared_ptr<Client> client_;
  const std::string path_, scope_, name_;
  std::function<void()> on_end_;
  std::shared_ptr<http::Stream> stream_;
  uint64_t offset_ = 0;
  std::string res_body_;
};

// Every tag, page by page as the registry's Link headers lead.
absl::StatusOr<std::vector<std::string>> ListTagsOf(Client& client, const std::string& repository,
                                                    const std::string& name) {
  std::vector<std::string> tags;
  std::string path = absl::StrCat("/v2/", repository, "/tags/list?n=1000");
  for (int page = 0; !path.empty(); ++page) {
    if (page == 10000) {
      return absl::FailedPreconditionError(absl::StrCat(name, ": over 10000 pages of tags"));
    }
    http::Request r;
    r.url = client.Url(path);
    r.max_body = 16 << 20;
    ASSIGN_OR_RETURN(http::Response res, client.Send(r, registry::PullScope(repository)));
    if (res.status != 200) return client.ErrorFor("GET " + path, res);
    absl::StatusOr<JsonValue> doc = JsonValue::Parse(res.body);
    const JsonValue* list = doc.ok() ? doc->Find("tags") : nullptr;
    if (!doc.ok() || (list != nullptr && !list->is_array() && !list->is_null())) {
      return absl::DataLossError(absl::StrCat(name, ": the tag list is not {\"tags\": [...]}"));
    }
    if (list != nullptr) {
      for (const JsonValue& t : list->items()) tags.push_back(t.string_value());
    }
    // Link: </v2/NAME/tags/list?n=1000&last=x>; rel="next"
    path.clear();
    std::string link = res.Header("link");
    size_t open = link.find('<'), close = link.find('>');
    if (open != std::string::npos && close > open && absl::StrContains(link, "rel=\"next\"")) {
      path = link.substr(open + 1, close - open - 1);
      if (!absl::StartsWith(path, "/v2/")) {
        return absl::DataLossError(absl::StrCat(
            name, ": the tag list's next page is not on this registry: ", path.substr(0, 200)));
      }
    }
  }
  return tags;
}

class RegistrySource : public ImageSource {
 public:
  RegistrySource(std::string name, Target target, std::shared_ptr<Client> client,
                 RegistryOptions options)
      : name_(std::move(name)), target_(std::move(target)), client_(std::move(client)),
        options_(std::move(options)), scope_(registry::PullScope(target_.repository)) {
    given_ = !target_.digest.empty() ? target_.digest : target_.tag_given ? target_.tag : "";
  }

  const std::string& name() const override { return name_; }
  RefKind ref_kind() const override { return RefKind::kImageName; }
  const std::string& given_ref() const override { return given_; }

  absl::StatusOr<std::vector<Ref>> Refs() override;

  absl::StatusOr<std::string> GetManifest(const oci::Descriptor& d) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = manifests_.find(d.digest());
      if (it != manifests_.end()) return it->second;
    }
    ASSIGN_OR_RETURN(Fetched f, Fetch(d.digest()));
    return f.bytes;
  }

  absl::StatusOr<std::unique_ptr<BlobReader>> GetBlob(const oci::Descriptor& d) override {
    return std::unique_ptr<BlobReader>(new BlobStream(
        client_, absl::StrCat("/v2/", target_.repository, "/blobs/", d.digest()), scope_,
        absl::StrCat(name_, " blob ", d.digest()),
        [host = client_->host(), digest = d.digest(), repo = target_.repository] {
          Known().Add(host, digest, repo);
        }));
  }

  // The OCI 1.1 referrers of the manifest `digest`: from the referrers
  // API, or else its fallback tag sha256-<hex>; nullopt when neither is.
  absl::StatusOr<std::optional<oci::Manifest>> ReferrersIndex(const std::string& digest);

 private:
  struct Fetched {
    std::string bytes;
    oci::Descriptor descriptor;
  };
  absl::StatusOr<Fetched> Fetch(const std::string& reference);
  absl::StatusOr<std::optional<Fetched>> FetchIfAny(const std::string& reference);
  absl::StatusOr<std::vector<std::string>> ListTags();
  absl::Status AddSignatures(const oci::Descriptor& image, std::vector<Ref>& refs);
  std::string RefName(const std::string& tag) const {
    return tag.empty() ? "" : absl::StrCat(target_.repository, ":", tag);
  }

  const std::string name_;
  const Target target_;
  std::shared_ptr<Client> client_;
  const RegistryOptions options_;
  const std::string scope_;
  std::string given_;
  std::mutex mu_;
  std::map<std::string, std::string> manifests_;  // by digest; guarded by mu_
};

// The manifest or index `reference` (a tag or a digest) names, checked:
// its bytes hash to the digest asked for or, by tag, to the one the
// registry gives in Docker-Content-Digest.
absl::StatusOr<std::optional<RegistrySource::Fetched>> RegistrySource::FetchIfAny(
    const std::string& reference) {
  const std::string path = absl::StrCat("/v2/", target_.repository, "/manifests/", reference);
  http::Request r;
  r.url = client_->Url(path);
  r.headers.push_back(kAccept);
  r.max_body = oci::kMaxSmallBlob;
  ASSIGN_OR_RETURN(http::Response res, client_->Send(r, scope_));
  if (res.status == 404) return std::nullopt;
  if (res.status != 200) return client_->ErrorFor("GET " + path, res);
  const std::string where = absl::StrCat("docker://", target_.host, "/", target_.repository,
                                         absl::StartsWith(reference, "sha256:") ? "@" : ":",
                                         reference);
  const std::string digest = Sha256::DigestOf(res.body);
  const std::string claimed = absl::StartsWith(reference, "sha256:")
                                  ? reference
                                  : res.Header("docker-content-digest");
  if (!claimed.empty() && claimed != digest) {
    return absl::DataLossError(absl::StrCat(where, ": the registry says the manifest is ",
                                            claimed, ", its bytes hash to ", digest));
  }
  absl::StatusOr<JsonValue> doc = JsonValue::Parse(res.body);
  if (!doc.ok() || !doc->is_object()) {
    return absl::DataLossError(absl::StrCat(where, ": the manifest is not a JSON object"));
  }
  std::string media_type;
  if (const JsonValue* m = doc->Find("mediaType"); m != nullptr) media_type = m->string_value();
  if (media_type.empty()) media_type = MediaTypeOf(res.Header("content-type"));
  const JsonValue* version = doc->Find("schemaVersion");
  if ((version != nullptr && version->number_text() == "1") ||
      media_type == oci::kDockerSchema1 || media_type == oci::kDockerSchema1Signed) {
    return absl::FailedPreconditionError(absl::StrCat(
        where, ": a Docker schema 1 manifest, which stowage does not copy (deprecated "
               "since 2017, not part of the OCI spec, its digest not stable): push the "
               "image again with a current docker, podman or skopeo to get schema 2"));
  }
  Fetched f{res.body, oci::Descriptor::Make(media_type, digest,
                                            static_cast<int64_t>(res.body.size()))};
  std::lock_guard<std::mutex> lock(mu_);
  manifests_[digest] = res.body;
  return f;
}

absl::StatusOr<RegistrySource::Fetched> RegistrySource::Fetch(const std::string& reference) {
  ASSIGN_OR_RETURN(std::optional<Fetched> f, FetchIfAny(reference));
  if (!f.has_value()) {
    return absl::NotFoundError(absl::StrCat(
        "docker://", target_.host, "/", target_.repository,
        absl::StartsWith(reference, "sha256:") ? "@" : ":", reference,
        ": no such image in the registry"));
  }
  return *std::move(f);
}

absl::StatusOr<std::vector<std::string>> RegistrySource::ListTags() {
  return ListTagsOf(*client_, target_.repository, name_);
}

absl::StatusOr<std::optional<oci::Manifest>> RegistrySource::ReferrersIndex(
    const std::string& digest) {
  const std::string path =
      absl::StrCat("/v2/", target_.repository, "/referrers/", digest);
  http::Request r;
  r.url = client_->Url(path);
  r.headers.push_back("Accept: application/vnd.oci.image.index.v1+json");
  r.max_body = oci::kMaxSmallBlob;
  ASSIGN_OR_RETURN(http::Response res, client_->Send(r, scope_));
  if (res.status == 200) {
    absl::StatusOr<oci::Manifest> m =
        oci::Manifest::Parse(res.body, "application/vnd.oci.image.index.v1+json");
    if (!m.ok() || !m->is_index()) {
      return absl::DataLossError(absl::StrCat(name_, ": GET ", path, ": not an image index"));
    }
    return std::optional<oci::Manifest>(*std::move(m));
  }
  // 404 from a registry without the API (distribution 2.8), or 400/405.
  if (res.status != 404 && res.status != 400 && res.status != 405) {
    return client_->ErrorFor("GET " + path, res);
  }
  const std::string tag = absl::StrCat("sha256-", oci::DigestHex(digest));
  ASSIGN_OR_RETURN(std::optional<Fetched> f, FetchIfAny(tag));
  if (!f.has_value() || !oci::IsIndexMediaType(f->descriptor.media_type())) return std::nullopt;
  ASSIGN_OR_RETURN(oci::Manifest m, oci::Manifest::Parse(f->bytes, f->descriptor.media_type()));
  return std::optional<oci::Manifest>(std::move(m));
}

// What --referrers brings with `image`: its OCI 1.1 referrers (each by
// digest, checked, and tagged sha256-<hex>.ref-<first 12 hex of its own
// digest>, since the store keeps only what a tag names), and cosign's tags
// sha256-<hex>.sig, .att and .sbom.
absl::Status RegistrySource::AddSignatures(const oci::Descriptor& image,
                                           std::vector<Ref>& refs) {
  ASSIGN_OR_RETURN(std::optional<oci::Manifest> referrers, ReferrersIndex(image.digest()));
  if (referrers.has_value()) {
    for (const oci::Descriptor& d : referrers->manifests) {
      if (!oci::IsManifestMediaType(d.media_type()) || !ValidateDigest(d.digest()).ok()) continue;
      ASSIGN_OR_RETURN(Fetched f, Fetch(d.digest()));
      std::string tag = ReferrerTag(image.digest(), d.digest());
      refs.push_back(Ref{RefName(tag), f.descriptor, /*companion=*/true});
    }
  }
  for (const std::string& tag : CosignTags(image.digest())) {
    ASSIGN_OR_RETURN(std::optional<Fetched> f, FetchIfAny(tag));
    if (f.has_value()) refs.push_back(Ref{RefName(tag), f->descriptor, /*companion=*/true});
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Ref>> RegistrySource::Refs() {
  std::vector<Ref> refs;
  if (!target_.digest.empty()) {
    ASSIGN_OR_RETURN(Fetched f, Fetch(target_.digest));
    refs.push_back(Ref{RefName(target_.tag_given ? target_.tag : ""), f.descriptor});
  } else if (options_.all_tags && !target_.tag_given) {
    ASSIGN_OR_RETURN(std::vector<std::string> tags, ListTags());
    for (const std::string& tag : tags) {
      ASSIGN_OR_RETURN(Fetched f, Fetch(tag));
      refs.push_back(Ref{RefName(tag), f.descriptor});
    }
    return refs;  // every tag: the signature tags are among them
  } else {
    ASSIGN_OR_RETURN(Fetched f, Fetch(target_.tag));
    refs.push_back(Ref{RefName(target_.tag), f.descriptor});
  }
  if (options_.referrers) RETURN_IF_ERROR(AddSignatures(refs[0].descriptor, refs));
  return refs;
}

class RegistryDestination : public ImageDestination {
 public:
  RegistryDestination(std::string name, Target target, std::shared_ptr<Client> client)
      : name_(std::move(name)), target_(std::move(target)), client_(std::move(client)),
        scope_(registry::PushScope(target_.repository)),
        given_(target_.tag_given ? target_.tag : "") {}

  const std::string& name() const override { return name_; }
  const std::string& given_ref() const override { return given_; }

  absl::StatusOr<std::optional<uint64_t>> BlobSize(const std::string& digest) override;
  absl::Status PutBlob(const oci::Descriptor& d, BlobReader& reader) override;
  absl::Status PutManifest(const oci::Descriptor& d, absl::string_view bytes) override;

  absl::Status SetRef(const std::string& ref, const oci::Descriptor& d) override {
    if (ref.empty()) return absl::OkStatus();  // pushed by digest already
    RETURN_IF_ERROR(ValidateTag(ref));
    std::lock_guard<std::mutex> lock(mu_);
    refs_.emplace_back(ref, d);
    return absl::OkStatus();
  }

  absl::Status Commit() override {
    std::vector<std::pair<std::string, oci::Descriptor>> refs;
    {
      std::lock_guard<std::mutex> lock(mu_);
      refs = refs_;
    }
    for (const auto& [tag, d] : refs) {
      std::string bytes;
      {
        std::lock_guard<std::mutex> lock(mu_);
        bytes = manifests_[d.digest()];
      }
      RETURN_IF_ERROR(Put(tag, d, bytes));
    }
    return absl::OkStatus();
  }

 private:
  std::string Path(absl::string_view tail) const {
    return absl::StrCat("/v2/", target_.repository, tail);
  }
  absl::StatusOr<std::string> StartUpload(const std::string& digest, bool* mounted);
  absl::StatusOr<std::string> NextLocation(const http::Response& res) const;
  absl::Status PutWhole(const std::string& location, const oci::Descriptor& d,
                        BlobReader& reader);
  absl::Status PutChunks(std::string location, const oci::Descriptor& d, BlobReader& reader);
  absl::StatusOr<std::string> PatchChunk(const std::string& location, const oci::Descriptor& d,
                                         absl::string_view chunk, uint64_t offset);
  absl::Status Put(const std::string& reference, const oci::Descriptor& d,
                   absl::string_view bytes);

  const std::string name_;
  const Target target_;
  std::shared_ptr<Client> client_;
  const std::string scope_;
  const std::string given_;
  std::mutex mu_;
  std::map<std::string, std::string> manifests_;  // guarded by mu_
  std::vector<std::pair<std::string, oci::Descriptor>> refs_;  // guarded by mu_
  // Upload sessions that refused mounts opened, by digest; guarded by mu_.
  std::map<std::string, std::string> sessions_;
};

absl::StatusOr<std::optional<uint64_t>> RegistryDestination::BlobSize(
    const std::string& digest) {
  const std::string path = Path("/blobs/" + digest);
  http::Request r;
  r.method = "HEAD";
  r.url = client_->Url(path);
  ASSIGN_OR_RETURN(http::Response res, client_->Send(r, scope_));
  if (res.status == 200) {
    uint64_t size = 0;
    if (!absl::SimpleAtoi(res.Header("content-length"), &size)) {
      return absl::DataLossError(absl::StrCat(name_, ": HEAD ", path, " gave no Content-Length"));
    }
    Known().Add(client_->host(), digest, target_.repository);
    return size;
  }
  if (res.status != 404) return client_->ErrorFor("HEAD " + path, res);
  std::string from = Known().Find(client_->host(), digest);
  if (from.empty() || from == target_.repository) return std::nullopt;
  bool mounted = false;
  ASSIGN_OR_RETURN(std::string session, StartUpload(digest, &mounted));
  if (!mounted) {
    // A refused mount opens an upload session: PutBlob uses it.
    std::lock_guard<std::mutex> lock(mu_);
    sessions_[digest] = std::move(session);
    return std::nullopt;
  }
  return BlobSize(digest);
}

// POST .../blobs/uploads/: a session's Location, or (with a known
// repository to mount from) the blob mounted at once.
absl::StatusOr<std::string> RegistryDestination::StartUpload(const std::string& digest,
                                                             bool* mounted) {
  std::string path = Path("/blobs/uploads/");
  std::string scope = scope_;
  std::string from = digest.empty() ? "" : Known().Find(client_->host(), digest);
  if (!from.empty() && from != target_.repository) {
    absl::StrAppend(&path, "?mount=", digest, "&from=", from);
    absl::StrAppend(&scope, " ", registry::PullScope(from));
  }
  http::Request r;
  r.method = "POST";
  r.url = client_->Url(path);
  ASSIGN_OR_RETURN(http::Response res, client_->Send(r, scope));
  *mounted = res.status == 201;
  if (*mounted) return std::string();
  if (res.status != 202) return client_->ErrorFor("POST " + path, res);
  return NextLocation(res);
}

absl::StatusOr<std::string> RegistryDestination::NextLocation(const http::Response& res) const {
  std::string location = res.Header("location");
  if (location.empty()) {
    return absl::DataLossError(absl::StrCat(name_, ": an upload answer without Location"));
  }
  if (absl::StartsWith(location, "/")) return client_->Url(location);
  if (!absl::StartsWith(location, client_->Url("/"))) {
    return absl::DataLossError(absl::StrCat(
        name_, ": the registry sends the upload elsewhere: ", location.substr(0, 200)));
  }
  return location;
}

std::string WithDigest(const std::string& location, const std::string& digest) {
  return absl::StrCat(location, location.find('?') == std::string::npos ? "?" : "&",
                      "digest=", digest);
}

// One PUT of the whole blob, streamed from `reader`. The reader is asked
// once more after the last byte, so that its check of the digest runs
// before the upload ends.
absl::Status RegistryDestination::PutWhole(const std::string& location,
                                           const oci::Descriptor& d, BlobReader& reader) {
  http::Request r;
  r.method = "PUT";
  r.url = WithDigest(location, d.digest());
  r.headers.push_back("Content-Type: application/octet-stream");
  r.upload_size = d.size();
  uint64_t sent = 0;
  absl::Status read_error;
  r.upload = [&](char* buf, size_t size) -> absl::StatusOr<size_t> {
    size_t want = std::min<uint64_t>(size, d.size() - sent);
    if (want == 0) return 0;
    ASSIGN_OR_RETURN(size_t n, reader.Read(buf, want));
    if (n == 0) return absl::DataLossError(absl::StrCat(d.digest(), ": the blob ended early"));
    sent += n;
    if (sent == static_cast<uint64_t>(d.size())) {
      char extra;
      ASSIGN_OR_RETURN(size_t more, reader.Read(&extra, 1));
      if (more != 0) return absl::DataLossError(absl::StrCat(d.digest(), ": the blob is longer"));
    }
    return n;
  };
  if (d.size() == 0) {
    char extra;
    ASSIGN_OR_RETURN(size_t more, reader.Read(&extra, 1));
    if (more != 0) return absl::DataLossError(absl::StrCat(d.digest(), ": the blob is longer"));
  }
  ASSIGN_OR_RETURN(http::Response res, client_->Send(r, scope_));
  if (res.status != 201) return client_->ErrorFor("PUT blob " + d.digest(), res);
  return absl::OkStatus();
}

// One PATCH of `chunk` at `offset`, sent from the buffer itself (no copy)
// and tried again as the client tries requests. Returns the next Location.
absl::StatusOr<std::string> RegistryDestination::PatchChunk(const std::string& location,
                                                            const oci::Descriptor& d,
                                                            absl::string_view chunk,
                                                            uint64_t offset) {
  http::Request r;
  r.method = "PATCH";
  r.url = location;
  r.headers.push_back("Content-Type: application/octet-stream");
  r.headers.push_back(absl::StrCat("Content-Range: ", offset, "-", offset + chunk.size() - 1));
  r.body_view = chunk;
  ASSIGN_OR_RETURN(http::Response res, client_->Send(r, scope_));
  if (res.status != 202) return client_->ErrorFor("PATCH blob " + d.digest(), res);
  return NextLocation(res);
}

// PATCH by PATCH, kChunk bytes each (each retried on its own), then the
// closing PUT.
absl::Status RegistryDestination::PutChunks(std::string location, const oci::Descriptor& d,
                                            BlobReader& reader) {
  std::string chunk(kChunk, '\0');
  uint64_t offset = 0;
  while (true) {
    size_t filled = 0;
    while (filled < chunk.size()) {
      ASSIGN_OR_RETURN(size_t n, reader.Read(chunk.data() + filled, chunk.size() - filled));
      if (n == 0) break;
      filled += n;
    }
    if (filled == 0) break;
    ASSIGN_OR_RETURN(location,
                     PatchChunk(location, d, absl::string_view(chunk.data(), filled), offset));
    offset += filled;
  }
  http::Request r;
  r.method = "PUT";
  r.url = WithDigest(location, d.digest());
  ASSIGN_OR_RETURN(http::Response res, client_->Send(r, scope_));
  if (res.status != 201) return client_->ErrorFor("PUT blob " + d.digest(), res);
  return absl::OkStatus();
}

absl::Status RegistryDestination::PutBlob(const oci::Descriptor& d, BlobReader& reader) {
  std::string location;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sessions_.find(d.digest());
    if (it != sessions_.end()) {
      location = std::move(it->second);
      sessions_.erase(it);
    }
  }
  if (location.empty()) {
    bool mounted = false;
    ASSIGN_OR_RETURN(location, StartUpload("", &mounted));
  }
  RETURN_IF_ERROR(d.size() > kChunk ? PutChunks(location, d, reader)
                                    : PutWhole(location, d, reader));
  Known().Add(client_->host(), d.digest(), target_.repository);
  return absl::OkStatus();
}

absl::Status RegistryDestination::Put(const std::string& reference, const oci::Descriptor& d,
                                      absl::string_view bytes) {
  const std::string path = Path("/manifests/" + reference);
  http::Request r;
  r.method = "PUT";
  r.url = client_->Url(path);
  r.headers.push_back("Content-Type: " + d.media_type());
  r.body = std::string(bytes);
  ASSIGN_OR_RETURN(http::Response res, client_->Send(r, scope_));
  if (res.status != 201 && res.status != 200) return client_->ErrorFor("PUT " + path, res);
  std::string digest = res.Header("docker-content-digest");
  if (!digest.empty() && digest != d.digest()) {
    return absl::DataLossError(absl::StrCat(name_, ": the registry stored ", d.digest(),
                                            " as ", digest, " (it rewrote the manifest)"));
  }
  return absl::OkStatus();
}

absl::Status RegistryDestination::PutManifest(const oci::Descriptor& d,
                                              absl::string_view bytes) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    manifests_[d.digest()] = std::string(bytes);
  }
  return Put(d.digest(), d, bytes);
}

absl::StatusOr<std::unique_ptr<ImageSource>> OpenRegistrySource(const Location& location,
                                                                const OpenOptions& options) {
  ASSIGN_OR_RETURN(Target target, ParseTarget(location));
  ASSIGN_OR_RETURN(std::shared_ptr<Client> client, Connect(target, options.registry));
  return std::unique_ptr<ImageSource>(
      new RegistrySource(location.String(), std::move(target), std::move(client),
                         options.registry));
}

absl::StatusOr<std::unique_ptr<ImageDestination>> OpenRegistryDestination(
    const Location& location, const OpenOptions& options) {
  ASSIGN_OR_RETURN(Target target, ParseTarget(location));
  if (!target.digest.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        location.String(), ": a push names a tag or nothing (each image's own tag), "
                           "not a digest: the digest is the image's"));
  }
  ASSIGN_OR_RETURN(std::shared_ptr<Client> client, Connect(target, options.registry));
  return std::unique_ptr<ImageDestination>(
      new RegistryDestination(location.String(), std::move(target), std::move(client)));
}

class RegistryRepositoryImpl : public RegistryRepository {
 public:
  RegistryRepositoryImpl(std::string name, Target target, std::shared_ptr<Client> client,
                         RegistryOptions options)
      : name_(std::move(name)), target_(target), client_(client),
        scope_(registry::PullScope(target.repository)),
        source_(name_, std::move(target), std::move(client), std::move(options)) {}

  const std::string& name() const override { return name_; }
  const std::string& repository() const override { return target_.repository; }
  absl::StatusOr<std::vector<std::string>> Tags() override {
    return ListTagsOf(*client_, target_.repository, name_);
  }
  absl::StatusOr<std::optional<oci::Descriptor>> Head(const std::string& tag) override;
  absl::StatusOr<std::string> Get(const oci::Descriptor& d) override {
    return source_.GetManifest(d);
  }
  absl::StatusOr<std::vector<std::string>> Referrers(const std::string& digest) override {
    ASSIGN_OR_RETURN(std::optional<oci::Manifest> index, source_.ReferrersIndex(digest));
    std::vector<std::string> out;
    if (!index.has_value()) return out;
    for (const oci::Descriptor& d : index->manifests) {
      if (oci::IsManifestMediaType(d.media_type()) && ValidateDigest(d.digest()).ok()) {
        out.push_back(d.digest());
      }
    }
    return out;
  }
  int64_t requests() const override { return client_->requests(); }

 private:
  const std::string name_;
  const Target target_;
  std::shared_ptr<Client> client_;
  const std::string scope_;
  RegistrySource source_;
};

absl::StatusOr<std::optional<oci::Descriptor>> RegistryRepositoryImpl::Head(
    const std::string& tag) {
  RETURN_IF_ERROR(Annotate(ValidateTag(tag), absl::StrCat(name_, ":", tag)));
  const std::string path = absl::StrCat("/v2/", target_.repository, "/manifests/", tag);
  http::Request r;
  r.method = "HEAD";
  r.url = client_->Url(path);
  r.headers.push_back(kAccept);
  ASSIGN_OR_RETURN(http::Response res, client_->Send(r, scope_));
  if (res.status == 404) return std::nullopt;
  if (res.status != 200) return client_->ErrorFor("HEAD " + path, res);
  const std::string digest = res.Header("docker-content-digest");
  const std::string media_type = MediaTypeOf(res.Header("content-type"));
  int64_t size = -1;
  if (ValidateDigest(digest).ok() && !media_type.empty() &&
      absl::SimpleAtoi(res.Header("content-length"), &size) && size >= 0) {
    return oci::Descriptor::Make(media_type, digest, size);
  }
  // A registry that does not say (the header is optional): read the bytes.
  Target tagged = target_;
  tagged.tag = tag;
  tagged.tag_given = true;
  absl::StatusOr<std::vector<Ref>> refs =
      RegistrySource(name_ + ":" + tag, std::move(tagged), client_, RegistryOptions{}).Refs();
  if (!refs.ok()) return refs.status();
  return refs->front().descriptor;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RegistryRepository>> RegistryRepository::Open(
    const std::string& text, const RegistryOptions& options) {
  ASSIGN_OR_RETURN(Location location, ParseLocation(text));
  if (location.transport != "docker") {
    return absl::InvalidArgumentError(
        absl::StrCat(text, ": write docker://[HOST[:PORT]/]NAME"));
  }
  ASSIGN_OR_RETURN(Target target, ParseTarget(location));
  if (target.tag_given || !target.digest.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(text, ": name a repository, without a tag or digest"));
  }
  ASSIGN_OR_RETURN(std::shared_ptr<Client> client, Connect(target, options));
  std::string name = absl::StrCat("docker://", target.host, "/", target.repository);
  return std::unique_ptr<RegistryRepository>(new RegistryRepositoryImpl(
      std::move(name), std::move(target), std::move(client), options));
}

namespace {

const bool registered = RegisterTransport(
    TransportInfo{"docker", "docker://[HOST[:PORT]/]NAME[:TAG|@DIGEST]", 3,
                  OpenRegistrySource, OpenRegistryDestination});

}  // namespace
}  // namespace stowage::transport
