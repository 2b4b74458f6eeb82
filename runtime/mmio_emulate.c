// SPDX-License-Identifier: GPL-2.0
/* TEMPORARY integration stub: MOV forms only (replaced by helper's emulator). */
#include "mmio_emulate.h"

#define MMIO_EA_OK(in) ((in)->ea_base != MMIO_EA_RIP)

u64 mmio_insn_ea(const struct mmio_insn *in, const struct mmio_regs *r)
{
	u64 ea = (u64)in->ea_disp;

	if (in->ea_base < 16)
		ea += r->gpr[in->ea_base];
	else if (in->ea_base == MMIO_EA_RIP)
		ea += r->ip + in->length;
	if (in->ea_index < 16)
		ea += r->gpr[in->ea_index] * in->ea_scale;
	return ea;
}

u16 mmio_insn_data_regs(const struct mmio_insn *in)
{
	u16 m = 0;

	if (in->src_kind == MMIO_OPND_GPR || in->src_kind == MMIO_OPND_GPR8H)
		m |= 1u << (in->src_reg & (in->src_kind == MMIO_OPND_GPR8H ? 3 : 15));
	if (in->dst_kind == MMIO_OPND_GPR || in->dst_kind == MMIO_OPND_GPR8H)
		m |= 1u << (in->dst_reg & (in->dst_kind == MMIO_OPND_GPR8H ? 3 : 15));
	if (in->dst_kind == MMIO_OPND_CMPXCHG_AX)
		m |= 1u;
	if (in->string_op)
		m |= (1u << 1) | (1u << 6) | (1u << 7) | 1u;
	if (in->dst_kind == MMIO_OPND_COMPUTED || in->src_kind == MMIO_OPND_COMPUTED)
		m |= 0xffff;
	return m;
}

int mmio_emulate_supported(const struct mmio_insn *in)
{
	if (in->string_op || (in->flags & (MMIO_INSN_RMW | MMIO_INSN_LOCK | MMIO_INSN_VEX | MMIO_INSN_EVEX)))
		return 0;
	if (!in->modrm_mem && in->ea_base != MMIO_EA_NONE)
		return 0;
	if (in->width != 1 && in->width != 2 && in->width != 4 && in->width != 8)
		return 0;
	if (in->access == MMIO_ACC_WRITE)
		return in->src_kind == MMIO_OPND_GPR || in->src_kind == MMIO_OPND_IMM;
	if (in->access == MMIO_ACC_READ)
		return in->dst_kind == MMIO_OPND_GPR && !(in->xflags & MMIO_XF_BSWAP);
	return 0;
}

int mmio_emulate(const struct mmio_insn *in, struct mmio_regs *r,
		 unsigned long fault_addr, struct mmio_env *env)
{
	u64 ea = mmio_insn_ea(in, r), v = 0, mask;
	unsigned int w = in->width;

	if (!mmio_emulate_supported(in))
		return MMIO_EMU_UNSUPPORTED;
	if (fault_addr < ea || fault_addr - ea >= w || !mmio_env_dev_range(env, ea, w))
		return MMIO_EMU_EA_MISMATCH;
	mask = w == 8 ? ~0ULL : (1ULL << (8 * w)) - 1;
	if (in->access == MMIO_ACC_WRITE) {
		v = in->src_kind == MMIO_OPND_IMM ? in->imm : r->gpr[in->src_reg];
		v &= mask;
		mmio_env_dev_write(env, ea, w, &v);
		mmio_env_access(env, MMIO_ACC_WRITE, ea, w, &v);
	} else {
		u64 *d = &r->gpr[in->dst_reg];

		mmio_env_dev_read(env, ea, w, &v);
		mmio_env_access(env, MMIO_ACC_READ, ea, w, &v);
		if (in->dst_ext == MMIO_EXT_SIGN && w < 8) {
			u64 sign = 1ULL << (8 * w - 1);
			v = (v ^ sign) - sign;
		}
		switch (in->dst_width) {
		case 1: *d = (*d & ~0xffULL) | (v & 0xff); break;
		case 2: *d = (*d & ~0xffffULL) | (v & 0xffff); break;
		case 4: *d = v & 0xffffffffULL; break;
		default: *d = v; break;
		}
	}
	r->ip += in->length;
	return MMIO_EMU_OK;
}
