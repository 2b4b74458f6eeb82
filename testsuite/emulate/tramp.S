/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tramp.S - run one instruction on the host CPU with a whole register
 * state (testsuite/emulate/emulate_test.c).
 *
 * emu_run() saves the host's callee-saved registers and stack pointer,
 * loads ymm0-15 (xmm0-15 without AVX), RFLAGS and all 16 general
 * registers, rsp included, from emu_in and jumps to emu_code.  The code
 * there is the instruction under test followed by "jmp *[rip]" to
 * emu_ret, which stores every general register, RFLAGS and the vector
 * registers into emu_out without touching the stack before rsp is saved,
 * then returns to the harness.  Layout of emu_in/emu_out: struct
 * cpu_state in emulate_test.c (gpr[16] at 0, flags at 128, vec at 144).
 */
	.text
	.globl	emu_run
	.type	emu_run, @function
emu_run:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	pushfq
	mov	%rsp, emu_host_rsp(%rip)
	cmpq	$0, emu_have_avx(%rip)
	je	1f
	vmovdqu	emu_in+144+0(%rip), %ymm0
	vmovdqu	emu_in+144+32(%rip), %ymm1
	vmovdqu	emu_in+144+64(%rip), %ymm2
	vmovdqu	emu_in+144+96(%rip), %ymm3
	vmovdqu	emu_in+144+128(%rip), %ymm4
	vmovdqu	emu_in+144+160(%rip), %ymm5
	vmovdqu	emu_in+144+192(%rip), %ymm6
	vmovdqu	emu_in+144+224(%rip), %ymm7
	vmovdqu	emu_in+144+256(%rip), %ymm8
	vmovdqu	emu_in+144+288(%rip), %ymm9
	vmovdqu	emu_in+144+320(%rip), %ymm10
	vmovdqu	emu_in+144+352(%rip), %ymm11
	vmovdqu	emu_in+144+384(%rip), %ymm12
	vmovdqu	emu_in+144+416(%rip), %ymm13
	vmovdqu	emu_in+144+448(%rip), %ymm14
	vmovdqu	emu_in+144+480(%rip), %ymm15
	jmp	2f
1:
	movdqu	emu_in+144+0(%rip), %xmm0
	movdqu	emu_in+144+32(%rip), %xmm1
	movdqu	emu_in+144+64(%rip), %xmm2
	movdqu	emu_in+144+96(%rip), %xmm3
	movdqu	emu_in+144+128(%rip), %xmm4
	movdqu	emu_in+144+160(%rip), %xmm5
	movdqu	emu_in+144+192(%rip), %xmm6
	movdqu	emu_in+144+224(%rip), %xmm7
	movdqu	emu_in+144+256(%rip), %xmm8
	movdqu	emu_in+144+288(%rip), %xmm9
	movdqu	emu_in+144+320(%rip), %xmm10
	movdqu	emu_in+144+352(%rip), %xmm11
	movdqu	emu_in+144+384(%rip), %xmm12
	movdqu	emu_in+144+416(%rip), %xmm13
	movdqu	emu_in+144+448(%rip), %xmm14
	movdqu	emu_in+144+480(%rip), %xmm15
2:	pushq	emu_in+128(%rip)
	popfq
	mov	emu_in+0(%rip), %rax
	mov	emu_in+8(%rip), %rcx
	mov	emu_in+16(%rip), %rdx
	mov	emu_in+24(%rip), %rbx
	mov	emu_in+40(%rip), %rbp
	mov	emu_in+48(%rip), %rsi
	mov	emu_in+56(%rip), %rdi
	mov	emu_in+64(%rip), %r8
	mov	emu_in+72(%rip), %r9
	mov	emu_in+80(%rip), %r10
	mov	emu_in+88(%rip), %r11
	mov	emu_in+96(%rip), %r12
	mov	emu_in+104(%rip), %r13
	mov	emu_in+112(%rip), %r14
	mov	emu_in+120(%rip), %r15
	mov	emu_in+32(%rip), %rsp
	jmp	*emu_code(%rip)
	.size	emu_run, .-emu_run

	.globl	emu_ret
