#ifndef SCIENCEFS_CFUSE_SHIM_H
#define SCIENCEFS_CFUSE_SHIM_H
/* libfuse 3 low-level API for Swift. FUSE_USE_VERSION must precede the include.
 * Swift cannot call macros, so the few we need are wrapped in static inline functions.
 *
 * 312 (3.12) or later is required by sciencefs_fuse_session_loop_mt below: with an older FUSE_USE_VERSION the
 * header maps fuse_session_loop_mt to fuse_session_loop_mt_32, which reads the opaque 3.12 loop config as the old
 * two-field struct. The config's version marker then reads as clone_fd (true), its clone_fd as max_idle_threads (0),
 * and max_threads stays at libfuse's default of 10: every request spawned a thread that opened its own /dev/fuse
 * and exited after one reply. */
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <fcntl.h>
#include <malloc.h>

static inline struct fuse_args sciencefs_fuse_args_init(int argc, char **argv) {
    struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
    return args;
}

static inline int sciencefs_fuse_session_loop_mt(struct fuse_session *se, int clone_fd, unsigned int max_idle,
                                                 unsigned int max_threads) {
    struct fuse_loop_config *config = fuse_loop_cfg_create();
    if (config == NULL) return -1;
    fuse_loop_cfg_set_clone_fd(config, clone_fd);
    fuse_loop_cfg_set_max_threads(config, max_threads);
    fuse_loop_cfg_set_idle_threads(config, max_idle);
    int rc = fuse_session_loop_mt(se, config);
    fuse_loop_cfg_destroy(config);
    return rc;
}

/* glibc gives threads that allocate their own malloc arena, up to 8 per core: caps that number. */
static inline int sciencefs_limit_malloc_arenas(int arenas) { return mallopt(M_ARENA_MAX, arenas); }

#endif
