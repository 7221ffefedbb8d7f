# See .zshenv: the owner's .zshrc, then the OSC 133 marks: C when a command line runs, D with its exit
# code when it ends, A at each prompt. Ours runs first among the precmd functions, so that it sees
# the command's own status. ZDOTDIR stays the owner's from here on (.zlogin is read from there).
ZDOTDIR=$__shellport_user_zdotdir
unset __shellport_user_zdotdir __shellport_own_zdotdir
[[ -f $ZDOTDIR/.zshrc ]] && source "$ZDOTDIR/.zshrc"

__shellport_precmd() {
  local code=$?
  if [[ -n ${__shellport_ran-} ]]; then
    printf '\e]133;D;%s\a' "$code"
    __shellport_ran=
  fi
  printf '\e]133;A\a'
  return $code
}
__shellport_preexec() {
  __shellport_ran=1
  printf '\e]133;C\a'
}
typeset -ga precmd_functions preexec_functions
precmd_functions=(__shellport_precmd ${precmd_functions:#__shellport_precmd})
preexec_functions+=(__shellport_preexec)
