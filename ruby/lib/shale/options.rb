# frozen_string_literal: true

module Shale
  # Keyword arguments of DB.open turned into a `shale_options` struct. The
  # struct is first filled by shale_options_init (the library's defaults and
  # struct_size), then only the given keywords are written, so a default
  # stays the library's business.
  module Options
    BOOLEAN = %i[create_if_missing error_if_exists read_only salvage].freeze
    INTEGER = %i[write_buffer_size block_cache_capacity block_size bloom_bits_per_key
                 max_open_files level0_compaction_trigger level0_slowdown_trigger
                 level0_stop_trigger target_file_size level1_max_bytes
                 level_size_multiplier].freeze
    # The uint64_t ones among INTEGER (the rest are uint32_t); the ABI test
    # checks this against the struct mirror.
    WIDE = %i[write_buffer_size block_cache_capacity target_file_size level1_max_bytes].freeze
    SYNC = { none: Native::SYNC_NONE, every: Native::SYNC_EVERY, group: Native::SYNC_GROUP }.freeze
    LOG_LEVELS = { debug: 0, info: 1, warn: 2, error: 3 }.freeze
    # encoding is the binding's own (DB reads it; see Encodings).
    KNOWN = (BOOLEAN + INTEGER + %i[sync sync_mode log_level logger encoding]).freeze

    module_function

    # Returns [Native::Options, logger registration] for `opts` (a Hash of
    # keywords). With a `logger:`, it is registered (Callbacks) and the
    # struct points the library at it; the second element is the `user`
    # pointer to unregister if the open fails (the library then never calls
    # logger_user_free), else nil. Registered last, after every check, so a
    # bad option leaves nothing registered.
    def build(opts)
      unknown = opts.keys - KNOWN
      unless unknown.empty?
        raise ArgumentError, "shale: unknown option#{'s' if unknown.size > 1} " \
                             "#{unknown.map(&:inspect).join(', ')}; known: #{KNOWN.join(', ')}"
      end

      st = Native::Options.new
      status = Native.shale_options_init(st, Native::Options.size)
      Error.raise_last(status) unless status == Native::OK

      opts.each do |name, value|
        case name
        when *BOOLEAN then st[name] = flag(name, value)
        when *INTEGER then st[name] = integer(name, value)
        when :sync, :sync_mode then st[:sync_mode] = sync_mode(value)
        when :log_level then st[:log_level] = log_level(value)
        when :logger then check_logger(value)
        end
      end
      logger = opts[:logger]
      return [st, nil] if logger.nil?

      user = Callbacks.register(Callbacks::Logger.new(logger))
      st[:logger] = Callbacks::LOG
      st[:logger_user] = user
      st[:logger_user_free] = Callbacks::USER_FREE
      [st, user]
    end

    def check_logger(value)
      return if value.nil? || Callbacks::Logger.valid?(value)

      raise TypeError, "shale: logger must respond to call(level, message) or be a Logger " \
                       "(#debug, #info, #warn, #error), not #{value.class}"
    end

    def flag(name, value)
      case value
      when true, 1 then 1
      when false, nil, 0 then 0
      else raise TypeError, "shale: option #{name} must be true or false, not #{value.inspect}"
      end
    end

    # Out-of-range numbers are left to the library, whose message names the
    # field; only what cannot be a C integer at all is refused here.
    def integer(name, value)
      raise TypeError, "shale: option #{name} must be an Integer, not #{value.class}" unless value.is_a?(Integer)

      bits = WIDE.include?(name) ? 64 : 32
      if value.negative? || value >= (1 << bits)
        raise ArgumentError, "shale: option #{name} must be in 0...2**#{bits}, not #{value}"
      end

      value
    end

    def sync_mode(value)
      return value if value.is_a?(Integer) && value >= 0

      SYNC.fetch(value) do
        raise ArgumentError, "shale: sync must be one of #{SYNC.keys.map(&:inspect).join(', ')}, " \
                             "not #{value.inspect}"
      end
    end

    def log_level(value)
      return value if value.is_a?(Integer)

      LOG_LEVELS.fetch(value) do
        raise ArgumentError, "shale: log_level must be one of #{LOG_LEVELS.keys.map(&:inspect).join(', ')}"
      end
    end
  end
end
