#include "lib/site/search.h"

#include "lib/base/terminal_text.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/base/status_macros.h"
#include "lib/base/utf8.h"
#include "lib/json/json_value.h"

namespace stowage::site {
namespace {

// ------------------------------------------------------------ matching

struct Query {
  std::string text;                 // trimmed and lowercase, for exact names
  std::vector<std::string> words;   // in order, with repeats
  std::string longest;              // "" when the query has no words
  std::vector<std::string> others;  // the words that are not `longest`
  std::string joined;               // the words joined; "" for fewer than 2
};

// search.js: words(), the longest word (the first on a tie, as its
// reduce() keeps), the other words (every copy of the longest removed, as
// its filter() does), the words joined (its join("")), and the query for
// exact(). JavaScript's toLowerCase and trim also touch non-ASCII
// characters; words are ASCII either way.
Query ParseQuery(absl::string_view query) {
  Query q;
  q.text = absl::AsciiStrToLower(absl::StripAsciiWhitespace(query));
  std::vector<std::string> words = TextWords(q.text);
  for (const std::string& w : words) {
    if (w.size() > q.longest.size()) q.longest = w;
  }
  for (const std::string& w : words) {
    if (w != q.longest) q.others.push_back(w);
  }
  if (words.size() > 1) q.joined = absl::StrJoin(words, "");
  q.words = std::move(words);
  return q;
}

// Each of `words` occurs in "<name> <description>", lowercase.
bool AllOccur(const std::vector<std::string>& words, absl::string_view name,
              absl::string_view description) {
  if (words.empty()) return true;
  std::string text = absl::AsciiStrToLower(absl::StrCat(name, " ", description));
  for (const std::string& w : words) {
    if (!absl::StrContains(text, w)) return false;
  }
  return true;
}

bool Exact(absl::string_view name, absl::string_view q) {
  size_t slash = name.rfind('/');
  return name == q || name.substr(slash + 1) == q || name == absl::StrCat("library/", q);
}

// site.h's ranking, then the filters, then the limit.
std::vector<SearchResult> RankAndFilter(std::vector<SearchResult> list, const Query& q,
                                 const SearchOptions& options) {
  std::sort(list.begin(), list.end(), [&q](const SearchResult& a, const SearchResult& b) {
    bool ea = Exact(a.name, q.text), eb = Exact(b.name, q.text);
    if (ea != eb) return ea;
    if (a.official != b.official) return a.official;
    if (a.stars != b.stars) return a.stars > b.stars;
    return a.name < b.name;
  });
  std::vector<SearchResult> out;
  for (SearchResult& r : list) {
    if (options.official.has_value() && r.official != *options.official) continue;
    if (options.automated.has_value() && r.automated != *options.automated) continue;
    if (r.stars < options.min_stars) continue;
    if (options.limit > 0 && out.size() >= static_cast<size_t>(options.limit)) break;
    out.push_back(std::move(r));
  }
  return out;
}

// ------------------------------------------------------------ the index

absl::Status Malformed(const std::string& path, absl::string_view what) {
  return absl::DataLossError(absl::StrCat(
      path, ": ", what, "; not a search index node as stowage publish writes them"));
}

// REPO: [name, short description, stars, flags].
absl::StatusOr<SearchResult> Record(const JsonValue& v, const std::string& path,
                                    absl::string_view where) {
  const std::vector<JsonValue>& f = v.items();
  absl::StatusOr<int64_t> stars = f.size() == 4 ? f[2].AsInt64() : absl::StatusOr<int64_t>(0);
  absl::StatusOr<int64_t> flags = f.size() == 4 ? f[3].AsInt64() : absl::StatusOr<int64_t>(0);
  if (!v.is_array() || f.size() != 4 || !f[0].is_string() || !f[1].is_string() ||
      !stars.ok() || !flags.ok()) {
    return Malformed(path, absl::StrCat(where, " is not [name, description, stars, flags]"));
  }
  SearchResult r;
  r.name = f[0].string_value();
  r.description = f[1].string_value();
  r.stars = *stars;
  r.official = (*flags & 1) != 0;
  r.automated = (*flags & 2) != 0;
  return r;
}

absl::StatusOr<std::vector<SearchResult>> Records(const JsonValue* list, const std::string& path,
                                                  absl::string_view key) {
  if (list == nullptr || !list->is_array()) {
    return Malformed(path, absl::StrCat("no \"", key, "\" array"));
  }
  std::vector<SearchResult> out;
  for (size_t i = 0; i < list->items().size(); ++i) {
    ASSIGN_OR_RETURN(SearchResult r,
                     Record(list->items()[i], path, absl::StrCat(key, "[", i, "]")));
    out.push_back(std::move(r));
  }
  return out;
}

// search.js: candidates(). A leaf: the repositories of its words that
// start with `word`; otherwise the node's "top".
absl::StatusOr<std::vector<SearchResult>> Candidates(const JsonValue& node,
                                                     const std::string& path,
                                                     const std::string& word) {
  const JsonValue* words = node.Find("words");
  if (words == nullptr) return Records(node.Find("top"), path, "top");
  if (!words->is_object()) return Malformed(path, "\"words\" is not an object");
  ASSIGN_OR_RETURN(std::vector<SearchResult> repos, Records(node.Find("repos"), path, "repos"));
  std::set<int64_t> seen;
  std::vector<SearchResult> out;
  for (const JsonValue::Member& m : words->members()) {
    if (!m.second.is_array()) {
      return Malformed(path, absl::StrCat("words[\"", m.first, "\"] is not an array"));
    }
    for (const JsonValue& index : m.second.items()) {
      absl::StatusOr<int64_t> i = index.AsInt64();
      if (!i.ok() || *i < 0 || *i >= static_cast<int64_t>(repos.size())) {
        return Malformed(path, absl::StrCat("words[\"", m.first, "\"] holds ", index.Serialize(),
                                            ", not an index into \"repos\" (", repos.size(),
                                            " entries)"));
      }
      if (absl::StartsWith(m.first, word) && seen.insert(*i).second) out.push_back(repos[*i]);
    }
  }
  return out;
}

bool IsSplit(const JsonValue& node) {
  const JsonValue* split = node.Find("split");
  if (split == nullptr) return false;
  if (split->is_bool()) return split->bool_value();
  // search.js tests it for truth: any number but 0.
  return split->is_number() && split->number_text() != "0";
}

// The nodes one SearchSite call has fetched, by prefix (nullopt: there is
// none), so that its two walks fetch the prefixes they share once, as
// search.js's cache does.
using NodeCache = std::map<std::string, std::optional<JsonValue>>;

std::string NodePath(const std::string& prefix) {
  return absl::StrCat("_catalog/search/n/", prefix, ".json");
}

// search.js: lookup(). The node that answers `word` (non-empty): the node
// of its first character, then, while the node is split and shorter than
// the word, the node one character longer. Null when a node on the way is
// not there.
absl::StatusOr<const JsonValue*> Walk(const SiteFetcher& fetch, const std::string& word,
                                      NodeCache& cache) {
  std::string prefix = word.substr(0, 1);
  for (;;) {
    auto it = cache.find(prefix);
    if (it == cache.end()) {
      std::string path = NodePath(prefix);
      absl::StatusOr<std::string> text = fetch(path);
      if (absl::IsNotFound(text.status())) {
        it = cache.emplace(prefix, std::nullopt).first;
      } else {
        if (!text.ok()) return text.status();
        absl::StatusOr<JsonValue> parsed = JsonValue::Parse(*text);
        if (!parsed.ok()) {
          return absl::DataLossError(absl::StrCat(path, ": ", parsed.status().message()));
        }
        if (!parsed->is_object()) return Malformed(path, "not a JSON object");
        const JsonValue* p = parsed->Find("p");
        if (p == nullptr || !p->is_string() || p->string_value() != prefix) {
          return Malformed(path, absl::StrCat("\"p\" is not \"", prefix, "\""));
        }
        it = cache.emplace(prefix, std::move(*parsed)).first;
      }
    }
    if (!it->second.has_value()) return nullptr;
    const JsonValue& node = *it->second;
    if (!IsSplit(node) || prefix.size() >= word.size()) return &node;
    prefix = word.substr(0, prefix.size() + 1);
  }
}

// ------------------------------------------------------------ text widths

// One UTF-8 character of `s` at `i`: its code point and length. An invalid
// byte is U+FFFD of length 1, as Go decodes it.
std::pair<char32_t, size_t> Decode(absl::string_view s, size_t i) {
  Utf8Char c = DecodeUtf8(s, i);
  return {c.code_point, c.length};
}

struct Range {
  char32_t first, last;
};

bool In(char32_t r, const Range* ranges, size_t n) {
  const Range* end = ranges + n;
  const Range* it = std::upper_bound(ranges, end, r,
                                     [](char32_t v, const Range& g) { return v < g.first; });
  return it != ranges && r <= (it - 1)->last;
}

// East Asian Wide (W) and Fullwidth (F) characters of Unicode 15's
// EastAsianWidth.txt, the characters that golang.org/x/text/width (docker's
// Ellipsis) and go-runewidth (docker's tabwriter) count as 2 columns.
constexpr Range kWide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
    {0x23F0, 0x23F0},   {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},
    {0x2648, 0x2653},   {0x267F, 0x267F},   {0x2693, 0x2693},   {0x26A1, 0x26A1},
    {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26CE, 0x26CE},
    {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},
    {0x2728, 0x2728},   {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},
    {0x2757, 0x2757},   {0x2795, 0x2797},   {0x27B0, 0x27B0},   {0x27BF, 0x27BF},
    {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x303E},
    {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
    {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},
    {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4},
    {0x16FF0, 0x16FF1}, {0x17000, 0x18CD5}, {0x18D00, 0x18D08}, {0x1AFF0, 0x1B2FB},
    {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A},
    {0x1F200, 0x1F202}, {0x1F210, 0x1F23B}, {0x1F240, 0x1F248}, {0x1F250, 0x1F251},
    {0x1F260, 0x1F265}, {0x1F300, 0x1F320}, {0x1F32D, 0x1F335}, {0x1F337, 0x1F37C},
    {0x1F37E, 0x1F393}, {0x1F3A0, 0x1F3CA}, {0x1F3CF, 0x1F3D3}, {0x1F3E0, 0x1F3F0},
    {0x1F3F4, 0x1F3F4}, {0x1F3F8, 0x1F43E}, {0x1F440, 0x1F440}, {0x1F442, 0x1F4FC},
    {0x1F4FF, 0x1F53D}, {0x1F54B, 0x1F54E}, {0x1F550, 0x1F567}, {0x1F57A, 0x1F57A},
    {0x1F595, 0x1F596}, {0x1F5A4, 0x1F5A4}, {0x1F5FB, 0x1F64F}, {0x1F680, 0x1F6C5},
    {0x1F6CC, 0x1F6CC}, {0x1F6D0, 0x1F6D2}, {0x1F6D5, 0x1F6D7}, {0x1F6DC, 0x1F6DF},
    {0x1F6EB, 0x1F6EC}, {0x1F6F4, 0x1F6FC}, {0x1F7E0, 0x1F7EB}, {0x1F7F0, 0x1F7F0},
    {0x1F90C, 0x1F93A}, {0x1F93C, 0x1F945}, {0x1F947, 0x1F9FF}, {0x1FA70, 0x1FA7C},
    {0x1FA80, 0x1FA88}, {0x1FA90, 0x1FABD}, {0x1FABF, 0x1FAC5}, {0x1FACE, 0x1FADB},
    {0x1FAE0, 0x1FAE8}, {0x1FAF0, 0x1FAF8}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

// Characters of no width for go-runewidth (docker's tabwriter), the common
// ones: combining marks of the main blocks, zero-width spaces and joiners,
// direction marks, variation selectors. (Ellipsis counts them 1, as
// golang.org/x/text/width does: docker measures the two differently.)
constexpr Range kZeroWidth[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x05BF, 0x05BF},
    {0x05C1, 0x05C2}, {0x05C4, 0x05C5}, {0x05C7, 0x05C7}, {0x0610, 0x061A},
    {0x064B, 0x065F}, {0x0670, 0x0670}, {0x06D6, 0x06DC}, {0x06DF, 0x06E4},
    {0x06E7, 0x06E8}, {0x06EA, 0x06ED}, {0x0900, 0x0902}, {0x093A, 0x093A},
    {0x093C, 0x093C}, {0x0941, 0x0948}, {0x094D, 0x094D}, {0x0951, 0x0957},
    {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x1AB0, 0x1AFF},
    {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x2028, 0x202E}, {0x2060, 0x2064},
    {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF},
    {0xE0100, 0xE01EF},
};

bool Wide(char32_t r) { return In(r, kWide, sizeof kWide / sizeof kWide[0]); }

// go-runewidth's StringWidth: what docker's tabwriter aligns by.
int CellWidth(absl::string_view s) {
  int width = 0;
  for (size_t i = 0; i < s.size();) {
    auto [r, n] = Decode(s, i);
    i += n;
    if (r < 0x20 || (r >= 0x7F && r < 0xA0)) continue;
    if (In(r, kZeroWidth, sizeof kZeroWidth / sizeof kZeroWidth[0])) continue;
    width += Wide(r) ? 2 : 1;
  }
  return width;
}

// ------------------------------------------------------------ tabwriter

// docker/cli's cli/command/formatter/tabwriter (Go's text/tabwriter
// measuring cells with go-runewidth), as formatter.Context uses it:
// NewWriter(out, minwidth 10, tabwidth 1, padding 3, ' ', flags 0).
// Cells end at '\t' or '\v'; lines at '\n' or '\f'. A column is a run of
// consecutive lines that have a tab-terminated cell at its index; it is as
// wide as its widest cell plus the padding, at least minwidth; a line's
// last cell is not in a column and is written as it is. A '\f', or a line
// without a tab, ends every column (a flush). Go's escape (0xff) and HTML
// filtering flags are ones docker's formatter never sets, so this writer
// has neither.
class TabWriter {
 public:
  void Write(absl::string_view text) {
    for (char c : text) {
      if (c == '\t' || c == '\v') {
        EndCell();
      } else if (c == '\n' || c == '\f') {
        size_t cells = EndCell();
        lines_.emplace_back();
        if (c == '\f' || cells == 1) Flush();
      } else {
        cell_ += c;
      }
    }
  }

