// sentry_trace/profiling/symbols.hpp -- code addresses to function names, on the client
//
// WHAT IT DOES  resolve_frame() turns one code address into a resolved_frame (frames.hpp): the
//               image that holds it (its path, file name and in_app), the function that covers
//               it (demangled by demangle.hpp) and where that function starts. It keeps:
//                 an image table   filled by dl_iterate_phdr(): each image's load bias, the
//                                  [low, high) span of its PT_LOAD segments, its path (the main
//                                  executable's from /proc/self/exe) and its GNU build id (read
//                                  from the PT_NOTE in memory). Refilled when an address falls
//                                  in no known image (a dlopen() since); entries are only
//                                  added, so an image_index stays valid until release_symbols();
//                 the image files  each opened and mmap()ed read-only the first time one of its
//                                  addresses is resolved, and kept mapped until release_symbols();
//                                  its .symtab/.strtab (else .dynsym/.dynstr) are read in place by
//                                  the small ELF64 reader below.
//               A function is the STT_FUNC / STT_GNU_IFUNC symbol with st_value <= address - bias
//               < st_value + st_size (the nearest preceding one when the only candidates have
//               size 0); when the file gives none, dladdr() (which sees only exported symbols).
//               format_debug_id() / format_code_id() write the build id as Sentry's debug_meta
//               wants it (PROTOCOL.md §12).
// DOES NOT      run in a signal handler (it locks, opens files and maps them): the profiler
//               resolves at flush time, an error event on the capturing thread. It allocates
//               nothing on the heap; the mappings are address space backed by the page cache.
//               It reads no DWARF (no file:line, no inlined frames) and no separate debug files
//               (.gnu_debuglink / debuginfod): a stripped image gives its exported names only.
//               It trusts no file: every offset and size in an ELF file is checked against the
//               file's size, and a truncated or hostile file gives "unknown function", never a
//               read out of bounds. It does not check that the file on disk is still the one
//               that was loaded (a file replaced under a running program names wrongly).
// RAM           max_symbol_images x sizeof(symbol_image) and the in_app patterns, static
//               (103 224 bytes in all on x86-64); plus one read-only mapping per image resolved.
// THREADS       Every call locks one mutex (the profiler's flush and an error capture may
//               resolve at once); none is on the span path.
// SPEC          https://develop.sentry.dev/sdk/data-model/event-payloads/debugmeta/ (elf images)
//               https://refspecs.linuxfoundation.org/elf/gabi4+/ch4.symtab.html

#ifndef SENTRY_TRACE_PROFILING_SYMBOLS_HPP
#define SENTRY_TRACE_PROFILING_SYMBOLS_HPP

#include "../config.hpp"
#include "frames.hpp"
#include "stack_walk.hpp"
#include "../face/options.hpp"
#include "../protocol/demangle.hpp"
#include "../protocol/json.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if SENTRY_TRACE_DETAIL_PROFILING
#  include <dlfcn.h>
#  include <elf.h>
#  include <fcntl.h>
#  include <link.h>
#  include <sys/mman.h>
#  include <sys/stat.h>
#  include <unistd.h>
#  include <mutex>
#endif

SENTRY_TRACE_DETAIL_BEGIN

namespace detail {

/// Images the table holds (the executable, its libraries and what dlopen() adds); addresses in
/// images beyond it resolve to nothing.
inline constexpr std::size_t max_symbol_images = 256;
/// The longest build id kept (GNU's are 20 bytes, SHA-1; some linkers write 16 or 32).
inline constexpr std::size_t max_build_id_bytes = 32;
/// in_app_include patterns kept, and the bytes of their text.
inline constexpr std::size_t max_in_app_patterns = 16;
inline constexpr std::size_t max_in_app_pattern_bytes = 512;

/// One symbol as the ELF reader found it: `name` points into the file's bytes.
struct elf_symbol {
  std::string_view name;
  std::uint64_t value = 0;  ///< st_value: the symbol's address in the file's own address space
  std::uint64_t size = 0;
};

/// Where an ELF file keeps the symbol table the reader uses, checked against the file's size.
struct elf_symbol_table {
  std::size_t symbols = 0;       ///< file offset of the first Elf64_Sym
  std::size_t count = 0;         ///< symbols in it
  std::size_t entry_size = 0;    ///< sh_entsize (at least sizeof(Elf64_Sym))
  std::size_t strings = 0;       ///< file offset of its string table
  std::size_t strings_size = 0;  ///< bytes of it
  bool found = false;
};

/// Reads a T at `offset` of file[0..size): false when it does not lie wholly inside. memcpy,
/// since a hostile file's offsets need not be aligned.
template <class T>
bool elf_read(const unsigned char* file, std::size_t size, std::size_t offset, T& out) noexcept {
  if (offset > size || size - offset < sizeof(T)) return false;
  std::memcpy(&out, file + offset, sizeof(T));
  return true;
}

/// True when [offset, offset + bytes) lies inside a file of `size` bytes.
constexpr bool elf_span_inside(std::uint64_t offset, std::uint64_t bytes, std::size_t size) noexcept {
  return offset <= size && bytes <= size - offset;
}

/// One image of the process, as dl_iterate_phdr() reports it.
struct symbol_image {
  std::uintptr_t bias = 0;  ///< dlpi_addr: file address + bias = run-time address
  std::uintptr_t low = 0;   ///< the lowest PT_LOAD byte, run time (page-aligned down)
  std::uintptr_t high = 0;  ///< one past the highest
  char path[256] = {};
  std::size_t path_len = 0;
  unsigned char build_id[max_build_id_bytes] = {};
  std::size_t build_id_len = 0;
  bool main_executable = false;
  bool map_tried = false;  ///< the file was opened (or failed to open) once; not again
  const unsigned char* map = nullptr;
  std::size_t map_size = 0;
  elf_symbol_table table{};

