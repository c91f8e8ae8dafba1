/* clone_vm.h - clones that share the caller's memory (clone_vm.c): part
 * of runtime/'s base, so netns/ may use them (the netns helper). */
#ifndef JR_CLONE_VM_H
#define JR_CLONE_VM_H
#include <stddef.h>
#include <stdint.h>

/* vfork-style clone3 (clone_vm.c): flags | CLONE_VM | CLONE_VFORK, into
 * cgroup cgfd when >= 0; the child runs fn(arg) on stack (size bytes) and
 * exits with its value; the caller resumes once the child has called
 * execve or exited.  The pid, or -errno (-ENOSYS: not available here,
 * fork instead). */
long jr_clone_vm (uint64_t flags, int exit_signal, int cgfd, void *stack, size_t size, int (*fn) (void *), void *arg);
/* The same clone3 without CLONE_VFORK (flags | CLONE_VM, exit signal 0,
 * the child's pidfd in *pidfd when pidfd is not NULL): both run at once
 * in one memory, the child on stack (which the caller keeps mapped until
 * the child is reaped) and with the caller's thread pointer, so its
 * errno is the calling thread's.  The pid, or -errno (-ENOSYS: fork
 * instead). */
long jr_clone_shared (uint64_t flags, int *pidfd, void *stack, size_t size, int (*fn) (void *), void *arg);
#endif