  std::string Finish() {
    Flush();
    return std::move(out_);
  }

 private:
  static constexpr int kMinWidth = 10;
  static constexpr int kPadding = 3;

  struct Cell {
    std::string text;
    int width;
  };

  size_t EndCell() {
    int width = CellWidth(cell_);
    lines_.back().push_back({std::move(cell_), width});
    cell_.clear();
    return lines_.back().size();
  }

  void Flush() {
    if (!cell_.empty()) EndCell();
    Format(0, lines_.size());
    lines_ = {{}};
  }

  // Go's Writer.format: the columns from widths_.size() on, of lines
  // [line0, line1).
  void Format(size_t line0, size_t line1) {
    size_t column = widths_.size();
    for (size_t at = line0; at < line1; ++at) {
      if (column + 1 >= lines_[at].size()) continue;  // no cell in this column
      WriteLines(line0, at);
      line0 = at;
      int width = kMinWidth;
      for (; at < line1; ++at) {
        if (column + 1 >= lines_[at].size()) break;
        width = std::max(width, lines_[at][column].width + kPadding);
      }
      widths_.push_back(width);
      Format(line0, at);
      widths_.pop_back();
      line0 = at;
    }
    WriteLines(line0, line1);
  }

  void WriteLines(size_t line0, size_t line1) {
    for (size_t i = line0; i < line1; ++i) {
      const std::vector<Cell>& line = lines_[i];
      for (size_t j = 0; j < line.size(); ++j) {
        out_ += line[j].text;
        if (j < widths_.size()) out_.append(widths_[j] - line[j].width, ' ');
      }
      if (i + 1 < lines_.size()) out_ += '\n';  // the open line has none
    }
  }

