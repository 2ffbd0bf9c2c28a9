// GitHub-flavoured Markdown to HTML, for repository READMEs in the catalog.

#ifndef STOWAGE_LIB_MARKDOWN_MARKDOWN_H_
#define STOWAGE_LIB_MARKDOWN_MARKDOWN_H_

#include <string>

#include "absl/strings/string_view.h"

namespace stowage::markdown {

// Renders `text` as an HTML fragment with cmark-gfm: CommonMark plus the
// GitHub extensions for tables, strikethrough, autolinks and task lists.
// Raw HTML in the text (a <script>, an <img onerror=...>) is escaped and
// shown as text, never passed through, and link or image URLs with a
// dangerous scheme (javascript:, vbscript:, file:, data: other than
// images) are emptied. Deterministic; never fails (any text is Markdown).
// Thread-compatible.
std::string ToHtml(absl::string_view text);

}  // namespace stowage::markdown

#endif  // STOWAGE_LIB_MARKDOWN_MARKDOWN_H_
