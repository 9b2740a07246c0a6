# frozen_string_literal: true

# rb_bench.rb — shale from Ruby (the ffi binding), with the cost of a bare
# ffi call as the floor.
#
# Same data as bench/py_compare.py: 16-byte keys, 100-byte random values,
# N keys inserted in one random order and read in another. Workloads (ops/s):
#   put        db.put per key (one write, one crossing each)
#   put_batch  db.put_many of 1,000 pairs (one atomic write, one crossing)
#   get        db.get per key, random order
#   get_batch  db.get_many of 1,000 keys (one crossing)
#   scan       db.each over everything, counting entries
# and engine "ffi-floor": N calls of a trivial attached function, the least
# any binding call can cost: libc abs(int) and shale_version_number(); and
# the same reads made with the C calls raw through Shale::Native, buffers
# made once, no binding code (raw_get: shale_db_get_into per key; raw_
# get_batch: shale_db_get_many of 1,000 pre-joined keys): the floor of an
# ffi call plus the C read itself, which the binding's get and get_many are
# measured against.
#
# Reads run on a db loaded with put_many, closed, reopened and warmed by one
# untimed scan; every write run starts from an empty db. Medians of --runs.
# Wall and CPU (Process.times: user+sys of every thread) around the timed
# loop only.
#
#   SHALE_LIBRARY=build-py/lib/libshale.so.1 ruby -Iruby/lib bench/rb_bench.rb \
#       [--quick] [--keys N] [--runs R] [--out results.jsonl]
#
# JSON Lines (suite "ruby") go to --out; the human table to stdout.

require "json"
require "optparse"
require "tmpdir"
require "fileutils"
require "ffi"
require "shale"

KEY_SIZE = 16
VALUE_SIZE = 100
BATCH = 1000
CACHE_BYTES = 64 << 20
WRITE_BUFFER_BYTES = 4 << 20
OPEN_OPTS = { sync: :none, block_cache_capacity: CACHE_BYTES, write_buffer_size: WRITE_BUFFER_BYTES }.freeze
DESCRIBE = "shale Ruby binding (ffi gem #{FFI::VERSION}, Ruby #{RUBY_VERSION}): no compression in shale; " \
           "block cache 64 MiB; write buffer 4 MiB; sync: :none (WAL written, never fsynced); " \
           "put_batch = put_many of 1,000; get_batch = get_many of 1,000; scan = each"
FLOOR_DESCRIBE = "a bare ffi call, the floor of any binding call: libc abs(int) attached with ffi; " \
                 "shale_version_number() through Shale::Native (no arguments, returns an int)"

# The floor: a trivial libc function attached the same way the binding
# attaches its functions.
module LibcFloor
  extend FFI::Library
  ffi_lib FFI::Library::LIBC
  attach_function :abs, [:int], :int
end

options = { keys: nil, runs: 3, quick: false, out: nil }
OptionParser.new do |o|
  o.banner = "usage: rb_bench.rb [--quick] [--keys N] [--runs R] [--out FILE]"
  o.on("--quick", "20,000 keys") { options[:quick] = true }
  o.on("--keys N", Integer, "keys (default 200,000; --quick 20,000)") { |v| options[:keys] = v }
  o.on("--runs R", Integer, "runs per workload (default 3)") { |v| options[:runs] = v }
  o.on("--out FILE", "append JSON Lines here") { |v| options[:out] = v }
end.parse!
N = options[:keys] || (options[:quick] ? 20_000 : 200_000)
RUNS = options[:runs]
OUT = options[:out] && File.open(options[:out], "a")

def emit(obj)
  return unless OUT

  OUT.puts(JSON.generate(obj))
  OUT.flush
end

RESULTS = Hash.new { |h, k| h[k] = [] } # [engine, workload] => [ops/s per run]

# Runs the block once, timed; records one JSON line; returns the block's value.
def measure(engine, workload, run, ops: N)
  t0 = Process.times
  w0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  result = yield
  wall = Process.clock_gettime(Process::CLOCK_MONOTONIC) - w0
  t1 = Process.times
  emit(suite: "ruby", engine: engine, workload: workload, run: run, ops: ops, threads: 1,
       value_size: engine == "ffi-floor" ? 0 : VALUE_SIZE, sync: 0,
       wall_s: wall.round(6), user_s: (t1.utime - t0.utime).round(6), sys_s: (t1.stime - t0.stime).round(6),
       ops_per_s: (ops / wall).round(1), bytes_per_op: engine == "ffi-floor" ? 0 : KEY_SIZE + VALUE_SIZE)
  RESULTS[[engine, workload]] << ops / wall
  result
end

def check(what, found)
  raise "#{what}: found #{found} of #{N}" unless found == N
end

def median(xs)
  s = xs.sort
  s.size.odd? ? s[s.size / 2] : (s[s.size / 2 - 1] + s[s.size / 2]) / 2.0
end

