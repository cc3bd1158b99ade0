/*
 * bootcheck: the machine's view of itself, so two boots can be told apart: kernel identity,
 * entropy seed id, boot epoch, uptime and instructions in virtual time, servers with their
 * pids and restart counts, and the process table.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <xinim/xinim.h>

int main(void)
{
    int rc = 0;
    struct utsname u;
    if (uname(&u) == 0) printf("kernel:   %s %s %s (%s)\n", u.sysname, u.release, u.machine, u.version);
    else { printf("kernel:   uname failed: %s\n", strerror(errno)); rc = 1; }

    struct xk_sysinfo si;
    memset(&si, 0, sizeof si);
    int n = xinim_sysinfo(&si, sizeof si);
    if (n < 0) {
        printf("sysinfo:  failed: %s\n", strerror(errno));
        rc = 1;
    } else {
        printf("seed id:  %08lx%08lx\n", (unsigned long)(si.seed_id >> 32), (unsigned long)si.seed_id);
        printf("boot:     epoch %lld\n", (long long)si.boot_epoch_sec);
        printf("uptime:   %llu.%09llu s virtual, %llu instructions (%lu ns each)\n",
               (unsigned long long)(si.uptime_ns / 1000000000ull), (unsigned long long)(si.uptime_ns % 1000000000ull),
               (unsigned long long)si.icount, (unsigned long)si.ns_per_insn);
        printf("memory:   %lu of %lu pages free\n", (unsigned long)si.mem_free_pages, (unsigned long)si.mem_total_pages);
        printf("procs:    %lu\n", (unsigned long)si.nprocs);
        unsigned ns = si.nservers > XK_SYSINFO_MAX_SERVERS ? XK_SYSINFO_MAX_SERVERS : si.nservers;
        for (unsigned i = 0; i < ns; i++) {
            const struct xk_server_info *s = &si.servers[i];
            char name[sizeof s->name + 1];
            memcpy(name, s->name, sizeof s->name);
            name[sizeof s->name] = 0;
            printf("server:   pid %-3ld %-8s %s, %lu restarts\n", (long)s->pid, name, s->up ? "up" : "DOWN",
                   (unsigned long)s->restarts);
            if (!s->up) rc = 1;
        }
    }

    struct timespec rt;
    if (clock_gettime(CLOCK_REALTIME, &rt) == 0) printf("realtime: %lld.%09ld\n", (long long)rt.tv_sec, (long)rt.tv_nsec);
    printf("self:     pid %d ppid %d uid %d\n", (int)getpid(), (int)getppid(), (int)getuid());

    struct xk_proc procs[64];
    int np = xinim_ps_list(procs, 64);
    for (int i = 0; i < np && i < 64; i++) {
        char name[sizeof procs[i].name + 1];
        memcpy(name, procs[i].name, sizeof procs[i].name);
        name[sizeof procs[i].name] = 0;
        printf("process:  %5ld %5ld %c %s\n", (long)procs[i].pid, (long)procs[i].ppid,
               procs[i].state ? procs[i].state : '?', name);
    }
    printf("bootcheck: %s\n", rc ? "PROBLEMS" : "ok");
    return rc;
}
