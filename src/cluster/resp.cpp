#include "cluster/resp.hpp"

#include <algorithm>
#include <charconv>

namespace mcp::cluster::resp {

namespace {

void append_header(std::string& out, char type, std::int64_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.push_back(type);
  out.append(digits, end);
  out.append("\r\n");
}

// A whole line as a signed decimal (RESP integers and lengths): no sign but '-', no spaces.
bool parse_int(std::string_view s, std::int64_t& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

void encode_command(std::string& out, const std::vector<std::string>& args) {
  append_header(out, '*', static_cast<std::int64_t>(args.size()));
  for (const auto& a : args) {
    append_header(out, '$', static_cast<std::int64_t>(a.size()));
    out.append(a);
    out.append("\r\n");
  }
}

void encode_value(std::string& out, const Value& v) {
  switch (v.type) {
    case Value::Type::kSimple:
    case Value::Type::kError:
      out.push_back(v.type == Value::Type::kSimple ? '+' : '-');
      out.append(v.str);
      out.append("\r\n");
      return;
    case Value::Type::kInteger:
      append_header(out, ':', v.integer);
      return;
    case Value::Type::kBulk:
      append_header(out, '$', static_cast<std::int64_t>(v.str.size()));
      out.append(v.str);
      out.append("\r\n");
      return;
    case Value::Type::kNil:
      out.append("$-1\r\n");
      return;
    case Value::Type::kArray:
      append_header(out, '*', static_cast<std::int64_t>(v.elements.size()));
      for (const auto& e : v.elements) encode_value(out, e);
      return;
  }
}

void Parser::reset() {
  buf_.clear();
  pos_ = 0;
  stack_.clear();
  elements_ = 0;
  error_.clear();
  broken_ = false;
}

Parser::Status Parser::fail(std::string message) {
  broken_ = true;
  error_ = "redis protocol error: " + std::move(message);
  return Status::kError;
}

bool Parser::read_line(std::string_view& line) {
  // The line starts after the type byte at pos_. Its content is at most max_line bytes, so a
  // missing CRLF within max_line + 2 bytes is an error however the bytes were split.
  std::string_view rest(buf_.data() + pos_ + 1, buf_.size() - pos_ - 1);
  std::size_t crlf = rest.find("\r\n");
  if (crlf == std::string_view::npos) {
    if (rest.size() >= limits_.max_line + 2) fail("line too long");
    return false;
  }
  if (crlf > limits_.max_line) {
    fail("line too long");
    return false;
  }
  line = rest.substr(0, crlf);
  return true;
}

bool Parser::parse_one(Value& v, bool& pushed) {
  if (pos_ >= buf_.size()) return false;
  char type = buf_[pos_];
  if (type != '+' && type != '-' && type != ':' && type != '$' && type != '*') {
    fail("unexpected type byte");
    return false;
  }
  std::string_view line;
  if (!read_line(line)) return false;
  std::size_t after_line = pos_ + 1 + line.size() + 2;
  std::int64_t n = 0;
  if (type == '+' || type == '-') {
    v.type = type == '+' ? Value::Type::kSimple : Value::Type::kError;
    v.str.assign(line);
  } else if (!parse_int(line, n)) {
    fail("malformed integer or length");
    return false;
  } else if (type == ':') {
    v.type = Value::Type::kInteger;
    v.integer = n;
  } else if (n < -1) {
    fail("negative length");
    return false;
  } else if (n == -1) {
    v.type = Value::Type::kNil;
  } else if (type == '$') {
    if (static_cast<std::uint64_t>(n) > limits_.max_bulk) {
      fail("bulk string over the limit");
      return false;
    }
    std::size_t len = static_cast<std::size_t>(n);
    if (buf_.size() - after_line < len + 2) return false;  // wait for the whole string
    if (buf_.compare(after_line + len, 2, "\r\n") != 0) {
      fail("bulk string not terminated by CRLF");
      return false;
    }
    v.type = Value::Type::kBulk;
    v.str.assign(buf_, after_line, len);
    after_line += len + 2;
  } else {  // '*'
    if (stack_.size() + 1 > limits_.max_depth) {
      fail("arrays nested too deep");
      return false;
    }
    if (static_cast<std::uint64_t>(n) > limits_.max_elements - std::min(elements_, limits_.max_elements)) {
      fail("too many elements in one reply");
      return false;
    }
    v.type = Value::Type::kArray;
    if (n > 0) {
      Frame f{std::move(v), static_cast<std::size_t>(n)};
      f.array.elements.reserve(std::min<std::size_t>(f.remaining, 1024));
      stack_.push_back(std::move(f));
      pushed = true;
    }
  }
  if (++elements_ > limits_.max_elements) {
    fail("too many elements in one reply");
    return false;
  }
  pos_ = after_line;
  return true;
}

Parser::Status Parser::next(Value& out) {
  if (broken_) return Status::kError;
  Status status = Status::kNeedMore;
  for (;;) {
    Value v;
    bool pushed = false;
    if (!parse_one(v, pushed)) {
      if (broken_) return Status::kError;
      break;
    }
    if (pushed) continue;
    // A complete value: it completes its parent arrays as far as they are full.
    bool done = true;
    while (!stack_.empty()) {
      Frame& f = stack_.back();
      f.array.elements.push_back(std::move(v));
      if (--f.remaining > 0) {
        done = false;
        break;
      }
      v = std::move(f.array);
      stack_.pop_back();
    }
    if (!done) continue;
    out = std::move(v);
    elements_ = 0;
    status = Status::kReply;
    break;
  }
  // Drop consumed bytes: all of them when the buffer is drained, else in large steps only.
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > 65536 && pos_ * 2 > buf_.size()) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  return status;
}

}  // namespace mcp::cluster::resp