  std::vector<std::vector<Cell>> lines_ = {{}};
  std::string cell_;
  std::vector<int> widths_;
  std::string out_;
};

// searchContext.Description() of docker/cli.
std::string Description(absl::string_view text, bool truncate) {
  std::string d(text);
  std::replace(d.begin(), d.end(), '\n', ' ');
  std::replace(d.begin(), d.end(), '\r', ' ');
  return truncate ? Ellipsis(d, 45) : d;
}

// A JSON string as Go's encoding/json writes it (HTML-safe escaping, the
// default of json.Marshal; \b and \f short as since Go 1.22; other control
// characters as \u00xx in lowercase hex; invalid UTF-8 as \ufffd).
void GoJsonString(absl::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size();) {
    auto [r, n] = Decode(s, i);
    bool invalid = r == 0xFFFD && n == 1 && static_cast<unsigned char>(s[i]) >= 0x80;
    i += n;
    switch (r) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (r < 0x20 || r == '<' || r == '>' || r == '&') {
      absl::StrAppend(&out, "\\u00", std::string(1, kHex[r >> 4]), std::string(1, kHex[r & 15]));
    } else if (r == 0x2028 || r == 0x2029) {
      absl::StrAppend(&out, r == 0x2028 ? "\\u2028" : "\\u2029");
    } else if (invalid) {
      out += "\\ufffd";
    } else {
      AppendUtf8(r, out);
    }
  }
  out += '"';
}

}  // namespace

