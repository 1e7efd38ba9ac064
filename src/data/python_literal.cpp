#include "amem/data/python_literal.h"

#include <cstdint>

#include "amem/core/error.h"

namespace amem::data {

namespace {

void append_utf8(std::string& out, uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

class LiteralParser {
 public:
  explicit LiteralParser(std::string_view text) : text_(text) {}

  PythonLiteral parse_all() {
    PythonLiteral value = parse_value();
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the literal");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(what + " at character " + std::to_string(pos_ + 1));
  }

  void skip_space() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool take(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool take_word(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  PythonLiteral parse_value() {
    skip_space();
    if (pos_ >= text_.size()) fail("expected a value, found the end");
    const char c = text_[pos_];
    PythonLiteral value;
    if (c == '\'' || c == '"') {
      value.kind = PythonLiteral::Kind::string;
      value.text = parse_string();
    } else if (c == '[' || c == '(') {
      value.kind = PythonLiteral::Kind::list;
      ++pos_;
      const char close = c == '[' ? ']' : ')';
      while (!take(close)) {
        value.items.push_back(parse_value());
        if (!take(',')) {
          if (!take(close)) fail(std::string("expected ',' or '") + close + "'");
          break;
        }
      }
    } else if (c == '{') {
      value.kind = PythonLiteral::Kind::dict;
      ++pos_;
      while (!take('}')) {
        PythonLiteral key = parse_value();
        if (!take(':')) fail("expected ':' in a dict");
        value.entries.emplace_back(std::move(key), parse_value());
        if (!take(',')) {
          if (!take('}')) fail("expected ',' or '}'");
          break;
        }
      }
    } else if (take_word("None")) {
      value.kind = PythonLiteral::Kind::none;
    } else if (take_word("True")) {
      value.kind = PythonLiteral::Kind::boolean;
      value.text = "True";
    } else if (take_word("False")) {
      value.kind = PythonLiteral::Kind::boolean;
      value.text = "False";
    } else if (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')) {
      value.kind = PythonLiteral::Kind::number;
      const std::size_t begin = pos_++;
      while (pos_ < text_.size() && std::string_view("0123456789.eE+-_").find(text_[pos_]) != std::string_view::npos) {
        ++pos_;
      }
      value.text = std::string(text_.substr(begin, pos_ - begin));
    } else {
      fail(std::string("unexpected '") + c + "'");
    }
    return value;
  }

  uint32_t parse_hex(std::size_t digits) {
    if (pos_ + digits > text_.size()) fail("truncated escape");
    uint32_t code = 0;
    for (std::size_t i = 0; i < digits; ++i) {
      const char h = text_[pos_++];
      const int v = h >= '0' && h <= '9'   ? h - '0'
                    : h >= 'a' && h <= 'f' ? h - 'a' + 10
                    : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                           : -1;
      if (v < 0) fail("bad hex digit in escape");
      code = code * 16 + static_cast<uint32_t>(v);
    }
    return code;
  }

  std::string parse_string() {
    const char quote = text_[pos_++];
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) fail("string not closed");
      const char c = text_[pos_++];
      if (c == quote) return out;
      if (c == '\n') fail("line break inside a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) fail("string not closed");
      const char e = text_[pos_++];
      switch (e) {
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case '\n': break;  // an escaped line break continues the string
        case 'x': append_utf8(out, parse_hex(2)); break;
        case 'u': append_utf8(out, parse_hex(4)); break;
        case 'U': append_utf8(out, parse_hex(8)); break;
        default:
          if (e >= '0' && e <= '7') {  // octal, one to three digits
            uint32_t code = static_cast<uint32_t>(e - '0');
            for (int i = 0; i < 2 && pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '7'; ++i) {
              code = code * 8 + static_cast<uint32_t>(text_[pos_++] - '0');
            }
            append_utf8(out, code);
          } else {  // Python keeps unknown escapes as written
            out += '\\';
            out += e;
          }
      }
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

const PythonLiteral* PythonLiteral::find(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k.kind == Kind::string && k.text == key) return &v;
  }
  return nullptr;
}

PythonLiteral parse_python_literal(std::string_view text) { return LiteralParser(text).parse_all(); }

}  // namespace amem::data
