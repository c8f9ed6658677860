/* On a virtual machine a page fault is a trap to the hypervisor's side:
 * ~17 us each on the machines this was measured on, against ~1 us a page
 * when the kernel fills a whole range in one call (MADV_POPULATE_*, Linux
 * 5.14). A short-lived static program (the client, the shim) takes dozens
 * of faults on its own text and data before it does anything useful; this
 * maps them in one call per segment instead. */
#include "common/prefault.h"

#include <elf.h>
#include <link.h>
#include <malloc.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ  22
#define MADV_POPULATE_WRITE 23
#endif

extern void *__libc_stack_end; /* glibc: the stack pointer _start was given */

/* The initialised data, which md_prefault_private populates again. */
static uintptr_t data_start, data_end;

static int populate(uintptr_t start, uintptr_t end, int advice)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    start &= ~(page - 1);
    end = (end + page - 1) & ~(page - 1);
    /* an older kernel says EINVAL: the pages fault in as before */
    return end > start ? madvise((void *)start, end - start, advice) : 0;
}

static int each_object(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    (void)arg;
    /* RELRO is read-only by now: populate it for reading, or the write
     * advice fails on it and maps nothing */
    uintptr_t relro_end = 0;
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_GNU_RELRO)
            relro_end = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr + info->dlpi_phdr[i].p_memsz;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        if (!(ph->p_flags & PF_W)) {
            populate(start, start + ph->p_memsz, MADV_POPULATE_READ);
            continue;
        }
        /* the file-backed part only: .bss may hold big buffers that a
         * run never touches, and each would cost a page of RSS */
        uintptr_t end = start + ph->p_filesz;
        if (relro_end > start && relro_end <= end) {
            populate(start, relro_end, MADV_POPULATE_READ);
            start = relro_end;
        }
        populate(start, end, MADV_POPULATE_WRITE);
        data_start = start;
        data_end = end;
    }
    return 1; /* the program itself comes first; shared libraries are not ours */
}

void md_prefault_program(void)
{
    dl_iterate_phdr(each_object, NULL);
}

void md_prefault_private(void)
{
    /* the main arena is the brk heap, and ends at the break */
    uintptr_t brk_end = (uintptr_t)sbrk(0);
    struct mallinfo2 mi = mallinfo2();
    if (mi.arena && mi.arena <= brk_end)
        populate(brk_end - mi.arena, brk_end, MADV_POPULATE_WRITE);
    populate(data_start, data_end, MADV_POPULATE_WRITE);
    /* the stack from a little below this frame (where the calls to come
     * will write) up to its top; the stack mapping may not reach that far
     * down (ENOMEM): then less of it */
    char here;
    uintptr_t sp = (uintptr_t)&here, top = (uintptr_t)__libc_stack_end;
    for (uintptr_t below = 64 << 10; below >= 4096; below /= 2)
        if (populate(sp - below, top, MADV_POPULATE_WRITE) == 0)
            break;
}
