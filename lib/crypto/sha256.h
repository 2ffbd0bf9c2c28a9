// SHA-256 over OpenSSL's EVP interface: the one place stowage includes
// OpenSSL.
//
//   Sha256 h;
//   h.Update(data);
//   std::string hex = h.HexDigest();  // 64 lowercase hex digits
//
// A Sha256 is not thread-safe; use one per thread.

#ifndef STOWAGE_LIB_CRYPTO_SHA256_H_
#define STOWAGE_LIB_CRYPTO_SHA256_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace stowage {

class Sha256 {
 public:
  // Aborts the process if OpenSSL cannot set up SHA-256 (out of memory or a
  // broken OpenSSL installation): there is nothing a caller could do.
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void Update(const void* data, size_t size);
  void Update(absl::string_view data) { Update(data.data(), data.size()); }

  // The digest of everything passed to Update, as 64 lowercase hex digits.
  // The hasher starts over afterwards.
  std::string HexDigest();

  // "sha256:" + the hex digest of `data`.
  static std::string DigestOf(absl::string_view data);

 private:
  struct Deleter {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, Deleter> ctx_;
};

}  // namespace stowage

#endif  // STOWAGE_LIB_CRYPTO_SHA256_H_
