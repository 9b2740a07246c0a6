# frozen_string_literal: true

require "helper"
require "gem_install"

# The gem as a user gets it: gem build, gem install --user-install --local,
# then a program run with no environment variable that points at shale,
# against a libshale installed with cmake --install. (test_installed_gem.sh
# runs the whole suite that way.)
class TestGem < ShaleTest
  PROGRAM = <<~'RUBY'
    require "shale"
    puts Shale.library_path
    puts $LOADED_FEATURES.find { |f| f.end_with?("/lib/shale.rb") }
    Shale::DB.open(ARGV[0], encoding: Encoding::UTF_8) do |db|
      db["café"] = "crème"
      puts db["café"] == "crème", "Größe: " + db["café"], db.size, db.keys.inspect
    end
  RUBY

  def run_program(home, db)
    out, status = Open3.capture2e(GemInstall.clean_env(home), RbConfig.ruby, "-e", PROGRAM, db,
                                  unsetenv_others: true)
    assert status.success?, out
    out.lines(chomp: true)
  end

  def test_built_and_installed_gem_finds_the_installed_library_on_its_own
    lib = GemInstall.install_library(@tmp)
    gem = GemInstall.build_gem(@tmp)
    # What the gem holds: every file of lib/, the install hook, the spec.
    files = GemInstall.run!(GemInstall.clean_env(@tmp), "gem", "specification", gem, "files").lines
                      .grep(/^- /).map { |l| l[2..].strip }
    expected = Dir.glob("lib/**/*.rb", base: GemInstall::RUBY_DIR) + ["ext/shale/extconf.rb", "shale.gemspec"]
    assert_equal expected.sort, files.sort

    pc = File.dirname(Dir[File.join(@tmp, "prefix", "**", "pkgconfig", "shale.pc")].first)
    home, = GemInstall.install_gem(@tmp, gem, env: { "PKG_CONFIG_PATH" => pc })
    assert_includes GemInstall.install_log(home), "shale: using #{lib} (found by pkg-config)"

    lines = run_program(home, path)
    assert_equal lib, lines[0]
    assert lines[1].start_with?(File.join(home, ".local")), "shale.rb from #{lines[1]}, not the installed gem"
    assert_equal ["true", "Größe: crème", "1", '["café"]'], lines[2..]
  end

  def test_install_with_shale_dir
    lib = GemInstall.install_library(@tmp)
    home, = GemInstall.install_gem(@tmp, GemInstall.build_gem(@tmp),
                                   args: ["--with-shale-dir=#{File.join(@tmp, 'prefix')}"])
    assert_includes GemInstall.install_log(home), "shale: using #{lib} (found by --with-shale-dir)"
    assert_equal lib, run_program(home, path)[0]
  end

  def test_install_fails_loudly_when_the_library_asked_for_is_not_there
    gem = GemInstall.build_gem(@tmp)
    err = assert_raises(RuntimeError) do
      GemInstall.install_gem(@tmp, gem, args: ["--with-shale-dir=#{File.join(@tmp, 'nowhere')}"])
    end
    assert_match %r{no usable libshale\.so\.1; tried:\n  #{Regexp.escape(@tmp)}/nowhere/lib/libshale\.so\.1 }, err.message
  end
end
