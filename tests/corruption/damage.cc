#include "damage.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace corruption {

const char *KindName(FileKind kind) {
  switch (kind) {
    case FileKind::kLog:
      return "log";
    case FileKind::kTableL0:
      return "table-L0";
    case FileKind::kTableDeep:
      return "table-deep";
    case FileKind::kManifest:
      return "manifest";
    case FileKind::kCurrent:
      return "CURRENT";
  }
  return "?";
}

std::string Damage::Describe() const {
  std::ostringstream o;
  o << file << " (" << KindName(kind) << "): ";
  switch (op) {
    case Op::kFlip:
      o << "xor 0x" << std::hex << int(mask) << std::dec << " at " << offset;
      break;
    case Op::kTruncate:
      o << "truncated to " << offset;
      break;
    case Op::kZero:
      o << "zeroed " << length << " bytes at " << offset;
      break;
    case Op::kRemove:
      o << "removed";
      break;
  }
  if (!where.empty()) o << " [" << where << "]";
  return o.str();
}

std::string ReadAll(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream o;
  o << in.rdbuf();
  return o.str();
}

std::string Damage::Apply(const std::string &dir) const {
  const std::string path = dir + "/" + file;
  std::error_code ec;
  if (op == Op::kRemove) {
    return std::filesystem::remove(path, ec) ? "" : "cannot remove " + path;
  }
  if (op == Op::kTruncate) {
    std::filesystem::resize_file(path, offset, ec);
    return ec ? "cannot truncate " + path + ": " + ec.message() : "";
  }
  std::string bytes = ReadAll(path);
  if (offset + std::max<uint64_t>(length, 1) > bytes.size()) {
    return "damage past the end of " + path;
  }
  if (op == Op::kFlip) {
    bytes[offset] = static_cast<char>(bytes[offset] ^ mask);
  } else {
    std::fill_n(bytes.begin() + offset, length, '\0');
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return out ? "" : "cannot write " + path;
}

namespace {

uint64_t Fixed64(const std::string &b, uint64_t at) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | uint8_t(b[at + i]);
  return v;
}
uint32_t Fixed32(const std::string &b, uint64_t at) {
  return static_cast<uint32_t>(Fixed64(b.substr(at, 4) + std::string(4, 0), 0));
}
bool Varint(const std::string &b, uint64_t *at, uint64_t end, uint64_t *v) {
  *v = 0;
  for (int shift = 0; shift < 64 && *at < end; shift += 7) {
    const uint8_t c = uint8_t(b[(*at)++]);
    *v |= uint64_t(c & 0x7f) << shift;
    if (!(c & 0x80)) return true;
  }
  return false;
}

struct Region {
  uint64_t offset, size;  // contents, without the 5-byte trailer
};

// The data block handles of a table, from its index (restart interval 1:
// every entry is shared 0, non_shared, value_len, key, handle).
std::vector<Region> DataBlocks(const std::string &b, const Region &index) {
  std::vector<Region> out;
  if (index.size < 4 || index.offset + index.size > b.size()) return out;
  const uint64_t end = index.offset + index.size;
  const uint32_t restarts = Fixed32(b, end - 4);
  uint64_t at = index.offset;
  const uint64_t entries_end = end - 4 - uint64_t(restarts) * 4;
  while (at < entries_end) {
    uint64_t shared, non_shared, vlen, off, size;
    if (!Varint(b, &at, entries_end, &shared) ||
        !Varint(b, &at, entries_end, &non_shared) ||
        !Varint(b, &at, entries_end, &vlen)) {
      break;
    }
    at += non_shared;
    uint64_t v = at;
    if (!Varint(b, &v, entries_end, &off) || !Varint(b, &v, entries_end, &size))
      break;
    out.push_back({off, size});
    at += vlen;
  }
  return out;
}

class Sites {
 public:
  Sites(const DbFile &f, uint64_t size) : f_(f), size_(size) {}

  void Flip(uint64_t off, const std::string &where) {
    if (off >= size_ || !flips_.insert(off).second) return;
    Damage d = Base(Op::kFlip, where);
    d.offset = off;
    d.mask = static_cast<uint8_t>((off * 131 + 7) % 255 + 1);
    out_.push_back(d);
  }
  void Truncate(uint64_t len, const std::string &where) {
    if (len >= size_ || !truncs_.insert(len).second) return;
    Damage d = Base(Op::kTruncate, where);
    d.offset = len;
    out_.push_back(d);
  }
  void Zero(uint64_t off, uint64_t len, const std::string &where) {
    if (off >= size_) return;
    len = std::min(len, size_ - off);
    Damage d = Base(Op::kZero, where);
    d.offset = off;
    d.length = len;
    out_.push_back(d);
  }
  void Remove() { out_.push_back(Base(Op::kRemove, "")); }
  // n flips and n truncations evenly spread over the file.
  void Spread(int n) {
    for (int i = 0; i < n; ++i) {
      const uint64_t off = size_ * (2 * i + 1) / (2 * n);
      Flip(off, "spread");
      Truncate(size_ * i / n + 1, "spread");
    }
  }
  std::vector<Damage> Take() { return std::move(out_); }

 private:
  Damage Base(Op op, const std::string &where) {
    Damage d;
    d.file = f_.name;
    d.kind = f_.kind;
    d.op = op;
    d.where = where;
    return d;
  }
  const DbFile &f_;
  uint64_t size_;
  std::set<uint64_t> flips_, truncs_;
  std::vector<Damage> out_;
};

void BlockSites(Sites *s, const Region &r, const std::string &name) {
  s->Flip(r.offset, name + " first byte");
  s->Flip(r.offset + r.size / 2, name + " middle");
  s->Flip(r.offset + r.size - 1, name + " last byte");
  s->Flip(r.offset + r.size, name + " trailer compression byte");
  s->Flip(r.offset + r.size + 2, name + " trailer checksum");
}

void TableSites(Sites *s, const std::string &b, int scale) {
  const uint64_t n = b.size();
  if (n < 64) return;
  const uint64_t f = n - 64;
  const char *fields[] = {"index offset", "index size",    "meta offset",
                          "meta size",    "filter offset", "filter size"};
  for (int i = 0; i < 6; ++i) s->Flip(f + 8 * i, std::string("footer ") + fields[i]);
  s->Flip(f + 48, "footer version");
  s->Flip(f + 53, "footer checksum");
  s->Flip(f + 56, "footer magic");
  s->Flip(n - 1, "footer magic last byte");
  const Region index{Fixed64(b, f), Fixed64(b, f + 8)};
  const Region meta{Fixed64(b, f + 16), Fixed64(b, f + 24)};
  const Region filter{Fixed64(b, f + 32), Fixed64(b, f + 40)};
  BlockSites(s, index, "index");
  BlockSites(s, meta, "meta");
  if (filter.size > 0) BlockSites(s, filter, "filter");
  const std::vector<Region> data = DataBlocks(b, index);
  for (size_t i : {size_t{0}, data.size() / 2, data.size() - 1}) {
    if (i < data.size()) BlockSites(s, data[i], "data block " + std::to_string(i));
  }
  // Every data block: its contents and its checksum.
  for (size_t i = 0; i < data.size(); ++i) {
    const std::string name = "data block " + std::to_string(i);
    s->Flip(data[i].offset + (i * 37) % data[i].size, name);
    s->Flip(data[i].offset + data[i].size + 1 + i % 4, name + " trailer");
  }
  if (data.size() > 1) {
    s->Zero(data[1].offset, 16, "data block 1 first 16 bytes");
    s->Zero(data[1].offset, data[1].size + 5, "all of data block 1");
    s->Zero(data[0].offset + data[0].size, 5, "data block 0 trailer");
    s->Truncate(data[1].offset, "after data block 0");
    s->Truncate(data[1].offset + data[1].size / 2, "inside data block 1");
  }
  s->Zero(index.offset, index.size, "index contents");
  s->Zero(f, 64, "footer");
  s->Truncate(0, "empty");
  s->Truncate(f, "without footer");
  s->Truncate(n - 1, "last byte cut");
  s->Truncate(index.offset, "before the index");
  s->Spread(12 * scale);
  s->Remove();
}

void LogSites(Sites *s, const std::string &b, int scale) {
  std::vector<Region> recs;  // header offset, payload size
  for (uint64_t at = 0; at + 9 <= b.size();) {
    const uint64_t len = Fixed32(b, at + 4);
    if (at + 9 + len > b.size()) break;
    recs.push_back({at, len});
    at += 9 + len;
  }
  for (size_t i : {size_t{0}, recs.size() / 2, recs.size() - 1}) {
    if (i >= recs.size()) continue;
    const Region &r = recs[i];
    const std::string name = "record " + std::to_string(i);
    s->Flip(r.offset, name + " checksum");
    s->Flip(r.offset + 4, name + " length");
    s->Flip(r.offset + 7, name + " length high byte");
    s->Flip(r.offset + 8, name + " kind");
    s->Flip(r.offset + 9, name + " payload first byte");
    s->Flip(r.offset + 9 + r.size / 2, name + " payload middle");
    s->Flip(r.offset + 9 + r.size - 1, name + " payload last byte");
    s->Truncate(r.offset, "before " + name);
    s->Truncate(r.offset + 5, name + " header cut");
    s->Truncate(r.offset + 9 + r.size / 2, name + " payload cut");
    s->Zero(r.offset, 9, name + " header");
  }
  for (size_t i = 1; i < recs.size(); i += 3) {
    s->Flip(recs[i].offset + i % 9, "record " + std::to_string(i) + " header");
  }
  if (recs.size() > 2) {
    const Region &m = recs[recs.size() / 2];
    s->Zero(m.offset, 9 + m.size + 9, "a record and the next header");
  }
  s->Spread(8 * scale);
  s->Remove();
}

void CurrentSites(Sites *s, const std::string &b) {
  for (uint64_t i = 0; i < b.size(); ++i) {
    s->Flip(i, "byte " + std::to_string(i));
    s->Truncate(i, "");
  }
  s->Zero(0, b.size(), "all");
  s->Remove();
}

}  // namespace

std::vector<Damage> SitesFor(const DbFile &file, const std::string &bytes,
                             int scale) {
  Sites s(file, bytes.size());
  switch (file.kind) {
    case FileKind::kTableL0:
    case FileKind::kTableDeep:
      TableSites(&s, bytes, scale);
      break;
    case FileKind::kLog:
    case FileKind::kManifest:
      LogSites(&s, bytes, scale);
      break;
    case FileKind::kCurrent:
      CurrentSites(&s, bytes);
      break;
  }
  return s.Take();
}

}  // namespace corruption
