// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-capture: runs Root Lab capture plans on the host's real KVM and records the kernel's own
 * kvmmmu tracepoints (docs/real-kvm.md).
 *
 *   kvm-capture PLAN OUT      run every script of PLAN, append each script's trace to OUT
 *   kvm-capture --check       only check the host (exit 0 if a capture can run)
 *
 * A plan is line-oriented text written by electron/kvm/capture-plan.ts:
 *
 *   plan 1
 *   script <index> vcpus <n> nr_mmu_pages <n> memslots <n>
 *   pgd <gpa>                      a guest page table (PML4) page; all point to one shared PDPT
 *   init <vcpu> <gpa>              the vCPU's initial CR3 (KVM_SET_SREGS), from its first cr3
 *   op <index> run <vcpu>          KVM_RUN of `out`
 *   op <index> cr3 <vcpu> <gpa>    KVM_RUN of `mov $gpa,%rax; mov %rax,%cr3; out`
 *   op <index> write <vcpu> <gpa>  KVM_RUN of `mov $gpa,%rbx; movq $0,(%rbx); out` (8-byte aligned)
 *   op <index> memslot delete|move KVM_SET_USER_MEMORY_REGION on the next spare memslot
 *   end
 *
 * For every script: one VM, one vCPU per script vCPU, a 64-bit guest started directly in long
 * mode (identity map of the low 16 MiB: every PML4 -> one PDPT -> one PD of 2 MiB pages), all
 * driven from this one thread pinned to one CPU, so the host orders every guest operation
 * exactly as the script does. Markers written to the private tracefs instance's trace_marker:
 * "rootlab script <i> vcpus <n>", "rootlab op <i>" before each operation, "rootlab teardown"
 * before the VM is destroyed (its zaps show the final root_count of every root), "rootlab end".
 *
 * Errors: one line on stderr starting "kvm-capture: "; exit 1 on failure, 3 when the host does
 * not allow a capture (no /dev/kvm, not root, no tracefs, no kvmmmu events), 2 on usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* Guest physical layout. electron/kvm/capture-plan.ts refuses pgds outside [0, PGD_LIMIT). */
#define MEM_SIZE      (16ul << 20)
#define PGD_LIMIT     0x500000ul
#define PDPT_GPA      0x500000ul
#define PD_GPA        0x501000ul
#define CODE_GPA      0x600000ul
#define CODE_STRIDE   0x10000ul          /* per vCPU */
#define MAX_VCPUS     64
#define SPARE_GPA     0x1000000ul        /* spare memslots, one page each */
#define MOVED_GPA     0x2000000ul        /* where `move` puts a spare memslot */
#define MAX_MEMSLOTS  256
#define OUT_PORT      0x10
#define TRACEFS       "/sys/kernel/tracing"

#define EXIT_FAIL  1
#define EXIT_USAGE 2
#define EXIT_HOST  3

static char instance[256];   /* tracefs instance directory, "" when none */
static int marker_fd = -1;

static void cleanup_instance(void)
{
	if (marker_fd >= 0) {
		close(marker_fd);
		marker_fd = -1;
	}
	if (instance[0]) {
		char p[512];
		int fd;

		/* Events must be off for the rmdir to succeed on some kernels. */
		snprintf(p, sizeof(p), "%s/events/enable", instance);
		fd = open(p, O_WRONLY);
		if (fd >= 0) {
			if (write(fd, "0", 1) < 0) { /* best effort */ }
			close(fd);
		}
		rmdir(instance);
		instance[0] = 0;
	}
}

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("kvm-capture: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cleanup_instance();
	exit(code);
}

static void on_signal(int sig)
{
	cleanup_instance();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static void marker(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (write(marker_fd, buf, n) != n)
		die(EXIT_FAIL, "cannot write to %s/trace_marker: %s", instance, strerror(errno));
}

/* ---- host checks and the tracefs instance ------------------------------------------------ */

static void ensure_tracefs(void)
{
	struct stat st;

	if (stat(TRACEFS "/instances", &st) == 0)
		return;
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL) != 0 || stat(TRACEFS "/instances", &st) != 0)
		die(EXIT_HOST, "no tracefs: cannot mount tracefs at " TRACEFS " (%s)", strerror(errno));
}