# shale_db_get_into per key into one reused buffer: the C read plus an ffi
# call, nothing of the binding. Returns how many were found.
def raw_get(dbp, keys)
  buf = FFI::MemoryPointer.new(:char, 4096)
  needed = FFI::MemoryPointer.new(:size_t)
  found = 0
  keys.each do |k|
    st = Shale::Native.shale_db_get_into(dbp, nil, k, k.bytesize, buf, 4096, needed)
    found += 1 if st.zero?
  end
  found
end

# shale_db_get_many per chunk of pre-joined keys (lengths made once).
def raw_get_batch(dbp, chunks)
  out = FFI::MemoryPointer.new(:pointer)
  found_n = FFI::MemoryPointer.new(:size_t)
  found = 0
  chunks.each do |joined, key_lens, value_lens, n|
    st = Shale::Native.shale_db_get_many(dbp, nil, n, joined, key_lens, out, value_lens, found_n)
    raise "shale_db_get_many: #{Shale::Native.shale_last_error}" unless st.zero?

    found += found_n.read(:size_t)
    Shale::Native.shale_free(out.read_pointer)
  end
  found
end

rng = Random.new(42)
keys = Array.new(N) { |i| format("%016d", i).b }
values = Array.new(N) { rng.bytes(VALUE_SIZE) }
pairs = (0...N).to_a.shuffle(random: rng).map { |i| [keys[i], values[i]] }
read_keys = keys.shuffle(random: rng)
pair_chunks = pairs.each_slice(BATCH).to_a
key_chunks = read_keys.each_slice(BATCH).to_a
joined_chunks = key_chunks.map do |c|
  lens = FFI::MemoryPointer.new(:size_t, c.size)
  c.each_with_index { |k, i| lens.put(:size_t, i * FFI.type_size(:size_t), k.bytesize) }
  [c.join, lens, FFI::MemoryPointer.new(:size_t, c.size), c.size]
end

emit(suite: "ruby", kind: "settings", engine: "shale", version: "#{Shale::BINDING_VERSION} (libshale #{Shale::Native.shale_version})", describe: DESCRIBE)
emit(suite: "ruby", kind: "settings", engine: "ffi-floor", version: "ffi #{FFI::VERSION}", describe: FLOOR_DESCRIBE)

root = Dir.mktmpdir("rb_bench-")
begin
  RUNS.times do |run|
    %w[put put_batch].each do |workload|
      dir = File.join(root, "#{workload}-#{run}")
      Shale::DB.open(dir, **OPEN_OPTS) do |db|
        measure("shale", workload, run) do
          if workload == "put"
            pairs.each { |k, v| db.put(k, v) }
          else
            pair_chunks.each { |c| db.put_many(c) }
          end
        end
      end
      FileUtils.rm_rf(dir)
    end
  end

  dir = File.join(root, "read")
  Shale::DB.open(dir, **OPEN_OPTS) { |db| pair_chunks.each { |c| db.put_many(c) } }
  Shale::DB.open(dir, **OPEN_OPTS) do |db|
    n = 0
    db.each { n += 1 }
    check("warm-up scan", n)
    RUNS.times do |run|
      found = measure("shale", "get", run) do
        f = 0
        read_keys.each { |k| f += 1 unless db.get(k).nil? }
        f
      end
      check("get", found)
      found = measure("shale", "get_batch", run) do
        key_chunks.sum { |c| db.get_many(c).count { |v| !v.nil? } }
      end
      check("get_batch", found)
      found = measure("shale", "scan", run) do
        c = 0
        db.each { c += 1 }
        c
      end
      check("scan", found)
      found = measure("ffi-floor", "raw_get", run) { raw_get(db.c_handle, read_keys) }
      check("raw_get", found)
      found = measure("ffi-floor", "raw_get_batch", run) { raw_get_batch(db.c_handle, joined_chunks) }
      check("raw_get_batch", found)
    end
  end

  # The floor: as many calls as reads, so the per-op figures compare.
  RUNS.times do |run|
    measure("ffi-floor", "abs", run) { N.times { |i| LibcFloor.abs(i) } }
    measure("ffi-floor", "shale_version_number", run) { N.times { Shale::Native.shale_version_number } }
    measure("ffi-floor", "empty_loop", run) { N.times { |i| i } }
  end
ensure
  FileUtils.rm_rf(root)
  OUT&.close
end

puts "Ruby: #{N} keys, #{KEY_SIZE}-byte keys, #{VALUE_SIZE}-byte values, median of #{RUNS} runs"
puts format("%-10s %-22s %14s %10s", "engine", "workload", "ops/s", "us/op")
RESULTS.each do |(engine, workload), xs|
  m = median(xs)
  puts format("%-10s %-22s %14s %10.3f", engine, workload, m.round.to_s.reverse.scan(/\d{1,3}/).join(",").reverse,
              1e6 / m)
end
puts "  shale binding #{Shale::BINDING_VERSION}, libshale #{Shale::Native.shale_version}: #{DESCRIBE}"
puts "  ffi-floor: #{FLOOR_DESCRIBE}; empty_loop = the Ruby loop alone"
