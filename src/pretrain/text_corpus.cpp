#include "amem/pretrain/text_corpus.h"

#include <lzma.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string_view>

#include "amem/core/error.h"
#include "amem/text/utf8.h"

namespace amem::pretrain {

namespace {

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r\f\v") == std::string_view::npos;
}

// Cuts text arriving in chunks into lines and the lines into documents.
class DocumentSplitter {
 public:
  DocumentSplitter(std::string path, int64_t max_documents) : path_(std::move(path)), max_(max_documents) {}

  // False once max_documents documents are complete (the rest of the text is not needed).
  bool add(std::string_view chunk) {
    pending_.append(chunk);
    size_t start = 0;
    for (size_t end; (end = pending_.find('\n', start)) != std::string::npos; start = end + 1) {
      line(std::string_view(pending_).substr(start, end - start));
      if (full()) return false;
    }
    offset_ += start;
    pending_.erase(0, start);
    return true;
  }

  std::vector<std::string> finish() {
    if (!full() && !pending_.empty()) line(pending_);
    end_document();
    return std::move(documents_);
  }

 private:
  bool full() const { return max_ >= 0 && int64_t(documents_.size()) >= max_; }

  void line(std::string_view text) {
    if (const size_t bad = text::first_invalid_utf8(text); bad < text.size())
      throw Error(path_ + ": not UTF-8 text (an invalid byte at offset " +
                  std::to_string(offset_ + size_t(text.data() - pending_.data()) + bad) + " of the text)");
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (is_blank(text)) {
      end_document();
      return;
    }
    if (!current_.empty()) current_ += '\n';
    current_.append(text);
  }

  void end_document() {
    if (current_.empty() || full()) return;
    documents_.push_back(std::move(current_));
    current_.clear();
  }

  std::string path_;
  int64_t max_;
  std::string pending_, current_;
  size_t offset_ = 0;  // of pending_'s first byte in the (decompressed) text
  std::vector<std::string> documents_;
};

void read_chunks(const std::string& path, std::ifstream& in, DocumentSplitter& splitter) {
  std::string buffer(1 << 20, '\0');
  while (in) {
    in.read(buffer.data(), std::streamsize(buffer.size()));
    if (in.bad()) throw Error(path + ": cannot read (" + std::strerror(errno) + ")");
    if (!splitter.add(std::string_view(buffer.data(), size_t(in.gcount())))) return;
  }
}

std::string lzma_problem(lzma_ret ret) {
  switch (ret) {
    case LZMA_FORMAT_ERROR: return "not xz data";
    case LZMA_DATA_ERROR: return "damaged xz data";
    case LZMA_BUF_ERROR: return "truncated xz data";
    case LZMA_OPTIONS_ERROR: return "unsupported xz options";
    case LZMA_MEM_ERROR: return "out of memory decompressing";
    case LZMA_UNSUPPORTED_CHECK: return "unsupported xz integrity check";
    default: return "xz decoder error " + std::to_string(int(ret));
  }
}

void read_xz_chunks(const std::string& path, std::ifstream& in, DocumentSplitter& splitter) {
  lzma_stream stream = LZMA_STREAM_INIT;
  // Concatenated streams are one text, as `xz -d` reads them.
  if (lzma_ret ret = lzma_stream_decoder(&stream, UINT64_MAX, LZMA_CONCATENATED); ret != LZMA_OK)
    throw Error(path + ": " + lzma_problem(ret));
  struct End {
    lzma_stream* s;
    ~End() { lzma_end(s); }
  } end{&stream};
  std::string input(1 << 20, '\0'), output(4 << 20, '\0');
  lzma_action action = LZMA_RUN;
  for (;;) {
    if (stream.avail_in == 0 && action == LZMA_RUN) {
      in.read(input.data(), std::streamsize(input.size()));
      if (in.bad()) throw Error(path + ": cannot read (" + std::strerror(errno) + ")");
      stream.next_in = reinterpret_cast<const uint8_t*>(input.data());
      stream.avail_in = size_t(in.gcount());
      if (in.eof()) action = LZMA_FINISH;
    }
    stream.next_out = reinterpret_cast<uint8_t*>(output.data());
    stream.avail_out = output.size();
    const lzma_ret ret = lzma_code(&stream, action);
    // Output that came with an error is not trusted.
    if (ret != LZMA_OK && ret != LZMA_STREAM_END) throw Error(path + ": " + lzma_problem(ret));
    if (!splitter.add(std::string_view(output.data(), output.size() - stream.avail_out))) return;
    if (ret == LZMA_STREAM_END) return;
  }
}

}  // namespace

std::vector<std::string> read_text_documents(const std::string& path, int64_t max_documents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open (" + std::strerror(errno) + ")");
  DocumentSplitter splitter(path, max_documents);
  const bool xz = path.size() >= 3 && path.compare(path.size() - 3, 3, ".xz") == 0;
  if (xz) read_xz_chunks(path, in, splitter);
  else read_chunks(path, in, splitter);
  return splitter.finish();
}

}  // namespace amem::pretrain