static void check_host(void)
{
	int fd;

	if (geteuid() != 0)
		die(EXIT_HOST, "not root: tracefs and /dev/kvm need root");
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die(EXIT_HOST, "no /dev/kvm: %s", strerror(errno));
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		die(EXIT_HOST, "no /dev/kvm: unexpected KVM API version");
	close(fd);
	ensure_tracefs();
	if (access(TRACEFS "/events/kvmmmu/kvm_mmu_get_page/enable", F_OK) != 0)
		die(EXIT_HOST, "no tracefs kvmmmu events: " TRACEFS "/events/kvmmmu/kvm_mmu_get_page missing");
}

static void open_instance(void)
{
	static const char *const required[] = {
		"kvmmmu/kvm_mmu_get_page", "kvmmmu/kvm_mmu_prepare_zap_page", "kvmmmu/kvm_mmu_zap_all_fast",
	};
	static const char *const optional[] = {
		"kvmmmu/kvm_mmu_sync_page", "kvmmmu/kvm_mmu_unsync_page", "kvm/kvm_cr", "kvm/kvm_entry",
		"kvm/kvm_exit", "kvm/kvm_emulate_insn", "kvm/kvm_page_fault",
	};
	char p[512];
	size_t i;

	snprintf(instance, sizeof(instance), TRACEFS "/instances/rootlab-%d", (int)getpid());
	if (mkdir(instance, 0700) != 0) {
		int e = errno;

		instance[0] = 0;
		die(EXIT_HOST, "no tracefs instance: mkdir " TRACEFS "/instances/rootlab-%d: %s",
		    (int)getpid(), strerror(e));
	}
	snprintf(p, sizeof(p), "%s/buffer_size_kb", instance);
	write_file(p, "8192");
	snprintf(p, sizeof(p), "%s/trace_clock", instance);
	write_file(p, "global");
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		snprintf(p, sizeof(p), "%s/events/%s/enable", instance, required[i]);
		if (write_file(p, "1") != 0)
			die(EXIT_HOST, "no tracefs event %s: %s", required[i], strerror(errno));
	}
	for (i = 0; i < sizeof(optional) / sizeof(optional[0]); i++) {
		snprintf(p, sizeof(p), "%s/events/%s/enable", instance, optional[i]);
		write_file(p, "1");
	}
	snprintf(p, sizeof(p), "%s/trace_marker", instance);
	marker_fd = open(p, O_WRONLY | O_CLOEXEC);
	if (marker_fd < 0)
		die(EXIT_HOST, "no tracefs trace_marker in %s: %s", instance, strerror(errno));
	snprintf(p, sizeof(p), "%s/tracing_on", instance);
	write_file(p, "1");
}

/* Appends the instance's trace to `out` and clears the buffer. */
static void dump_trace(FILE *out)
{
	char p[512], buf[65536];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/tracing_on", instance);
	write_file(p, "0");
	snprintf(p, sizeof(p), "%s/trace", instance);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		die(EXIT_FAIL, "cannot read %s: %s", p, strerror(errno));
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, n, out) != (size_t)n)
			die(EXIT_FAIL, "cannot write the trace: %s", strerror(errno));
	close(fd);
	if (fflush(out) != 0)
		die(EXIT_FAIL, "cannot write the trace: %s", strerror(errno));
	fd = open(p, O_WRONLY | O_TRUNC);  /* clears the ring buffer */
	if (fd >= 0)
		close(fd);
	snprintf(p, sizeof(p), "%s/tracing_on", instance);
	write_file(p, "1");
}

/* ---- plans -------------------------------------------------------------------------------- */

enum op_kind { OP_RUN, OP_CR3, OP_WRITE, OP_MEMSLOT_DELETE, OP_MEMSLOT_MOVE };

struct op {
	int index;
	enum op_kind kind;
	int vcpu;
	uint64_t gpa;
};

struct script {
	int index, vcpus, memslots;
	unsigned long nr_mmu_pages;
	int npgds, nops, cap_ops;
	uint64_t pgds[1024];
	int64_t init_cr3[MAX_VCPUS];
	struct op *ops;
};

