#include "sources/openapi/document.hpp"

#include <mcp/core/encoding.hpp>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/url.hpp>
#include <charconv>
#include <filesystem>
#include <sstream>
#include <unordered_map>

namespace mcp::openapi::detail {
namespace {

constexpr int kMaxYamlDepth = 256;

bool all_of(std::string_view s, bool (*pred)(char)) {
  for (char c : s)
    if (!pred(c)) return false;
  return !s.empty();
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// YAML 1.2 core schema: the type a plain (unquoted) scalar resolves to.
json::value plain_scalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  std::string_view v = s;
  std::string_view digits = v;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
  if (all_of(digits, is_digit)) {
    std::int64_t i = 0;
    const char* b = v.data() + (v[0] == '+' ? 1 : 0);
    if (auto r = std::from_chars(b, v.data() + v.size(), i); r.ec == std::errc() && r.ptr == v.data() + v.size())
      return i;
    std::uint64_t u = 0;
    if (auto r = std::from_chars(b, v.data() + v.size(), u); r.ec == std::errc() && r.ptr == v.data() + v.size())
      return u;
  }
  if (v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'o')) {
    std::int64_t i = 0;
    int base = v[1] == 'x' ? 16 : 8;
    if (auto r = std::from_chars(v.data() + 2, v.data() + v.size(), i, base);
        r.ec == std::errc() && r.ptr == v.data() + v.size())
      return i;
  }
  // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
  {
    std::size_t i = 0, n = v.size();
    if (i < n && (v[i] == '-' || v[i] == '+')) ++i;
    std::size_t int_digits = 0, frac_digits = 0;
    while (i < n && is_digit(v[i])) ++i, ++int_digits;
    bool dot = i < n && v[i] == '.';
    if (dot) {
      ++i;
      while (i < n && is_digit(v[i])) ++i, ++frac_digits;
    }
    bool ok = int_digits > 0 || frac_digits > 0;
    if (ok && i < n && (v[i] == 'e' || v[i] == 'E')) {
      ++i;
      if (i < n && (v[i] == '-' || v[i] == '+')) ++i;
      std::size_t exp_digits = 0;
      while (i < n && is_digit(v[i])) ++i, ++exp_digits;
      ok = exp_digits > 0;
    }
    if (ok && i == n && (dot || v.find_first_of("eE") != std::string_view::npos)) {
      double d = 0;
      const char* b = v.data() + (v[0] == '+' ? 1 : 0);
      if (auto r = std::from_chars(b, v.data() + n, d); r.ec == std::errc()) return d;
    }
  }
  return json::string(s);  // .inf and .nan have no JSON form: they stay text
}

// Builds Boost.JSON straight from yaml-cpp's parser events (no YAML::Node tree: less time,
// a third of the memory). Without aliases a document cannot hold more nodes than it has
// bytes; aliases may repeat nodes, within reason (the bound stops "billion laughs"). The
// YAML 1.1 merge key `<<` is honoured (keys already present win).
class JsonBuilder : public YAML::EventHandler {
 public:
  explicit JsonBuilder(std::size_t text_size) : max_nodes_(4 * text_size + 100000) {}
  std::optional<json::value> root;

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override {
    if (key_position()) return set_key("");
    add(nullptr, anchor, 1);
  }
  void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) throw LoadError("YAML alias to an unknown anchor");
    if (key_position()) {
      if (!it->second.first.is_string()) throw LoadError("YAML mapping key is not a scalar");
      return set_key(std::string(it->second.first.get_string()));
    }
    add(it->second.first, 0, it->second.second);
  }
  void OnScalar(const YAML::Mark&, const std::string& tag, YAML::anchor_t anchor, const std::string& value) override {
    if (key_position()) {
      if (anchor) anchors_[anchor] = {json::string(value), 1};
      return set_key(value);
    }
    bool plain = tag == "?" || tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" ||
                 tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null";
    add(plain ? plain_scalar(value) : json::value(json::string(value)), anchor, 1);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(json::array{}, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    open(json::object{}, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    json::value value;
    YAML::anchor_t anchor;
    std::size_t first_node;
    bool have_key = false;
    std::string key;
  };

  bool key_position() const { return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().have_key; }
  void set_key(std::string k) {
    stack_.back().key = std::move(k);
    stack_.back().have_key = true;
  }
  void count(std::size_t n) {
    nodes_ += n;
    if (nodes_ > max_nodes_) throw LoadError("YAML document too large once aliases are expanded");
  }
  void open(json::value container, YAML::anchor_t anchor) {
    if (key_position()) throw LoadError("YAML mapping key is not a scalar");
    if (stack_.size() >= kMaxYamlDepth) throw LoadError("YAML document nested too deeply");
    count(1);
    stack_.push_back({std::move(container), anchor, nodes_});
  }
  void close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    std::size_t n = nodes_ - f.first_node + 1;
    nodes_ -= n;  // add() counts the finished node again
    add(std::move(f.value), f.anchor, n);
  }
  void add(json::value v, YAML::anchor_t anchor, std::size_t n) {
    count(n);
    if (anchor) anchors_[anchor] = {v, n};
    if (stack_.empty()) {
      if (!root) root = std::move(v);
      return;
    }
    auto& f = stack_.back();
    if (f.value.is_array()) {
      f.value.get_array().push_back(std::move(v));
      return;
    }
    auto& o = f.value.get_object();
    if (f.key == "<<" && (v.is_object() || v.is_array())) {
      auto merge = [&](const json::value& m) {
        if (m.is_object())
          for (auto& kv : m.get_object())
            if (!o.contains(kv.key())) o.emplace(kv.key(), kv.value());
      };
      if (v.is_object())
        merge(v);
      else
        for (auto& m : v.get_array()) merge(m);
    } else {
      o[f.key] = std::move(v);  // a later duplicate key wins, as with JSON
    }
    f.have_key = false;
  }

  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, std::pair<json::value, std::size_t>> anchors_;
  std::size_t nodes_ = 0;
  std::size_t max_nodes_;
};

