/*
 * Signals over the XINIM kernel. The kernel delivers a signal by calling the registered
 * handler with a0 = Linux signal number and ra = the restorer (__xinim_sigreturn, which
 * issues sigreturn). Programs number signals as picolibc does, so every caught signal is
 * registered with the kernel as one dispatcher that converts the number and calls the
 * program's handler.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <xinim/abi.h>
#include <xinim/xinim.h>
#include "syscall.h"

extern void __xinim_sigreturn(void);

/* Indexed by picolibc signal number. */
static _sig_func_ptr user_handlers[NSIG];

static void dispatch(int lsig)
{
    int sig = __sig_from_linux(lsig);
    if (sig > 0 && sig < NSIG) {
        _sig_func_ptr h = user_handlers[sig];
        if (h != SIG_DFL && h != SIG_IGN) h(sig);
    }
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    int lsig = __sig_to_linux(sig);
    if (sig <= 0 || sig >= NSIG || lsig <= 0 || lsig >= LX_NSIG) {
        errno = EINVAL;
        return -1;
    }
    struct xk_sigaction kact, kold;
    memset(&kold, 0, sizeof kold);
    if (act) {
        memset(&kact, 0, sizeof kact);
        if (act->sa_handler == SIG_DFL) kact.handler = LX_SIG_DFL;
        else if (act->sa_handler == SIG_IGN) kact.handler = LX_SIG_IGN;
        else kact.handler = (uint32_t)(uintptr_t)dispatch;
        /* picolibc only names SA_NOCLDSTOP (1, as Linux); the others in xinim.h are Linux's. */
        kact.flags = ((uint32_t)act->sa_flags & ~LX_SA_RESTORER) | LX_SA_RESTORER;
        kact.restorer = (uint32_t)(uintptr_t)__xinim_sigreturn;
        kact.mask = (xk_sigset_t)__sigset_to_linux(act->sa_mask);
    }
    _sig_func_ptr prev = user_handlers[sig];
    long r = __sc_ret(__sc3(SYS_sigaction, lsig, act ? &kact : NULL, &kold));
    if (r < 0) return -1;
    if (old) {
        memset(old, 0, sizeof *old);
        if (kold.handler == LX_SIG_DFL) old->sa_handler = SIG_DFL;
        else if (kold.handler == LX_SIG_IGN) old->sa_handler = SIG_IGN;
        else old->sa_handler = prev;
        old->sa_mask = __sigset_from_linux(kold.mask);
        old->sa_flags = (int)(kold.flags & ~LX_SA_RESTORER);
    }
    if (act) user_handlers[sig] = act->sa_handler;
    return 0;
}

_sig_func_ptr signal(int sig, _sig_func_ptr handler)
{
    struct sigaction act, old;
    memset(&act, 0, sizeof act);
    act.sa_handler = handler;
    act.sa_flags = SA_RESTART;
    if (sigaction(sig, &act, &old) < 0) return SIG_ERR;
    return old.sa_handler;
}

int raise(int sig) { return kill(getpid(), sig); }

static long how_to_linux(int how)
{
    switch (how) {
    case SIG_BLOCK: return LX_SIG_BLOCK;
    case SIG_UNBLOCK: return LX_SIG_UNBLOCK;
    case SIG_SETMASK: return LX_SIG_SETMASK;
    default: return -1;
    }
}

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
    long lhow = how_to_linux(how);
    if (set && lhow < 0) {
        errno = EINVAL;
        return -1;
    }
    xk_sigset_t kset = set ? (xk_sigset_t)__sigset_to_linux(*set) : 0, kold = 0;
    if (__sc_ret(__sc3(SYS_sigprocmask, lhow < 0 ? LX_SIG_BLOCK : lhow, set ? &kset : NULL, &kold)) < 0)
        return -1;
    if (old) *old = __sigset_from_linux(kold);
    return 0;
}

int pthread_sigmask(int how, const sigset_t *set, sigset_t *old) { return sigprocmask(how, set, old); }

int sigsuspend(const sigset_t *mask)
{
    xk_sigset_t k = (xk_sigset_t)__sigset_to_linux(*mask);
    return (int)__sc_ret(__sc1(SYS_sigsuspend, &k));
}

int pause(void)
{
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    return sigsuspend(&cur);
}