/* ---- the guest ---------------------------------------------------------------------------- */

struct vm {
	int kvm, fd;
	uint8_t *mem;
	uint8_t *spare;
	int vcpu_fd[MAX_VCPUS];
	struct kvm_run *run[MAX_VCPUS];
	size_t run_size;
	uint64_t code_end[MAX_VCPUS];  /* next free code byte of each vCPU */
	int next_spare;
};

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint64_t emit_code(struct vm *vm, int vcpu, const uint8_t *code, size_t len)
{
	uint64_t at = vm->code_end[vcpu];

	if (at + len > CODE_GPA + (vcpu + 1) * CODE_STRIDE)
		die(EXIT_FAIL, "too many operations for vCPU %d (guest code area full)", vcpu);
	memcpy(vm->mem + at, code, len);
	vm->code_end[vcpu] = at + len;
	return at;
}

static void set_memslot(struct vm *vm, int slot, uint64_t gpa, uint64_t size, void *host)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};

	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) != 0)
		die(EXIT_FAIL, "KVM_SET_USER_MEMORY_REGION slot %d: %s", slot, strerror(errno));
}

static void seg64(struct kvm_segment *s, int code)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = code ? 0x8 : 0x10;
	s->type = code ? 0xb : 0x3;   /* execute/read accessed; read/write accessed */
	s->present = 1;
	s->dpl = 0;
	s->db = code ? 0 : 1;
	s->s = 1;
	s->l = code ? 1 : 0;
	s->g = 1;
}

static void setup_vcpu(struct vm *vm, struct kvm_cpuid2 *cpuid, int i, uint64_t cr3)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	vm->vcpu_fd[i] = ioctl(vm->fd, KVM_CREATE_VCPU, i);
	if (vm->vcpu_fd[i] < 0)
		die(EXIT_FAIL, "KVM_CREATE_VCPU %d: %s", i, strerror(errno));
	vm->run[i] = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd[i], 0);
	if (vm->run[i] == MAP_FAILED)
		die(EXIT_FAIL, "mmap of vCPU %d's kvm_run: %s", i, strerror(errno));
	if (cpuid && ioctl(vm->vcpu_fd[i], KVM_SET_CPUID2, cpuid) != 0)
		die(EXIT_FAIL, "KVM_SET_CPUID2 on vCPU %d: %s", i, strerror(errno));
	if (ioctl(vm->vcpu_fd[i], KVM_GET_SREGS, &sregs) != 0)
		die(EXIT_FAIL, "KVM_GET_SREGS: %s", strerror(errno));
	seg64(&sregs.cs, 1);
	seg64(&sregs.ds, 0);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.tr.base = 0;
	sregs.tr.limit = 0x67;
	sregs.tr.selector = 0x18;
	sregs.tr.type = 0xb;   /* busy 64-bit TSS */
	sregs.tr.present = 1;
	sregs.tr.s = 0;
	sregs.ldt.unusable = 1;
	sregs.gdt.base = 0x502000;
	sregs.gdt.limit = 0x1f;
	sregs.cr0 = 0x80050033;   /* PG AM WP NE ET MP PE */
	sregs.cr4 = 0x20;         /* PAE */
	sregs.efer = 0x500;       /* LMA LME */
	sregs.cr3 = cr3;
	if (ioctl(vm->vcpu_fd[i], KVM_SET_SREGS, &sregs) != 0)
		die(EXIT_FAIL, "KVM_SET_SREGS (long mode) on vCPU %d: %s", i, strerror(errno));
	memset(&regs, 0, sizeof(regs));
	regs.rflags = 2;
	regs.rip = CODE_GPA + i * CODE_STRIDE;
	if (ioctl(vm->vcpu_fd[i], KVM_SET_REGS, &regs) != 0)
		die(EXIT_FAIL, "KVM_SET_REGS on vCPU %d: %s", i, strerror(errno));
}

static struct kvm_cpuid2 *supported_cpuid(int kvm)
{
	int n = 256;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(struct kvm_cpuid_entry2));

	if (!c)
		die(EXIT_FAIL, "out of memory");
	c->nent = n;
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) != 0) {
		free(c);
		return NULL;
	}
	return c;
}