  std::string_view path_view() const noexcept { return std::string_view(path, path_len); }
  /// The file name: the path after its last '/'.
  std::string_view file_name() const noexcept {
    const std::string_view p = path_view();
    const std::size_t slash = p.rfind('/');
    return slash == std::string_view::npos ? p : p.substr(slash + 1);
  }
};

/// What an error event's debug_meta names for one image (views into the image table).
struct image_record {
  std::string_view code_file;
  std::uintptr_t image_addr = 0;
  std::uint64_t image_size = 0;
  const unsigned char* build_id = nullptr;
  std::size_t build_id_len = 0;
};

/// Finds the symbol table of the ELF64 file file[0..size): .symtab when present, else .dynsym,
/// each with the string table its sh_link names. False (and `out.found` false) for anything
/// that is not a well-formed little/native-endian ELF64 file in the parts it reads.
inline bool elf_find_symbol_table(const unsigned char* file, std::size_t size, elf_symbol_table& out) noexcept {
  out = elf_symbol_table{};
#if SENTRY_TRACE_DETAIL_PROFILING
  Elf64_Ehdr eh;
  if (file == nullptr || !elf_read(file, size, 0, eh)) return false;
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64) return false;
#  if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if (eh.e_ident[EI_DATA] != ELFDATA2LSB) return false;
#  else
  if (eh.e_ident[EI_DATA] != ELFDATA2MSB) return false;
#  endif
  if (eh.e_shentsize < sizeof(Elf64_Shdr) || eh.e_shnum == 0) return false;
  const std::uint64_t sh_bytes = static_cast<std::uint64_t>(eh.e_shentsize) * eh.e_shnum;
  if (!elf_span_inside(eh.e_shoff, sh_bytes, size)) return false;
  auto section = [&](std::size_t i, Elf64_Shdr& s) noexcept {
    return elf_read(file, size, static_cast<std::size_t>(eh.e_shoff) + i * eh.e_shentsize, s);
  };
  for (const std::uint32_t wanted : {static_cast<std::uint32_t>(SHT_SYMTAB), static_cast<std::uint32_t>(SHT_DYNSYM)}) {
    for (std::size_t i = 0; i < eh.e_shnum; ++i) {
      Elf64_Shdr s, str;
      if (!section(i, s) || s.sh_type != wanted) continue;
      if (s.sh_entsize < sizeof(Elf64_Sym) || !elf_span_inside(s.sh_offset, s.sh_size, size)) continue;
      if (s.sh_link == 0 || s.sh_link >= eh.e_shnum || !section(s.sh_link, str)) continue;
      if (str.sh_type != SHT_STRTAB || !elf_span_inside(str.sh_offset, str.sh_size, size)) continue;
      out.symbols = static_cast<std::size_t>(s.sh_offset);
      out.count = static_cast<std::size_t>(s.sh_size / s.sh_entsize);
      out.entry_size = static_cast<std::size_t>(s.sh_entsize);
      out.strings = static_cast<std::size_t>(str.sh_offset);
      out.strings_size = static_cast<std::size_t>(str.sh_size);
      out.found = true;
      return true;
    }
  }
#else
  (void)file;
  (void)size;
#endif
  return false;
}

