// malloc_buffer.h — a growing buffer from malloc, handed to the caller as
// an owned (out) pointer that shale_free releases.
#pragma once

#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>

namespace shale::capi {

class MallocBuffer {
 public:
  MallocBuffer() = default;
  MallocBuffer(const MallocBuffer &) = delete;
  MallocBuffer &operator=(const MallocBuffer &) = delete;
  ~MallocBuffer() { std::free(data_); }

  // Throws std::bad_alloc (the barrier maps it to SHALE_E_NOMEM).
  void Append(std::string_view bytes) {
    if (bytes.size() > cap_ - size_) Grow(bytes.size());
    if (!bytes.empty()) std::memcpy(data_ + size_, bytes.data(), bytes.size());
    size_ += bytes.size();
  }
  size_t size() const { return size_; }

  // Gives the buffer away: never NULL, even when empty.
  void *Release() {
    if (data_ == nullptr) Grow(1);
    void *out = data_;
    data_ = nullptr;
    size_ = cap_ = 0;
    return out;
  }

 private:
  void Grow(size_t more) {
    size_t want = cap_ < 256 ? 256 : cap_;
    while (want - size_ < more) {
      if (want > SIZE_MAX / 2) {
        want = size_ + more;
        break;
      }
      want *= 2;
    }
    void *p = std::realloc(data_, want);
    if (p == nullptr) throw std::bad_alloc();
    data_ = static_cast<char *>(p);
    cap_ = want;
  }

  char *data_ = nullptr;
  size_t size_ = 0;
  size_t cap_ = 0;
};

}  // namespace shale::capi