/* Creates the VM of a script: memory, page tables, spare memslots, vCPUs, all guest code. */
static void vm_create(struct vm *vm, const struct script *s)
{
	struct kvm_cpuid2 *cpuid;
	uint64_t *pd, *pdpt;
	int i, j;

	memset(vm, 0, sizeof(*vm));
	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0)
		die(EXIT_HOST, "no /dev/kvm: %s", strerror(errno));
	vm->fd = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		die(EXIT_FAIL, "KVM_CREATE_VM: %s", strerror(errno));
	ioctl(vm->fd, KVM_SET_TSS_ADDR, 0xfffbd000ul);  /* VMX wants one; harmless elsewhere */
	if (s->nr_mmu_pages && ioctl(vm->fd, KVM_SET_NR_MMU_PAGES, s->nr_mmu_pages) != 0)
		die(EXIT_FAIL, "KVM_SET_NR_MMU_PAGES %lu: %s", s->nr_mmu_pages, strerror(errno));
	vm->run_size = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);

	vm->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED)
		die(EXIT_FAIL, "cannot allocate guest memory: %s", strerror(errno));
	madvise(vm->mem, MEM_SIZE, MADV_NOHUGEPAGE);

	/* One PDPT and one PD shared by every PML4; the PD maps 16 MiB with 2 MiB pages. */
	pdpt = (uint64_t *)(vm->mem + PDPT_GPA);
	pd = (uint64_t *)(vm->mem + PD_GPA);
	pdpt[0] = PD_GPA | 0x3;
	for (i = 0; i < (int)(MEM_SIZE >> 21); i++)
		pd[i] = ((uint64_t)i << 21) | 0x83;  /* P RW PS */
	for (i = 0; i < s->npgds; i++)
		put64(vm->mem + s->pgds[i], PDPT_GPA | 0x3);
	/* A GDT for completeness (KVM_SET_SREGS loads the segment caches directly). */
	put64(vm->mem + 0x502008, 0x00af9b000000ffffull);
	put64(vm->mem + 0x502010, 0x00cf93000000ffffull);
	set_memslot(vm, 0, 0, MEM_SIZE, vm->mem);

	if (s->memslots) {
		vm->spare = mmap(NULL, (size_t)s->memslots << 12, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (vm->spare == MAP_FAILED)
			die(EXIT_FAIL, "cannot allocate spare memslots: %s", strerror(errno));
		for (j = 0; j < s->memslots; j++)
			set_memslot(vm, 1 + j, SPARE_GPA + ((uint64_t)j << 12), 4096, vm->spare + ((size_t)j << 12));
	}

	cpuid = supported_cpuid(vm->kvm);
	for (i = 0; i < s->vcpus; i++) {
		vm->code_end[i] = CODE_GPA + i * CODE_STRIDE;
		setup_vcpu(vm, cpuid, i, s->init_cr3[i] >= 0 ? (uint64_t)s->init_cr3[i] : 0);
	}
	free(cpuid);

	/* All guest code up front: each operation's stub ends in `out`, one KVM_RUN each. */
	for (i = 0; i < s->nops; i++) {
		const struct op *o = &s->ops[i];
		uint8_t code[32];
		size_t n = 0;

		if (o->kind == OP_CR3) {
			code[n++] = 0x48; code[n++] = 0xb8; put64(code + n, o->gpa); n += 8;  /* mov $gpa,%rax */
			code[n++] = 0x0f; code[n++] = 0x22; code[n++] = 0xd8;                 /* mov %rax,%cr3 */
		} else if (o->kind == OP_WRITE) {
			code[n++] = 0x48; code[n++] = 0xbb; put64(code + n, o->gpa); n += 8;  /* mov $gpa,%rbx */
			code[n++] = 0x48; code[n++] = 0xc7; code[n++] = 0x03;                 /* movq $0,(%rbx) */
			code[n++] = 0; code[n++] = 0; code[n++] = 0; code[n++] = 0;
		} else if (o->kind != OP_RUN) {
			continue;
		}
		code[n++] = 0xe6; code[n++] = OUT_PORT;                                       /* out %al,$0x10 */
		emit_code(vm, o->vcpu, code, n);
	}
}

