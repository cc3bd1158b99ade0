/* hello-linux: the smallest Linux-ABI smoke test; prints "hello\n" and exits 0. */
    .section .text.start, "ax"
    .globl _start
_start:
    li a0, 1            /* fd 1 */
    la a1, msg
    li a2, 6
    li a7, 64           /* Linux write */
    ecall
    li a0, 0
    li a7, 93           /* Linux exit */
    ecall
1:  j 1b

    .section .rodata
msg:
    .ascii "hello\n"
