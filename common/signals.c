/*
 * signals.c - clean stops on SIGINT, SIGTERM, SIGHUP.
 */
#include "signals.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

volatile sig_atomic_t ev_stop_signal;
volatile sig_atomic_t ev_reload_pending;
static bool hup_is_reload;

static void
on_signal(int sig)
{
	if (sig == SIGHUP && hup_is_reload) {
		ev_reload_pending = 1;
		return;
	}
	if (ev_stop_signal) {
		/*
		 * Second signal: no more patience.  SIG is blocked while its
		 * handler runs; unblock it so that the process ends by the
		 * signal itself, as ev_exit does, not by the _exit below.
		 */
		sigset_t set;

		ev_remove_tmp_files();
		signal(sig, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(sig);
		_exit(128 + sig);
	}
	ev_stop_signal = sig;
}

void
ev_signals_install(bool hup_reloads)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa;
	size_t i;

	hup_is_reload = hup_reloads;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: let blocking calls return */
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

void
ev_signals_block(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, old);
}

void
ev_signals_restore(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

void
ev_exit(int status)
{
	int sig = ev_stop_signal;

	if (sig) {
		ev_remove_tmp_files();
		signal(sig, SIG_DFL);
		raise(sig);
		exit(128 + sig);
	}
	exit(status);
}
