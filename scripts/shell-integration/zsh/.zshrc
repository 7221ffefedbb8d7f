# See .zshenv: the owner's .zshrc, then the OSC 133 marks: C when a command line runs, D with its exit
# code when it ends, A at each prompt, B at the end of the prompt. Ours runs first among the precmd
# functions, so that it sees the command's own status; the one that puts B at the end of PS1 runs
# last, after any that set PS1 (themes), and zsh prints PS1 only once they are all over: whatever a
# precmd function asks (a passphrase) comes before B, which is when the line editor reads the line
# (the browser's local echo trusts it from B on, docs/local-echo.md). ZDOTDIR stays the owner's from
# here on (.zlogin is read from there).
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
# In %{ %} (zero wide) and taken out before it is put back, so PS1 never grows; a PS1 changed since
# the last prompt gets it back. Not without PROMPT_PERCENT, where %{ would be printed as it is.
__shellport_prompt_end() {
  local code=$? __shellport_end=$'%{\e]133;B\a%}'
  [[ -o promptpercent ]] && PS1=${PS1//"$__shellport_end"/}$__shellport_end
  return $code
}
__shellport_preexec() {
  __shellport_ran=1
  printf '\e]133;C\a'
}
typeset -ga precmd_functions preexec_functions
precmd_functions=(__shellport_precmd ${${precmd_functions:#__shellport_precmd}:#__shellport_prompt_end} __shellport_prompt_end)
preexec_functions+=(__shellport_preexec)