/// The function symbol of `table` (in file[0..size)) that covers the file address `address`:
/// the sized one containing it, else the nearest preceding one of size 0. False when none does
/// or its name is not a NUL-terminated string inside the string table.
inline bool elf_lookup(const unsigned char* file, std::size_t size, const elf_symbol_table& table,
                       std::uint64_t address, elf_symbol& out) noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  if (!table.found) return false;
  bool have_sized = false, have_bare = false;
  Elf64_Sym best{}, bare{};
  for (std::size_t i = 0; i < table.count; ++i) {
    Elf64_Sym sym;
    if (!elf_read(file, size, table.symbols + i * table.entry_size, sym)) break;
    const unsigned type = ELF64_ST_TYPE(sym.st_info);
    if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF || sym.st_value > address) continue;
    if (sym.st_size != 0) {
      if (address - sym.st_value < sym.st_size && (!have_sized || sym.st_value > best.st_value)) {
        best = sym;
        have_sized = true;
      }
    } else if (!have_bare || sym.st_value > bare.st_value) {
      bare = sym;
      have_bare = true;
    }
  }
  if (!have_sized && !have_bare) return false;
  const Elf64_Sym& s = have_sized ? best : bare;
  if (s.st_name >= table.strings_size) return false;
  const char* name = reinterpret_cast<const char*>(file + table.strings + s.st_name);
  const std::size_t room = table.strings_size - s.st_name;
  const void* end = std::memchr(name, '\0', room);
  if (end == nullptr) return false;
  out.name = std::string_view(name, static_cast<std::size_t>(static_cast<const char*>(end) - name));
  out.value = s.st_value;
  out.size = s.st_size;
  return !out.name.empty();
#else
  (void)file;
  (void)size;
  (void)table;
  (void)address;
  (void)out;
  return false;
#endif
}

/// Writes `len` bytes of build id as Sentry's debug_id: the first 16 bytes (zero-padded) as a
/// GUID whose first u32 and next two u16 are little-endian, i.e. byte-swapped when printed
/// (sentry-native's sentry__module_get_debug_id). out[36] is a NUL; returns 36.
inline std::size_t format_debug_id(const unsigned char* build_id, std::size_t len, char (&out)[37]) noexcept {
  std::uint8_t b[16] = {};
  if (build_id != nullptr) std::memcpy(b, build_id, len < 16 ? len : 16);
  const std::uint8_t g[16] = {b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6],
                              b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]};
  char* p = out;
  hex_lower(p, g, 4), p += 8, *p++ = '-';
  hex_lower(p, g + 4, 2), p += 4, *p++ = '-';
  hex_lower(p, g + 6, 2), p += 4, *p++ = '-';
  hex_lower(p, g + 8, 2), p += 4, *p++ = '-';
  hex_lower(p, g + 10, 6), p += 12;
  *p = '\0';
  return 36;
}

/// Writes the whole build id as lowercase hex (Sentry's code_id, what `readelf -n` prints) into
/// out[0..cap); returns its length, 0 when it does not fit or there is none.
inline std::size_t format_code_id(const unsigned char* build_id, std::size_t len, char* out, std::size_t cap) noexcept {
  if (build_id == nullptr || len == 0 || cap < 2 * len) return 0;
  hex_lower(out, build_id, len);
  return 2 * len;
}

#if SENTRY_TRACE_DETAIL_PROFILING

/// The symbolizer's state: the image table and the in_app patterns, behind one mutex.
struct symbol_state {
  std::mutex lock;
  symbol_image images[max_symbol_images];
  std::size_t count = 0;
  std::string_view patterns[max_in_app_patterns] = {};
  std::size_t pattern_count = 0;
  char pattern_text[max_in_app_pattern_bytes] = {};
};

inline symbol_state g_symbols{};

/// The GNU build id from the PT_NOTE segments of a loaded image (read in memory, where the
/// loader mapped them), into `img`.
inline void read_build_id(const dl_phdr_info& info, symbol_image& img) noexcept {
  for (std::size_t i = 0; i < info.dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info.dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    const unsigned char* p = reinterpret_cast<const unsigned char*>(info.dlpi_addr + ph.p_vaddr);
    std::size_t left = static_cast<std::size_t>(ph.p_memsz);
    while (left >= sizeof(ElfW(Nhdr))) {
      ElfW(Nhdr) nh;
      std::memcpy(&nh, p, sizeof nh);
      const std::size_t name_room = (static_cast<std::size_t>(nh.n_namesz) + 3) & ~std::size_t{3};
      const std::size_t desc_room = (static_cast<std::size_t>(nh.n_descsz) + 3) & ~std::size_t{3};
      if (name_room > left - sizeof nh || desc_room > left - sizeof nh - name_room) break;
      const unsigned char* name = p + sizeof nh;
      if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0 &&
          nh.n_descsz != 0 && nh.n_descsz <= max_build_id_bytes) {
        std::memcpy(img.build_id, name + name_room, nh.n_descsz);
        img.build_id_len = nh.n_descsz;
        return;
      }
      p += sizeof nh + name_room + desc_room;
      left -= sizeof nh + name_room + desc_room;
    }
  }
}

