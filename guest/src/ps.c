/* ps: list processes and servers (the kernel's ps_list). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xinim/xinim.h>

static const char *kind_name(int k) { return k == XK_PROC_SERVER ? "server" : k == XK_PROC_KERNEL ? "kernel" : "user"; }

int main(void)
{
    unsigned cap = 32;
    struct xk_proc *procs = NULL;
    int n;
    for (;;) {
        procs = realloc(procs, cap * sizeof *procs);
        if (!procs) {
            fprintf(stderr, "ps: out of memory\n");
            return 1;
        }
        n = xinim_ps_list(procs, cap);
        if (n < 0) {
            fprintf(stderr, "ps: %s\n", strerror(errno));
            return 1;
        }
        if ((unsigned)n <= cap) break;
        cap = (unsigned)n + 8;
    }
    printf("  PID  PPID  PGID  UID S KIND        INSNS NAME\n");
    for (int i = 0; i < n; i++) {
        const struct xk_proc *p = &procs[i];
        char name[sizeof p->name + 1];
        memcpy(name, p->name, sizeof p->name);
        name[sizeof p->name] = 0;
        printf("%5ld %5ld %5ld %4lu %c %-6s %12llu %s\n", (long)p->pid, (long)p->ppid, (long)p->pgid,
               (unsigned long)p->uid, p->state ? p->state : '?', kind_name(p->kind),
               (unsigned long long)p->icount, name);
    }
    free(procs);
    return 0;
}
