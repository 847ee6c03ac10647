/*
 * signals.h - how every tool stops on SIGINT, SIGTERM and SIGHUP.
 *
 * The first signal only sets ev_stop_signal; the tool notices it between
 * two lines (reads and writes interrupted by it return), finishes cleanly -
 * flushes what it may, saves its checkpoint, rolls back, removes temporary
 * files - and then ev_exit() ends the process by the same signal, so the
 * parent sees how it ended.  A second signal removes temporary files and
 * ends the process at once.
 */
#ifndef EV_SIGNALS_H
#define EV_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

/* The signal that asked the program to stop, or 0. */
extern volatile sig_atomic_t ev_stop_signal;

/* Set by SIGHUP when the tool asked for reload semantics. */
extern volatile sig_atomic_t ev_reload_pending;

/*
 * Installs the handlers (without SA_RESTART, so blocking calls return
 * EINTR).  With HUP_RELOADS, SIGHUP sets ev_reload_pending instead of
 * stopping the program.
 */
void ev_signals_install(bool hup_reloads);

/* Blocks and restores the handled signals around list updates. */
void ev_signals_block(sigset_t *old);
void ev_signals_restore(const sigset_t *old);

/* Removes every live temporary file (async-signal-safe). */
void ev_remove_tmp_files(void);

/*
 * Ends the program: by the stop signal when there was one (after cleanup
 * by exit handlers), else with STATUS.
 */
_Noreturn void ev_exit(int status);

#endif