std::vector<SearchResult> SearchRepositories(const std::vector<RepositoryInfo>& repositories,
                                             absl::string_view query,
                                             const SearchOptions& options) {
  Query q = ParseQuery(query);
  if (q.longest.empty()) return {};
  std::vector<SearchResult> list;
  for (const RepositoryInfo& r : repositories) {
    std::vector<std::string> words = SearchWords(r);
    auto starts = [&words](const std::string& prefix) {
      return std::any_of(words.begin(), words.end(), [&prefix](const std::string& w) {
        return absl::StartsWith(w, prefix);
      });
    };
    bool found = (starts(q.longest) && AllOccur(q.others, r.name, r.short_description)) ||
                 (!q.joined.empty() && starts(q.joined) &&
                  AllOccur(q.words, r.name, r.short_description));
    if (!found) continue;
    list.push_back({r.name, r.short_description, r.stars, r.official, r.automated});
  }
  return RankAndFilter(std::move(list), q, options);
}

absl::StatusOr<std::vector<SearchResult>> SearchSite(const SiteFetcher& fetch,
                                                     absl::string_view query,
                                                     const SearchOptions& options) {
  Query q = ParseQuery(query);
  if (q.longest.empty()) return std::vector<SearchResult>{};
  NodeCache cache;
  std::set<std::string> seen;
  std::vector<SearchResult> list;
  auto add = [&](const JsonValue& node, const std::string& word,
                 const std::vector<std::string>& must_occur) -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<SearchResult> candidates,
                     Candidates(node, NodePath(node.Find("p")->string_value()), word));
    for (SearchResult& r : candidates) {
      if (AllOccur(must_occur, r.name, r.description) && seen.insert(r.name).second) {
        list.push_back(std::move(r));
      }
    }
    return absl::OkStatus();
  };
  ASSIGN_OR_RETURN(const JsonValue* node, Walk(fetch, q.longest, cache));
  if (node != nullptr) RETURN_IF_ERROR(add(*node, q.longest, q.others));
  if (!q.joined.empty()) {
    ASSIGN_OR_RETURN(const JsonValue* joined, Walk(fetch, q.joined, cache));
    // Only a leaf: the joined words are looked up to reach full names, and
    // a leaf lists every repository whose words start so; a split node's
    // "top" is only a sample of them.
    if (joined != nullptr && !IsSplit(*joined)) RETURN_IF_ERROR(add(*joined, q.joined, q.words));
  }
  return RankAndFilter(std::move(list), q, options);
}

