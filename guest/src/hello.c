/* hello: the first program to try on a new machine. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    printf("Hello from XINIM! I am pid %d, child of %d.\n", (int)getpid(), (int)getppid());
    return 0;
}
