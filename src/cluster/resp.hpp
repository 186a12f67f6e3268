#pragma once
// RESP2, the Redis wire protocol: an encoder of command arrays and an incremental parser of
// replies. Bounded: a reply over the limits (a bulk string, nesting, elements in one reply, a
// line) is a protocol error, never an allocation the peer chose.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mcp::cluster::resp {

struct Value {
  enum class Type : std::uint8_t { kSimple, kError, kInteger, kBulk, kNil, kArray };
  Type type = Type::kNil;
  std::string str;  // simple string, error text or bulk string
  std::int64_t integer = 0;
  std::vector<Value> elements;  // kArray

  bool is_error() const { return type == Type::kError; }
  bool operator==(const Value&) const = default;
};

// Appends one command (an array of bulk strings) to `out`.
void encode_command(std::string& out, const std::vector<std::string>& args);
// Appends any value in its RESP2 form (tests, fuzzing, a fake server).
void encode_value(std::string& out, const Value& v);

struct Limits {
  std::size_t max_bulk = 64u << 20;     // bytes in one bulk string
  std::size_t max_depth = 16;           // nested arrays
  std::size_t max_elements = 1u << 20;  // values in one reply, all levels together
  std::size_t max_line = 64u << 10;     // a simple string, an error or a length line
};

class Parser {
 public:
  enum class Status { kNeedMore, kReply, kError };
  explicit Parser(Limits limits = {}) : limits_(limits) {}

  // Adds received bytes; call next() until it says kNeedMore.
  void feed(std::string_view bytes) { buf_.append(bytes.data(), bytes.size()); }
  // kReply: `out` holds the next whole reply. kError: the stream is broken for good (error()).
  Status next(Value& out);
  const std::string& error() const { return error_; }
  std::size_t buffered() const { return buf_.size() - pos_; }
  void reset();

 private:
  struct Frame {
    Value array;
    std::size_t remaining;
  };
  Status fail(std::string message);
  // Parses one value header at pos_; fills `v` and returns true when the value is complete
  // (a scalar), or pushes a frame for a non-empty array. False with no error: need more.
  bool parse_one(Value& v, bool& pushed);
  bool read_line(std::string_view& line);

  Limits limits_;
  std::string buf_;
  std::size_t pos_ = 0;
  std::vector<Frame> stack_;
  std::size_t elements_ = 0;  // values in the reply being parsed
  std::string error_;
  bool broken_ = false;
};

}  // namespace mcp::cluster::resp
