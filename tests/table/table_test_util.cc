#include "table_test_util.h"

#include <cstring>

#include "memtable/internal_key.h"
#include "table/table_builder.h"

namespace shale::test {

bool IKeyLess::operator()(const IKey &a, const IKey &b) const {
  return CompareInternal(a.user_key, a.tag, b.user_key, b.tag) < 0;
}

Status StringSource::Read(uint64_t offset, size_t n, std::string_view *result,
                          char *scratch) const {
  if (offset >= data_.size()) {
    *result = std::string_view(scratch, 0);
    return Status::OK();
  }
  size_t avail = std::min<uint64_t>(n, data_.size() - offset);
  std::memcpy(scratch, data_.data() + offset, avail);
  *result = std::string_view(scratch, avail);
  return Status::OK();
}

std::string BuildTable(const TableOptions &options, const Model &model) {
  StringSink sink;
  TableBuilder b(options, &sink);
  for (const auto &[k, v] : model) {
    Status s = b.Add(k.user_key, k.tag, v);
    if (!s.ok()) std::abort();
  }
  if (!b.Finish().ok()) std::abort();
  if (b.FileSize() != sink.contents.size()) std::abort();
  return std::move(sink.contents);
}

Status OpenTable(const TableOptions &options, std::string bytes,
                 std::shared_ptr<Table> *out, const std::string &path,
                 uint64_t file_number) {
  uint64_t size = bytes.size();
  return Table::Open(options, std::make_unique<StringSource>(std::move(bytes)),
                     size, file_number, path, out);
}

namespace {

class ModelIterator final : public InternalIterator {
 public:
  explicit ModelIterator(const Model *m) : m_(m), it_(m->end()) {}
  void SeekToFirst() override { Land(m_->begin()); }
  void SeekToLast() override {
    Land(m_->empty() ? m_->end() : std::prev(m_->end()));
  }
  void Seek(std::string_view k, uint64_t t) override {
    Land(m_->lower_bound(IKey{std::string(k), t}));
  }
  void SeekForPrev(std::string_view k, uint64_t t) override {
    auto it = m_->upper_bound(IKey{std::string(k), t});
    Land(it == m_->begin() ? m_->end() : std::prev(it));
  }
  void Next() override { Land(std::next(it_)); }
  void Prev() override {
    Land(it_ == m_->begin() ? m_->end() : std::prev(it_));
  }
  Status status() const override { return Status::OK(); }

 private:
  void Land(Model::const_iterator it) {
    it_ = it;
    if (it_ == m_->end()) return ClearEntry();
    SetEntry(it_->first.user_key, it_->first.tag, it_->second, nullptr);
  }

  const Model *m_;
  Model::const_iterator it_;
};

}  // namespace

std::unique_ptr<InternalIterator> NewModelIterator(const Model *model) {
  return std::make_unique<ModelIterator>(model);
}

Model Collect(InternalIterator *it) {
  Model m;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    m.emplace(IKey{std::string(it->user_key()), it->tag()},
              std::string(it->value()));
  }
  return m;
}

}  // namespace shale::test
