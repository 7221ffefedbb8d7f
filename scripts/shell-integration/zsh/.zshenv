# Shellport's zsh integration (issue 20; src/features/terminals/shell-integration.ts). zsh reads its
# startup files from ZDOTDIR, which Shellport points here; each file here reads the owner's own file
# from where zsh would have looked (SHELLPORT_USER_ZDOTDIR, else HOME) and hands back. After .zshrc,
# ZDOTDIR is the owner's again, so nothing else about their zsh changes.
__shellport_own_zdotdir=$ZDOTDIR
ZDOTDIR=${SHELLPORT_USER_ZDOTDIR:-$HOME}
unset SHELLPORT_USER_ZDOTDIR
[[ -f $ZDOTDIR/.zshenv ]] && source "$ZDOTDIR/.zshenv"
# The owner's .zshenv may move ZDOTDIR: their later files come from there.
__shellport_user_zdotdir=$ZDOTDIR
ZDOTDIR=$__shellport_own_zdotdir
