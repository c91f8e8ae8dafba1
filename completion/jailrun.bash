# bash completion for jailrun (--privileged, refused, is left out; installed by meson into
# $datadir/bash-completion/completions/jailrun).
_jailrun_names() { jailrun ps -q 2>/dev/null; }

_jailrun()
{
  local cur prev cmd i
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}
  cmd=run
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      run|exec|ps|inspect|stop|rm|logs|check|wait|net|network|oci|restart|up|down) cmd=${COMP_WORDS[i]}; break ;;
      -*) ;;
      *) break ;;
    esac
  done
  case $cmd in
    run)
      case $prev in
        -v|--volume|--env-file|--allow-file|--audit-log) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        -w|--workdir|--tmpfs) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --cgroup-manager) COMPREPLY=($(compgen -W "auto systemd cgroupfs" -- "$cur")); return ;;
        --limits) COMPREPLY=($(compgen -W "strict best-effort" -- "$cur")); return ;;
        --network) COMPREPLY=($(compgen -W "none" -- "$cur")); return ;;
        --net-allow) COMPREPLY=($(compgen -W "proxy" -- "$cur")); return ;;
        --seccomp) COMPREPLY=($(compgen -W "default unconfined" -f -- "$cur")); return ;;
        --security-opt) COMPREPLY=($(compgen -W "no-new-privileges seccomp=unconfined seccomp=" -- "$cur")); return ;;
        --cap-add|--cap-drop) COMPREPLY=($(compgen -W "ALL CHOWN DAC_OVERRIDE FOWNER KILL NET_ADMIN NET_BIND_SERVICE NET_RAW SETGID SETUID SYS_ADMIN SYS_PTRACE" -- "${cur^^}")); return ;;
        -p|--publish|-u|--user|-e|--env|--hostname|--timeout|--memory|--cpus|--pids-limit|--cgroup-parent|--name|--allow|--subnet|--log-max|--network-alias|--health-cmd|--health-interval|--health-timeout|--health-retries|--health-start-period) return ;;
        --restart) COMPREPLY=($(compgen -W "no on-failure always unless-stopped" -- "$cur")); return ;;
      esac
      if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "--no-net --network -p --publish --net-allow --allow --allow-file --allow-private --upstream-proxy --audit-log --subnet -v --volume --tmpfs --read-write --read-only -u --user --cap-add --cap-drop --security-opt -e --env --env-file -w --workdir --hostname --timeout --seccomp --seccomp-dump --memory --cpus --pids-limit --cgroup-parent --cgroup-manager --limits --stats -d --detach -i --interactive -t --tty --name --rm --restart --log-max --network-alias --health-cmd --health-interval --health-timeout --health-retries --health-start-period --version --help" -- "$cur"))
      elif ((COMP_CWORD == 1)); then
        COMPREPLY=($(compgen -W "run exec ps inspect stop rm logs check wait net network oci restart up down" -- "$cur") $(compgen -d -- "$cur"))
      else
        COMPREPLY=($(compgen -d -- "$cur"))
      fi ;;
    ps) COMPREPLY=($(compgen -W "-q --quiet --format --help" -- "$cur")); [[ $prev == --format ]] && COMPREPLY=($(compgen -W "table json" -- "$cur")) ;;
    check) COMPREPLY=($(compgen -W "--help" -- "$cur")) ;;
    wait) if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "--healthy --help" -- "$cur")); else COMPREPLY=($(compgen -W "$(_jailrun_names)" -- "$cur")); fi ;;
    net) COMPREPLY=($(compgen -W "allow deny ls off on $(_jailrun_names)" -- "$cur")) ;;
    up|down) COMPREPLY=($(compgen -W "-f -d --help" -f -- "$cur")) ;;
    restart) COMPREPLY=($(compgen -W "-t --help $(_jailrun_names)" -- "$cur")) ;;
    network) COMPREPLY=($(compgen -W "create ls inspect rm --subnet --help" -- "$cur")) ;;
    oci) COMPREPLY=($(compgen -W "create start state kill delete exec features ps --help" -- "$cur")) ;;
    exec|inspect|stop|rm|logs)
      # exec -u UID[:GID]|NAME[:GROUP] (names of the running jail), -e, -w, --timeout: free text.
      if [[ $cmd == exec ]]; then
        case $prev in -u|--user|-e|--env|-w|--workdir|--timeout) return ;; esac
      fi
      if [[ $cur == -* ]]; then
        case $cmd in
          exec) COMPREPLY=($(compgen -W "-e --env -w --workdir -u --user -i --interactive -t --tty --timeout --help" -- "$cur")) ;;
          inspect) COMPREPLY=($(compgen -W "-f --format --help" -- "$cur")) ;;
          stop) COMPREPLY=($(compgen -W "-t --help" -- "$cur")) ;;
          rm|logs) COMPREPLY=($(compgen -W "-f --help" -- "$cur")) ;;
        esac
      else
        COMPREPLY=($(compgen -W "$(_jailrun_names)" -- "$cur"))
      fi ;;
  esac
}
complete -F _jailrun jailrun
