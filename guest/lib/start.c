/* C entry after crt0: environment, constructors, stdio, main, exit. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern int main(int argc, char **argv, char **envp);
extern void __libc_init_array(void);

/* picolibc's __libc_init_array calls _init; nothing to do here. */
void _init(void) {}
void _fini(void) {}

static void flush_stdio(void)
{
    fflush(stdout);
    fflush(stderr);
}

__attribute__((noreturn)) void __xinim_start(int argc, char **argv, char **envp)
{
    environ = envp;
    __libc_init_array();
    atexit(flush_stdio);
    exit(main(argc, argv, envp));
}
