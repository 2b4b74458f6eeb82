// SPDX-License-Identifier: GPL-2.0
/*
 * pagefault - what a minor page fault costs, for `make bench`.
 *
 * usage: pagefault PAGES REPS
 *
 * Each rep maps PAGES fresh private anonymous pages (huge pages off, so
 * that every page is its own fault), writes one byte to each (one minor
 * fault each: the kernel allocates and zeroes the page) and unmaps them;
 * only the touching is timed (CLOCK_MONOTONIC, the guest's clock).  One
 * untimed rep of up to 256 pages comes first: the first faults after a
 * tracer was armed also pay QEMU's translation of the code that changed
 * (ftrace and kprobes patch the kernel's text), which host time sees.
 * Prints one line
 *     PAGES FAULTS NS1,NS2,...
 * FAULTS: the minor faults the process took during all the reps' touching
 * (getrusage), so the caller can check it is PAGES x REPS; NSi: the ns of
 * the i-th rep's touching.
 *
 * The bench runs it with no tracer, with a kernel.mmio session armed and
 * with the kernel's mmiotrace tracer on: while any kmmio page is armed,
 * the page-fault handler calls kmmio_handler() for every fault in the
 * system, user faults like these included.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	long pages, reps, i, r, faults = 0;
	long long *ns;
	volatile char *p;

	if (argc != 3 || (pages = atol(argv[1])) <= 0 ||
	    (reps = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: pagefault PAGES REPS\n");
		return 2;
	}
	ns = calloc(reps, sizeof(*ns));
	if (!ns)
		return 1;
	p = mmap(NULL, 256 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p != MAP_FAILED) {
		madvise((void *)p, 256 * page, MADV_NOHUGEPAGE);
		for (i = 0; i < 256 && i < pages; i++)
			p[i * page] = 1;
		munmap((void *)p, 256 * page);
	}
	for (r = 0; r < reps; r++) {
		long long t0, t1;
		long f0;

		p = mmap(NULL, pages * page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED) {
			perror("pagefault: mmap");
			return 1;
		}
		madvise((void *)p, pages * page, MADV_NOHUGEPAGE);
		f0 = minflt();
		t0 = now_ns();
		for (i = 0; i < pages; i++)
			p[i * page] = 1;
		t1 = now_ns();
		faults += minflt() - f0;
		munmap((void *)p, pages * page);
		ns[r] = t1 - t0;
	}
	printf("%ld %ld ", pages, faults);
	for (r = 0; r < reps; r++)
		printf("%s%lld", r ? "," : "", ns[r]);
	printf("\n");
	return 0;
}