static void vm_run(struct vm *vm, const struct op *o)
{
	struct kvm_run *run = vm->run[o->vcpu];

	if (ioctl(vm->vcpu_fd[o->vcpu], KVM_RUN, 0) != 0)
		die(EXIT_FAIL, "op %d: KVM_RUN on vCPU %d: %s", o->index, o->vcpu, strerror(errno));
	if (run->exit_reason == KVM_EXIT_IO && run->io.port == OUT_PORT &&
	    run->io.direction == KVM_EXIT_IO_OUT)
		return;
	if (run->exit_reason == KVM_EXIT_FAIL_ENTRY)
		die(EXIT_FAIL, "op %d: vCPU %d failed to enter the guest (hardware reason 0x%llx)",
		    o->index, o->vcpu, (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		die(EXIT_FAIL, "op %d: vCPU %d: KVM internal error, suberror %u", o->index, o->vcpu,
		    run->internal.suberror);
	die(EXIT_FAIL, "op %d: vCPU %d stopped with exit reason %u instead of `out` to port 0x%x",
	    o->index, o->vcpu, run->exit_reason, OUT_PORT);
}

static void vm_op(struct vm *vm, const struct script *s, const struct op *o)
{
	int slot;

	switch (o->kind) {
	case OP_RUN:
	case OP_CR3:
	case OP_WRITE:
		vm_run(vm, o);
		return;
	case OP_MEMSLOT_DELETE:
	case OP_MEMSLOT_MOVE:
		if (vm->next_spare >= s->memslots)
			die(EXIT_FAIL, "op %d: no spare memslot left", o->index);
		slot = vm->next_spare++;
		/* kvm_set_memslot(): KVM_MR_DELETE / KVM_MR_MOVE -> kvm_arch_flush_shadow_memslot() */
		if (o->kind == OP_MEMSLOT_DELETE)
			set_memslot(vm, 1 + slot, SPARE_GPA + ((uint64_t)slot << 12), 0, vm->spare + ((size_t)slot << 12));
		else
			set_memslot(vm, 1 + slot, MOVED_GPA + ((uint64_t)slot << 12), 4096, vm->spare + ((size_t)slot << 12));
		return;
	}
}

/* Destroys the VM: every vCPU and VM fd closed (kvm_destroy_vm runs in the last close). */
static void vm_destroy(struct vm *vm, const struct script *s)
{
	int i;

	for (i = 0; i < s->vcpus; i++) {
		munmap(vm->run[i], vm->run_size);
		close(vm->vcpu_fd[i]);
	}
	close(vm->fd);
	close(vm->kvm);
	munmap(vm->mem, MEM_SIZE);
	if (vm->spare)
		munmap(vm->spare, (size_t)s->memslots << 12);
}

static void run_script(const struct script *s, FILE *out)
{
	struct vm vm;
	int i;

	marker("rootlab script %d vcpus %d", s->index, s->vcpus);
	vm_create(&vm, s);
	for (i = 0; i < s->nops; i++) {
		marker("rootlab op %d", s->ops[i].index);
		vm_op(&vm, s, &s->ops[i]);
	}
	marker("rootlab teardown");
	vm_destroy(&vm, s);
	marker("rootlab end");
	dump_trace(out);
}

static void parse_fail(int line, const char *what)
{
	die(EXIT_FAIL, "plan line %d: %s", line, what);
}

static void run_plan(FILE *in, FILE *out)
{
	struct script s;
	char line[256], word[32];
	int lineno = 0, in_script = 0, scripts = 0;

	memset(&s, 0, sizeof(s));
	while (fgets(line, sizeof(line), in)) {
		unsigned long long gpa;
		int idx, v, n;

		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "plan %d", &n) == 1) {
			if (n != 1)
				parse_fail(lineno, "unsupported plan version");
		} else if (sscanf(line, "script %d vcpus %d nr_mmu_pages %lu memslots %d",
				  &s.index, &s.vcpus, &s.nr_mmu_pages, &s.memslots) == 4) {
			if (in_script)
				parse_fail(lineno, "script inside script");
			if (s.vcpus < 1 || s.vcpus > MAX_VCPUS || s.memslots < 0 || s.memslots > MAX_MEMSLOTS)
				parse_fail(lineno, "vcpus or memslots out of range");
			in_script = 1;
			s.npgds = s.nops = 0;
			for (v = 0; v < MAX_VCPUS; v++)
				s.init_cr3[v] = -1;
		} else if (!in_script) {
			parse_fail(lineno, "expected `script`");
		} else if (sscanf(line, "pgd %llx", &gpa) == 1) {
			if (gpa >= PGD_LIMIT || gpa & 0xfff || s.npgds >= 1024)
				parse_fail(lineno, "bad pgd");
			s.pgds[s.npgds++] = gpa;
		} else if (sscanf(line, "init %d %llx", &v, &gpa) == 2) {
			if (v < 0 || v >= s.vcpus || gpa >= PGD_LIMIT)
				parse_fail(lineno, "bad init");
			s.init_cr3[v] = (int64_t)gpa;
		} else if (sscanf(line, "op %d %31s", &idx, word) == 2) {
			struct op o = { .index = idx };

			if (!strcmp(word, "run") && sscanf(line, "op %*d run %d", &o.vcpu) == 1) {
				o.kind = OP_RUN;
			} else if (!strcmp(word, "cr3") && sscanf(line, "op %*d cr3 %d %llx", &o.vcpu, &gpa) == 2) {
				o.kind = OP_CR3;
				o.gpa = gpa;
				if (gpa >= PGD_LIMIT || gpa & 0xfff)
					parse_fail(lineno, "bad cr3");
			} else if (!strcmp(word, "write") && sscanf(line, "op %*d write %d %llx", &o.vcpu, &gpa) == 2) {
				o.kind = OP_WRITE;
				o.gpa = gpa;
				if (gpa >= PGD_LIMIT || gpa & 7)
					parse_fail(lineno, "bad write address");
			} else if (!strcmp(word, "memslot") && strstr(line, " delete")) {
				o.kind = OP_MEMSLOT_DELETE;
			} else if (!strcmp(word, "memslot") && strstr(line, " move")) {
				o.kind = OP_MEMSLOT_MOVE;
			} else {
				parse_fail(lineno, "bad op");
			}
			if (o.kind <= OP_WRITE && (o.vcpu < 0 || o.vcpu >= s.vcpus))
				parse_fail(lineno, "vCPU out of range");
			if (s.nops == s.cap_ops) {
				s.cap_ops = s.cap_ops ? 2 * s.cap_ops : 256;
				s.ops = realloc(s.ops, s.cap_ops * sizeof(*s.ops));
				if (!s.ops)
					die(EXIT_FAIL, "out of memory");
			}
			s.ops[s.nops++] = o;
		} else if (!strncmp(line, "end", 3)) {
			run_script(&s, out);
			in_script = 0;
			scripts++;
		} else {
			parse_fail(lineno, "unknown line");
		}
	}
	if (in_script)
		parse_fail(lineno, "plan ends inside a script");
	if (!scripts)
		parse_fail(lineno, "no script in the plan");
	free(s.ops);
}

int main(int argc, char **argv)
{
	FILE *in, *out;
	cpu_set_t set;
	int cpu;

	if (argc == 2 && !strcmp(argv[1], "--check")) {
		check_host();
		puts("ok");
		return 0;
	}
	if (argc != 3)
		die(EXIT_USAGE, "usage: kvm-capture PLAN OUT | kvm-capture --check");
	check_host();
	in = fopen(argv[1], "r");
	if (!in)
		die(EXIT_FAIL, "cannot open plan %s: %s", argv[1], strerror(errno));
	out = fopen(argv[2], "w");
	if (!out)
		die(EXIT_FAIL, "cannot create %s: %s", argv[2], strerror(errno));

	/* One thread on one CPU: the trace's order is the order of the operations. */
	cpu = sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	open_instance();
	run_plan(in, out);
	cleanup_instance();
	if (fclose(out) != 0)
		die(EXIT_FAIL, "cannot write %s: %s", argv[2], strerror(errno));
	fclose(in);
	return 0;
}
