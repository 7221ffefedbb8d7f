# See .zshenv: the owner's .zprofile (login shells), then back here for .zshrc.
ZDOTDIR=$__shellport_user_zdotdir
[[ -f $ZDOTDIR/.zprofile ]] && source "$ZDOTDIR/.zprofile"
__shellport_user_zdotdir=$ZDOTDIR
ZDOTDIR=$__shellport_own_zdotdir
