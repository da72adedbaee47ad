/*
 * raw_switch_x86_64.S - the bench's baseline: the smallest correct x86-64
 * coroutine switch (callee-saved registers only, `pop; jmp` return), with
 * no MXCSR / x87 control-word save and no scheduler.  sim's own switch
 * (sim/ctx_x86_64.S) is measured against it.
 */
    .text

/* void bench_raw_swap(void **save_sp, void *load_sp) */
    .globl  bench_raw_swap
    .type   bench_raw_swap, @function
    .p2align 4
bench_raw_swap:
    .cfi_startproc
    pushq   %rbp
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    movq    %rsp, (%rdi)
    movq    %rsi, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    popq    %rcx
    jmp     *%rcx
    .cfi_endproc
    .size   bench_raw_swap, .-bench_raw_swap

/* First code on a new stack: entry(arg), r13 = entry, r12 = arg. */
    .globl  bench_raw_trampoline
    .type   bench_raw_trampoline, @function
    .p2align 4
bench_raw_trampoline:
    .cfi_startproc
    .cfi_undefined rip
    movq    %r12, %rdi
    call    *%r13
    ud2
    .cfi_endproc
    .size   bench_raw_trampoline, .-bench_raw_trampoline

    .section .note.GNU-stack,"",@progbits