/// dl_iterate_phdr's callback: adds an image not in the table yet (same bias and path).
inline int add_image(dl_phdr_info* info, std::size_t, void* data) noexcept {
  symbol_state& st = *static_cast<symbol_state*>(data);
  // The main program comes with an empty dlpi_name; its path is /proc/self/exe's target.
  const bool main_exe = info->dlpi_name == nullptr || info->dlpi_name[0] == '\0';
  char path[256];
  std::size_t path_len = 0;
  if (main_exe) {
    const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0) return 0;
    path_len = static_cast<std::size_t>(n);
  } else {
    path_len = std::strlen(info->dlpi_name);
    if (path_len >= sizeof path) return 0;  // a path we cannot hold: its frames stay unknown
    std::memcpy(path, info->dlpi_name, path_len);
  }
  std::uintptr_t low = UINTPTR_MAX, high = 0;
  for (std::size_t i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    const std::uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    const std::uintptr_t end = start + ph.p_memsz;
    if (start < low) low = start;
    if (end > high) high = end;
  }
  if (high <= low) return 0;
  const std::string_view p(path, path_len);
  for (std::size_t i = 0; i < st.count; ++i)
    if (st.images[i].bias == info->dlpi_addr && st.images[i].low == (low & ~std::uintptr_t{4095}) &&
        st.images[i].path_view() == p)
      return 0;
  if (st.count == max_symbol_images) return 1;
  symbol_image& img = st.images[st.count];
  img = symbol_image{};
  img.bias = info->dlpi_addr;
  img.low = low & ~std::uintptr_t{4095};
  img.high = high;
  std::memcpy(img.path, path, path_len);
  img.path_len = path_len;
  img.main_executable = main_exe;
  read_build_id(*info, img);
  ++st.count;
  return 0;
}

/// The table's entry holding `addr` (the latest added wins when spans overlap, after a
/// dlclose/dlopen reused the range); refilled once when none does. Needs st.lock held.
inline symbol_image* find_image(symbol_state& st, std::uintptr_t addr) noexcept {
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = st.count; i-- > 0;)
      if (addr >= st.images[i].low && addr < st.images[i].high) return &st.images[i];
    if (pass == 0) dl_iterate_phdr(&add_image, &st);
  }
  return nullptr;
}

