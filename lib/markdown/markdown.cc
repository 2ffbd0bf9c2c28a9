#include "lib/markdown/markdown.h"

#include <stdlib.h>

#include <memory>
#include <vector>

#include "cmark-gfm-core-extensions.h"
#include "cmark-gfm.h"

namespace stowage::markdown {
namespace {

struct ParserDeleter {
  void operator()(cmark_parser* p) const { cmark_parser_free(p); }
};
struct NodeDeleter {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};
struct IterDeleter {
  void operator()(cmark_iter* i) const { cmark_iter_free(i); }
};

// Safe mode (no CMARK_OPT_UNSAFE): dangerous URLs are emptied. Raw HTML
// would only be omitted there; EscapeRawHtml shows it as text instead, so a
// reader sees what the README says.
constexpr int kOptions = CMARK_OPT_DEFAULT | CMARK_OPT_GITHUB_PRE_LANG;

// Replaces every raw HTML node by text with the same characters, which the
// renderer escapes: an HTML block becomes a paragraph.
void EscapeRawHtml(cmark_node* document) {
  std::vector<cmark_node*> raw;
  std::unique_ptr<cmark_iter, IterDeleter> it(cmark_iter_new(document));
  for (cmark_event_type ev; (ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE;) {
    cmark_node* node = cmark_iter_get_node(it.get());
    cmark_node_type type = cmark_node_get_type(node);
    if (ev == CMARK_EVENT_ENTER &&
        (type == CMARK_NODE_HTML_INLINE || type == CMARK_NODE_HTML_BLOCK)) {
      raw.push_back(node);
    }
  }
  it.reset();
  for (cmark_node* node : raw) {
    cmark_node* text = cmark_node_new(CMARK_NODE_TEXT);
    cmark_node_set_literal(text, cmark_node_get_literal(node));
    cmark_node* replacement = text;
    if (cmark_node_get_type(node) == CMARK_NODE_HTML_BLOCK) {
      replacement = cmark_node_new(CMARK_NODE_PARAGRAPH);
      cmark_node_append_child(replacement, text);
    }
    cmark_node_replace(node, replacement);
    cmark_node_free(node);
  }
}

}  // namespace

std::string ToHtml(absl::string_view text) {
  cmark_gfm_core_extensions_ensure_registered();
  std::unique_ptr<cmark_parser, ParserDeleter> parser(cmark_parser_new(kOptions));
  for (const char* name : {"table", "strikethrough", "autolink", "tasklist"}) {
    if (cmark_syntax_extension* ext = cmark_find_syntax_extension(name)) {
      cmark_parser_attach_syntax_extension(parser.get(), ext);
    }
  }
  cmark_parser_feed(parser.get(), text.data(), text.size());
  std::unique_ptr<cmark_node, NodeDeleter> document(cmark_parser_finish(parser.get()));
  EscapeRawHtml(document.get());
  char* html = cmark_render_html(document.get(), kOptions,
                                 cmark_parser_get_syntax_extensions(parser.get()));
  std::string out(html);
  cmark_get_default_mem_allocator()->free(html);
  return out;
}

}  // namespace stowage::markdown