std::string Ellipsis(absl::string_view text, int max_width) {
  if (max_width <= 0) return "";
  std::vector<std::pair<char32_t, size_t>> chars;  // code point, byte offset
  for (size_t i = 0; i < text.size();) {
    auto [r, n] = Decode(text, i);
    chars.push_back({r, i});
    i += n;
  }
  auto runes = [&](size_t count) {  // Go's string([]rune(s)[:count])
    std::string out;
    for (size_t k = 0; k < count && k < chars.size(); ++k) AppendUtf8(chars[k].first, out);
    return out;
  };
  if (max_width == 1) return runes(1);
  if (chars.size() == text.size()) {  // one byte per character: widths are 1
    if (text.size() <= static_cast<size_t>(max_width)) return std::string(text);
    return runes(max_width - 1) + "…";
  }
  std::vector<int> display;  // the width of the first k+1 characters
  int width = 0;
  for (const auto& c : chars) {
    width += Wide(c.first) ? 2 : 1;
    display.push_back(width);
  }
  if (width <= max_width) return std::string(text);
  for (size_t k = 0; k + 1 < display.size(); ++k) {
    if (display[k] <= max_width - 1 && display[k + 1] > max_width - 1) {
      return runes(k + 1) + "…";
    }
  }
  return std::string(text);
}

std::string FormatTable(const std::vector<SearchResult>& results, bool truncate) {
  TabWriter w;
  w.Write("NAME\tDESCRIPTION\tSTARS\tOFFICIAL\tAUTOMATED\n");
  for (const SearchResult& r : results) {
    // Names and descriptions may come from a remote site: escaped.
    w.Write(absl::StrCat(SafeForTerminal(r.name), "\t",
                         SafeForTerminal(Description(r.description, truncate)), "\t", r.stars,
                         "\t", r.official ? "[OK]" : "", "\t", r.automated ? "[OK]" : "",
                         "\n"));
  }
  return w.Finish();
}

std::string FormatJsonLines(const std::vector<SearchResult>& results, bool truncate) {
  std::string out;
  for (const SearchResult& r : results) {
    out += "{\"Description\":";
    GoJsonString(Description(r.description, truncate), out);
    absl::StrAppend(&out, ",\"IsAutomated\":\"", r.automated ? "true" : "false",
                    "\",\"IsOfficial\":\"", r.official ? "true" : "false", "\",\"Name\":");
    GoJsonString(r.name, out);
    absl::StrAppend(&out, ",\"StarCount\":\"", r.stars, "\"}\n");
  }
  return out;
}

}  // namespace stowage::site