emu_ret:
	mov	%rax, emu_out+0(%rip)
	mov	%rcx, emu_out+8(%rip)
	mov	%rdx, emu_out+16(%rip)
	mov	%rbx, emu_out+24(%rip)
	mov	%rsp, emu_out+32(%rip)
	mov	%rbp, emu_out+40(%rip)
	mov	%rsi, emu_out+48(%rip)
	mov	%rdi, emu_out+56(%rip)
	mov	%r8, emu_out+64(%rip)
	mov	%r9, emu_out+72(%rip)
	mov	%r10, emu_out+80(%rip)
	mov	%r11, emu_out+88(%rip)
	mov	%r12, emu_out+96(%rip)
	mov	%r13, emu_out+104(%rip)
	mov	%r14, emu_out+112(%rip)
	mov	%r15, emu_out+120(%rip)
	mov	emu_host_rsp(%rip), %rsp
	pushfq
	popq	emu_out+128(%rip)
	cmpq	$0, emu_have_avx(%rip)
	je	3f
	vmovdqu	%ymm0, emu_out+144+0(%rip)
	vmovdqu	%ymm1, emu_out+144+32(%rip)
	vmovdqu	%ymm2, emu_out+144+64(%rip)
	vmovdqu	%ymm3, emu_out+144+96(%rip)
	vmovdqu	%ymm4, emu_out+144+128(%rip)
	vmovdqu	%ymm5, emu_out+144+160(%rip)
	vmovdqu	%ymm6, emu_out+144+192(%rip)
	vmovdqu	%ymm7, emu_out+144+224(%rip)
	vmovdqu	%ymm8, emu_out+144+256(%rip)
	vmovdqu	%ymm9, emu_out+144+288(%rip)
	vmovdqu	%ymm10, emu_out+144+320(%rip)
	vmovdqu	%ymm11, emu_out+144+352(%rip)
	vmovdqu	%ymm12, emu_out+144+384(%rip)
	vmovdqu	%ymm13, emu_out+144+416(%rip)
	vmovdqu	%ymm14, emu_out+144+448(%rip)
	vmovdqu	%ymm15, emu_out+144+480(%rip)
	vzeroupper
	jmp	4f
3:
	movdqu	%xmm0, emu_out+144+0(%rip)
	movdqu	%xmm1, emu_out+144+32(%rip)
	movdqu	%xmm2, emu_out+144+64(%rip)
	movdqu	%xmm3, emu_out+144+96(%rip)
	movdqu	%xmm4, emu_out+144+128(%rip)
	movdqu	%xmm5, emu_out+144+160(%rip)
	movdqu	%xmm6, emu_out+144+192(%rip)
	movdqu	%xmm7, emu_out+144+224(%rip)
	movdqu	%xmm8, emu_out+144+256(%rip)
	movdqu	%xmm9, emu_out+144+288(%rip)
	movdqu	%xmm10, emu_out+144+320(%rip)
	movdqu	%xmm11, emu_out+144+352(%rip)
	movdqu	%xmm12, emu_out+144+384(%rip)
	movdqu	%xmm13, emu_out+144+416(%rip)
	movdqu	%xmm14, emu_out+144+448(%rip)
	movdqu	%xmm15, emu_out+144+480(%rip)
4:	popfq
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret

	.bss
	.balign	64
	.globl	emu_in, emu_out, emu_code, emu_host_rsp, emu_have_avx
emu_in:
	.zero	656
emu_out:
	.zero	656
emu_code:
	.zero	8
emu_host_rsp:
	.zero	8
emu_have_avx:
	.zero	8

	.section .note.GNU-stack, "", @progbits