json::value parse_yaml(std::string_view text) {
  std::stringstream in{std::string(text)};
  YAML::Parser parser(in);
  JsonBuilder b(text.size());
  parser.HandleNextDocument(b);
  return b.root ? std::move(*b.root) : json::value(nullptr);
}

bool is_url(std::string_view s) { return s.starts_with("http://") || s.starts_with("https://"); }

}  // namespace

json::value parse_document(std::string_view text, std::string_view name) {
  std::size_t i = 0;
  if (text.starts_with("\xEF\xBB\xBF")) i = 3;  // UTF-8 byte order mark
  while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t')) ++i;
  if (i < text.size() && (text[i] == '{' || text[i] == '[')) {
    boost::system::error_code ec;
    json::parse_options opt;
    opt.max_depth = 512;
    auto v = json::parse(text.substr(i), ec, {}, opt);
    if (!ec) return v;
    // Flow-style YAML also starts with '{': try YAML before giving up.
    try {
      return parse_yaml(text);
    } catch (const std::exception&) {
      throw LoadError(std::string(name) + ": invalid JSON: " + ec.message());
    }
  }
  try {
    return parse_yaml(text);
  } catch (const LoadError& e) {
    throw LoadError(std::string(name) + ": " + e.what());
  } catch (const YAML::Exception& e) {
    throw LoadError(std::string(name) + ": invalid YAML: " + e.what());
  }
}

std::string resolve_uri(std::string_view base, std::string_view ref_doc) {
  if (ref_doc.empty()) return std::string(base);
  if (is_url(ref_doc)) return std::string(ref_doc);
  if (is_url(base)) {
    auto b = boost::urls::parse_uri(base);
    auto r = boost::urls::parse_uri_reference(ref_doc);
    if (!b || !r) throw LoadError("cannot resolve " + std::string(ref_doc) + " against " + std::string(base));
    boost::urls::url out;
    if (auto rc = boost::urls::resolve(*b, *r, out); rc.has_error())
      throw LoadError("cannot resolve " + std::string(ref_doc) + " against " + std::string(base));
    out.remove_fragment();
    return std::string(out.buffer());
  }
  namespace fs = std::filesystem;
  fs::path p(percent_decode(ref_doc));
  if (!p.is_absolute()) p = fs::path(std::string(base)).parent_path() / p;
  return p.lexically_normal().string();
}

