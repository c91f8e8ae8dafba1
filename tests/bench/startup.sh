#!/bin/sh
# startup.sh - start-up to exit of /bin/true in the busybox rootfs:
# jailrun (--no-net; default network and --net-allow proxy when this build
# has them) against bwrap --unshare-all (same rootfs, proc, dev, tmpfs),
# unshare -Urpfnmiu --mount-proc and runc run (an OCI bundle made here from
# the same rootfs, every namespace jailrun makes), as root and rootless.
# Run by run.sh (which sets WORK, RESULTS, the user); rows to RESULTS.
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"
SEC="Start-up to exit of /bin/true (hyperfine, $RUNS runs)"

for m in root user; do
  w=$(wdir "$m")
  mkdir -p "$w"
  set -- "jailrun --no-net" "$JAILRUN --no-net $ROOTFS /bin/true"
  if jr_has_bridge; then set -- "$@" "jailrun (default network)" "$JAILRUN $ROOTFS /bin/true"
  else set -- "$@" "jailrun (default network)" "NA:$NA_BRIDGE"; fi
  if jr_has_proxy; then set -- "$@" "jailrun --net-allow proxy" "$JAILRUN --net-allow proxy --allow example.com $ROOTFS /bin/true"
  else set -- "$@" "jailrun --net-allow proxy" "NA:$NA_PROXY"; fi
  set -- "$@" "jailrun --no-net --seccomp unconfined (diagnostic)" "$JAILRUN --no-net --seccomp unconfined $ROOTFS /bin/true"
  set -- "$@" "bwrap --unshare-all" "bwrap --unshare-all --ro-bind $ROOTFS / --proc /proc --dev /dev --tmpfs /tmp /bin/true"
  set -- "$@" "unshare -Urpfnmiu --mount-proc" "unshare -Urpfnmiu --mount-proc true"
  if mkbundle "$w/bundle" "$m" >> "$LOG" 2>&1 && chown -R "$(as "$m" id -u)" "$w/bundle"; then
    as "$m" runc --root "$w/runc" delete -f jrbench-start >/dev/null 2>&1
    set -- "$@" "runc run" "runc --root $w/runc run -b $w/bundle jrbench-start"
  else
    set -- "$@" "runc run" "NA:could not make the OCI bundle (runc spec failed, see $LOG)"
  fi
  log "start-up, $m"
  hf "$SEC" "$m" "startup-$m" "$RUNS" "$@"
  # The tail of back-to-back starts (the previous jail's network is still
  # being torn down by the kernel): RUNS default-network starts in a row.
  if jr_has_bridge; then
    log "start-up, $m, back-to-back"
    r0=${BENCH_ROUNDS:-3}; BENCH_ROUNDS=1
    hf "$SEC" "$m" "b2b-$m" "$RUNS" "jailrun (default network, back-to-back)" "$JAILRUN $ROOTFS /bin/true"
    BENCH_ROUNDS=$r0
  fi
done
exit 0