/// Maps the image's file read-only, once, and finds its symbol table. Needs the lock held.
inline void map_image(symbol_image& img) noexcept {
  if (img.map_tried) return;
  img.map_tried = true;
  if (img.path_len == 0 || img.path[0] != '/') return;  // e.g. linux-vdso.so.1: no file
  const int fd = open(img.path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat sb;
  if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
    void* m = mmap(nullptr, static_cast<std::size_t>(sb.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (m != MAP_FAILED) {
      img.map = static_cast<const unsigned char*>(m);
      img.map_size = static_cast<std::size_t>(sb.st_size);
      elf_find_symbol_table(img.map, img.map_size, img.table);
    }
  }
  close(fd);
}

/// True when `path` contains one of the in_app_include patterns.
inline bool path_in_app(const symbol_state& st, std::string_view path) noexcept {
  for (std::size_t i = 0; i < st.pattern_count; ++i)
    if (!st.patterns[i].empty() && path.find(st.patterns[i]) != std::string_view::npos) return true;
  return false;
}

/// Puts `name` into scratch[0..cap) demangled (or as given when the demangler does not know it,
/// cut to fit) and returns the view.
inline std::string_view function_name_into(std::string_view name, char* scratch, std::size_t cap) noexcept {
  if (scratch == nullptr || cap == 0) return {};
  std::size_t n = demangle(name, scratch, cap);
  if (n == 0) {
    n = name.size() < cap ? name.size() : cap;
    std::memcpy(scratch, name.data(), n);
  }
  return std::string_view(scratch, n);
}

#endif  // SENTRY_TRACE_DETAIL_PROFILING

/// Resolves `addr` (a code address to look up: for a return address, frame_lookup_address()'s)
/// into `out`, the function name in scratch[0..cap) (cut to fit), the module strings in the
/// image table (valid until release_symbols()). False when no loaded image contains it (out
/// then holds only instruction_addr); true with an empty function when the image is known but
/// no symbol covers the address. Locks; may open and map a file; never in a signal handler.
inline bool resolve_frame(std::uintptr_t addr, resolved_frame& out, char* scratch, std::size_t cap) noexcept {
  out = resolved_frame{};
  out.instruction_addr = addr;
#if SENTRY_TRACE_DETAIL_PROFILING
  symbol_state& st = g_symbols;
  std::lock_guard<std::mutex> guard(st.lock);
  symbol_image* img = find_image(st, addr);
  if (img == nullptr) return false;
  out.module_path = img->path_view();
  out.module = img->file_name();
  out.in_app = img->main_executable || path_in_app(st, out.module_path);
  out.image_index = static_cast<std::uint32_t>(img - st.images) + 1;
  map_image(*img);
  elf_symbol sym;
  if (img->map != nullptr && elf_lookup(img->map, img->map_size, img->table, addr - img->bias, sym)) {
    out.function = function_name_into(sym.name, scratch, cap);
    out.symbol_addr = static_cast<std::uintptr_t>(sym.value) + img->bias;
    return true;
  }
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(addr), &info) != 0 && info.dli_sname != nullptr && info.dli_saddr != nullptr) {
    out.function = function_name_into(info.dli_sname, scratch, cap);
    out.symbol_addr = reinterpret_cast<std::uintptr_t>(info.dli_saddr);
  }
  return true;
#else
  (void)scratch;
  (void)cap;
  return false;
#endif
}

/// The image `image_index` (1-based, from a resolved_frame) as debug_meta names it; false for
/// an index not in the table. The views stay valid until release_symbols().
inline bool image_at(std::uint32_t image_index, image_record& out) noexcept {
  out = image_record{};
#if SENTRY_TRACE_DETAIL_PROFILING
  symbol_state& st = g_symbols;
  std::lock_guard<std::mutex> guard(st.lock);
  if (image_index == 0 || image_index > st.count) return false;
  const symbol_image& img = st.images[image_index - 1];
  out.code_file = img.path_view();
  out.image_addr = img.low;
  out.image_size = img.high - img.low;
  out.build_id = img.build_id;
  out.build_id_len = img.build_id_len;
  return true;
#else
  (void)image_index;
  return false;
#endif
}

/// Sets the in_app_include patterns (copied; a frame is in_app when its image's path contains
/// one), replacing the previous ones. The first max_in_app_patterns patterns that fit in
/// max_in_app_pattern_bytes bytes in all are kept, the rest ignored. Locks.
inline void set_in_app_patterns(const std::string_view* patterns, std::size_t count) noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  symbol_state& st = g_symbols;
  std::lock_guard<std::mutex> guard(st.lock);
  st.pattern_count = 0;
  if (patterns == nullptr) return;
  std::size_t used = 0;
  for (std::size_t i = 0; i < count && st.pattern_count < max_in_app_patterns; ++i) {
    const std::string_view s = patterns[i];
    if (s.empty() || s.size() > max_in_app_pattern_bytes - used) continue;
    std::memcpy(st.pattern_text + used, s.data(), s.size());
    st.patterns[st.pattern_count++] = std::string_view(st.pattern_text + used, s.size());
    used += s.size();
  }
#else
  (void)patterns;
  (void)count;
#endif
}

/// init()'s hook: copies options.in_app_include (set_in_app_patterns' limits).
inline void configure_symbols(const options& o) noexcept {
  set_in_app_patterns(o.in_app_include, o.in_app_include_count);
}

/// Unmaps every image file and empties the table (shutdown): every view resolve_frame() or
/// image_at() handed out is invalid after it. Locks.
inline void release_symbols() noexcept {
#if SENTRY_TRACE_DETAIL_PROFILING
  symbol_state& st = g_symbols;
  std::lock_guard<std::mutex> guard(st.lock);
  for (std::size_t i = 0; i < st.count; ++i) {
    symbol_image& img = st.images[i];
    if (img.map != nullptr) munmap(const_cast<unsigned char*>(img.map), img.map_size);
    img = symbol_image{};
  }
  st.count = 0;
#endif
}

}  // namespace detail

SENTRY_TRACE_DETAIL_END

#endif  // SENTRY_TRACE_PROFILING_SYMBOLS_HPP