std::string pointer_leaf(std::string_view canonical) {
  auto slash = canonical.rfind('/');
  std::string_view leaf = slash == std::string_view::npos ? canonical : canonical.substr(slash + 1);
  std::string out;
  for (std::size_t i = 0; i < leaf.size(); ++i) {
    if (leaf[i] == '~' && i + 1 < leaf.size()) {
      out += leaf[i + 1] == '1' ? '/' : '~';
      ++i;
    } else {
      out += leaf[i];
    }
  }
  return out;
}

DocumentSet::DocumentSet(std::string root_uri, json::value root, Fetch fetch, std::size_t max_documents)
    : root_uri_(std::move(root_uri)), fetch_(std::move(fetch)), max_documents_(max_documents) {
  docs_.emplace(root_uri_, std::make_unique<json::value>(std::move(root)));
}

void DocumentSet::add(std::string uri, json::value doc) {
  docs_.emplace(std::move(uri), std::make_unique<json::value>(std::move(doc)));
}

std::vector<std::string> external_refs(const json::value& doc, const std::string& uri) {
  std::vector<std::string> out;
  std::vector<std::pair<const json::value*, int>> work{{&doc, 0}};
  while (!work.empty()) {
    auto [v, depth] = work.back();
    work.pop_back();
    if (depth > 512) continue;
    if (v->is_object()) {
      for (auto& kv : v->get_object()) {
        if (kv.key() == "$ref" && kv.value().is_string()) {
          std::string_view ref = kv.value().get_string();
          auto doc_part = ref.substr(0, ref.find('#'));
          if (!doc_part.empty()) {
            auto abs = resolve_uri(uri, doc_part);
            if (std::find(out.begin(), out.end(), abs) == out.end()) out.push_back(std::move(abs));
          }
        } else {
          work.emplace_back(&kv.value(), depth + 1);
        }
      }
    } else if (v->is_array()) {
      for (auto& x : v->get_array()) work.emplace_back(&x, depth + 1);
    }
  }
  return out;
}

const json::value& DocumentSet::document(const std::string& uri) {
  if (auto it = docs_.find(uri); it != docs_.end()) return *it->second;
  if (!fetch_) throw LoadError("external $ref to " + uri + " (only references within the document are allowed here)");
  if (docs_.size() >= max_documents_)
    throw LoadError("too many referenced documents (limit " + std::to_string(max_documents_) + ")");
  std::string error;
  auto text = fetch_(uri, error);
  if (!text) throw LoadError("cannot load referenced document " + uri + ": " + error);
  auto v = std::make_unique<json::value>(parse_document(*text, uri));
  return *docs_.emplace(uri, std::move(v)).first->second;
}

DocumentSet::Target DocumentSet::resolve(std::string_view base, std::string_view ref) {
  auto hash = ref.find('#');
  std::string_view doc_part = ref.substr(0, hash);
  std::string pointer = hash == std::string_view::npos ? "" : percent_decode(ref.substr(hash + 1));
  std::string uri = doc_part.empty() ? std::string(base) : resolve_uri(base, doc_part);
  const json::value& doc = document(uri);
  if (!pointer.empty() && pointer[0] != '/')
    throw LoadError("unsupported $ref " + std::string(ref) + " (anchors are not supported; use a JSON pointer)");
  const json::value* v = &doc;
  if (!pointer.empty()) {
    boost::system::error_code ec;
    v = doc.find_pointer(pointer, ec);
    if (ec || !v) throw LoadError("unresolvable $ref " + std::string(ref));
  }
  return {v, uri + "#" + pointer, uri};
}

DocumentSet::Target DocumentSet::deref(const json::value& v, std::string base, int max_hops) {
  Target t{&v, "", std::move(base)};
  for (int i = 0; i < max_hops; ++i) {
    if (!t.value->is_object()) return t;
    auto ref = find_string(t.value->get_object(), "$ref");
    if (!ref) return t;
    t = resolve(t.doc, *ref);
  }
  throw LoadError("$ref chain too long or circular");
}

}  // namespace mcp::openapi::detail
