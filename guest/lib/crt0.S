/*
 * Process entry. The kernel starts us with sp at the Linux-style initial stack
 * (argc, argv..., NULL, envp..., NULL, auxv..., AT_NULL) and every other register zero.
 */
    .section .text.start, "ax"
    .globl _start
    .type _start, @function
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la tp, __tls_base
    lw a0, 0(sp)            /* argc */
    addi a1, sp, 4          /* argv */
    slli a2, a0, 2
    add a2, a2, a1
    addi a2, a2, 4          /* envp = argv + argc + 1 */
    andi sp, sp, -16
    call __xinim_start      /* never returns */
1:  j 1b
    .size _start, . - _start

/*
 * Signal restorer: the kernel sets ra to this address when it calls a handler, so a
 * handler's return lands here with sp back at the kernel's signal frame.
 */
    .text
    .globl __xinim_sigreturn
    .type __xinim_sigreturn, @function
__xinim_sigreturn:
    li a7, 52               /* SYS_sigreturn */
    ecall
2:  j 2b
    .size __xinim_sigreturn, . - __xinim_sigreturn
