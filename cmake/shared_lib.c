/* shared_lib.c — the one source of the libcdlt.so target: the shared library is the static
 * library linked whole (cmake/install.cmake); this file only gives CMake a source to compile. */
const char *cdlt_shared_library_marker(void);
const char *cdlt_shared_library_marker(void) { return "cdlt"; }
