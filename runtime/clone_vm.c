/* clone_vm.c - jr_clone_vm: a vfork-style clone3 (CLONE_VM|CLONE_VFORK)
 * that runs a function on a stack of the caller's choosing.  The child
 * shares the caller's memory until it calls execve, so no page table is
 * copied, no copy-on-write fault is taken and no copied mm is freed at
 * execve: on a virtual machine where page-table work is dear that is most
 * of what a fork costs.  The caller sleeps until the child has called
 * execve or exited.  The child must not touch the fd table, cwd or signal
 * handlers in ways the caller would see (none are shared: no CLONE_FILES,
 * CLONE_FS or CLONE_SIGHAND) and must not return through the caller's
 * frames, hence the assembly: x86-64 only; elsewhere -ENOSYS, and the
 * caller forks as before.  jr_clone_shared is the same clone without
 * CLONE_VFORK, for a long-lived child (the netns helper). */
#include <errno.h>
#include <linux/sched.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clone_vm.h"

#if defined(__x86_64__)
/* clone3(a): the child calls fn(arg) on a's stack, then exit(its value). */
static long
clone3_call (struct clone_args *a, int (*fn) (void *), void *arg)
{
  long ret;
  register void *r12 __asm__("r12") = (void *) fn;
  register void *r13 __asm__("r13") = arg;
  __asm__ volatile("syscall\n\t"
                   "test %%rax, %%rax\n\t"
                   "jnz 1f\n\t"
                   "xor %%ebp, %%ebp\n\t"
                   "and $-16, %%rsp\n\t"
                   "mov %%r13, %%rdi\n\t"
                   "call *%%r12\n\t"
                   "mov %%eax, %%edi\n\t"
                   "mov $60, %%eax\n\t"
                   "syscall\n\t"
                   "hlt\n\t"
                   "1:\n\t"
                   : "=a"(ret)
                   : "0"((long) SYS_clone3), "D"(a), "S"(sizeof *a), "r"(r12), "r"(r13)
                   : "rcx", "r11", "memory");
  return ret;
}
#endif

long
jr_clone_vm (uint64_t flags, int exit_signal, int cgfd, void *stack, size_t size, int (*fn) (void *), void *arg)
{
#if defined(__x86_64__)
  struct clone_args a = { .flags = flags | CLONE_VM | CLONE_VFORK, .exit_signal = (uint64_t) exit_signal, .stack = (uint64_t) (uintptr_t) stack, .stack_size = size };
  if (cgfd >= 0)
    {
      a.flags |= CLONE_INTO_CGROUP;
      a.cgroup = (uint64_t) cgfd;
    }
  return stack ? clone3_call (&a, fn, arg) : -ENOSYS;
#else
  (void) flags, (void) exit_signal, (void) cgfd, (void) stack, (void) size, (void) fn, (void) arg;
  return -ENOSYS;
#endif
}

long
jr_clone_shared (uint64_t flags, int *pidfd, void *stack, size_t size, int (*fn) (void *), void *arg)
{
#if defined(__x86_64__)
  struct clone_args a = { .flags = flags | CLONE_VM, .stack = (uint64_t) (uintptr_t) stack, .stack_size = size };
  if (pidfd)
    {
      a.flags |= CLONE_PIDFD;
      a.pidfd = (uint64_t) (uintptr_t) pidfd;
    }
  return stack ? clone3_call (&a, fn, arg) : -ENOSYS;
#else
  (void) flags, (void) pidfd, (void) stack, (void) size, (void) fn, (void) arg;
  return -ENOSYS;
#endif
}
